/**
 * What a provisioning does with its plan around applying it: refuse what it must not do, answer
 * at once when nothing changes, replace the whole source when asked to, and delete what the plan
 * no longer wants once nothing uses it.
 */
import { ApplicationFailure, isCancellation, log, TemporalFailure } from '@temporalio/workflow';
import type { ProvisionRequest } from '../request';
import { FailureType } from '../shared/names';
import type { ActualSource, SourcePlan } from '../shared/plan';
import type { ResourceKind } from '../shared/resources';
import type { ProvisionResult } from '../shared/results';
import { describeFailure } from './failures';
import { DELETE, READ_LOCALLY } from './policies';
import type { Progress } from './progress';
import { datasetName, step } from './steps';
import { deleteGraph } from './teardown';

/** A refusal: typed, non-retryable; the saga turns it into ProvisioningFailed (nothing to undo). */
function failBeforeAnyChange(
  type: string,
  message: string,
  details: Record<string, unknown>,
): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}

/** Refusals, each before anything is changed in AEP. */
export function refuse(req: ProvisionRequest, plan: SourcePlan): void {
  if (plan.schemaMissing) {
    failBeforeAnyChange(
      FailureType.SchemaNotFound,
      `XDM schema ${req.target.schemaId} does not exist in sandbox "${req.sandbox}"`,
      { schemaId: req.target.schemaId },
    );
  }
  const [foreign] = plan.conflicts;
  if (foreign) {
    failBeforeAnyChange(
      FailureType.ForeignResourceConflict,
      `A ${foreign.kind} named "${req.name}" already exists in sandbox "${req.sandbox}" (id ${foreign.id}) and was not created by this project; it is left untouched. Choose another name, or delete it yourself`,
      { conflicts: plan.conflicts },
    );
  }
  const dataset = plan.resources.find((r) => r.kind === 'dataset' && r.action === 'conflict');
  if (dataset) {
    failBeforeAnyChange(
      FailureType.DatasetMismatch,
      `Dataset ${req.target.datasetId} does not exist in sandbox "${req.sandbox}"`,
      {
        datasetId: req.target.datasetId,
      },
    );
  }
  if (plan.needsReplace.length > 0 && !req.replace) {
    const fields = plan.needsReplace
      .map((c) => `${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`)
      .join('; ');
    failBeforeAnyChange(
      FailureType.ExistingSourceDiffers,
      `Source "${req.name}" exists with settings AEP cannot change in place (${fields}); send the request with "replace": true to tear it down and create it again (new inlet URL), or choose another name`,
      { changes: plan.needsReplace },
    );
  }
}

const KINDS: ResourceKind[] = [
  'baseConnection',
  'sourceConnection',
  'dataset',
  'targetConnection',
  'mappingSet',
  'flow',
];

/** The result of a run that changes nothing (every resource kept), or undefined if incomplete. */
export function unchangedResult(
  req: ProvisionRequest,
  actual: ActualSource,
  plan: SourcePlan,
): ProvisionResult | undefined {
  const id = (kind: ResourceKind) => plan.resources.find((r) => r.kind === kind)?.id;
  const base = actual.baseConnection;
  const [flowId, sourceId, targetId, datasetId] = [
    id('flow'),
    id('sourceConnection'),
    id('targetConnection'),
    id('dataset'),
  ];
  if (!base?.inletUrl || !base.inletId || !flowId || !sourceId || !targetId || !datasetId)
    return undefined;
  return {
    sandbox: req.sandbox,
    name: req.name,
    inletUrl: base.inletUrl,
    inletId: base.inletId,
    flowId,
    baseConnectionId: base.id,
    sourceConnectionId: sourceId,
    targetConnectionId: targetId,
    datasetId,
    mappingSetId: id('mappingSet'),
    dataType: req.dataType,
    authenticationRequired: base.authenticationRequired,
    created: [],
    updated: [],
    reused: KINDS.filter((k) => id(k) !== undefined),
  };
}

/**
 * `replace: true` and a change AEP cannot make in place: tear the source down (as a teardown
 * would: this project's resources only), then the plan starts from nothing but the dataset. The
 * dataset is kept: when the request still names it, the new source writes to it again (a schema
 * change makes its workflow retire it, with its data, for a new one); when the request names
 * another, the source stops writing to the old one, which is kept (`retained`). Returns what AEP
 * holds afterwards.
 */
export async function replaceWholeSource(
  req: ProvisionRequest,
  actual: ActualSource,
  progress: Progress,
): Promise<ActualSource> {
  progress.status('REPLACING', 'Tearing the source down to create it again (replace: true)');
  // What the plan's read found, by id: lists may not show a resource made a moment ago.
  const graph = await step(
    'discoverSource',
    `Find the resources of "${req.name}" to replace`,
    {
      sandbox: req.sandbox,
      name: req.name,
      known: {
        baseConnectionId: actual.baseConnection?.id,
        sourceConnectionId: actual.sourceConnection?.id,
        targetConnectionId: actual.targetConnection?.id,
        mappingSetId: actual.mappingSet?.id,
        flowId: actual.flow?.id,
      },
    },
    DELETE,
  );
  const sameDataset = (r: { kind: string; name?: string }) =>
    r.kind === 'dataset' && req.target.datasetId === undefined && r.name === datasetName(req);
  const { result, failed } = await deleteGraph(
    { ...graph, resources: graph.resources.filter((r) => !sameDataset(r)) },
    { source: req.name, deleteDataset: false, onStep: (s) => progress.done(s) },
  );
  if (failed.length > 0) {
    progress.status('FAILED', `Replacing left ${failed.length} resource(s) behind`);
    throw ApplicationFailure.create({
      type: FailureType.CompensationFailed,
      message: `Replacing "${req.name}" could not delete: ${failed.join('; ')}`,
      nonRetryable: true,
      details: [{ ...result, failed }],
    });
  }
  progress.done(`replaced: deleted ${result.deleted.map((d) => `${d.kind} ${d.id}`).join(', ')}`);
  for (const k of result.kept) progress.done(`kept ${k.kind} ${k.id} (${k.reason ?? 'kept'})`);
  return {
    schemaFound: actual.schemaFound,
    baseConnection: null,
    sourceConnection: null,
    dataset: actual.dataset,
    targetConnection: null,
    mappingSet: null,
    flow: null,
    foreign: [],
  };
}

/**
 * Deletes what the plan no longer wants (a mapping set when the request dropped its mappings),
 * once the flow that used it is gone. A delete that fails leaves an unused mapping set, not a
 * broken source: it is logged and the run goes on.
 */
export async function removeUnwanted(
  req: ProvisionRequest,
  plan: SourcePlan,
  progress: Progress,
): Promise<void> {
  for (const r of plan.resources.filter((p) => p.action === 'delete' && p.id)) {
    if (r.kind === 'dataset') continue;
    try {
      await step(
        'deleteResource',
        `Delete ${r.kind} ${r.id} (${r.reason ?? r.action})`,
        { kind: r.kind, sandbox: req.sandbox, id: r.id },
        DELETE,
      );
      progress.done(`${r.kind} deleted: ${r.id} (${r.reason ?? r.action})`);
    } catch (err) {
      if (isCancellation(err) || !(err instanceof TemporalFailure)) throw err;
      log.warn('Could not delete what the plan no longer wants', { error: describeFailure(err) });
    }
  }
}

/** What AEP holds for the source: a local activity inside the current workflow task. */
export function readSource(req: ProvisionRequest): Promise<ActualSource> {
  return step('readSource', 'Read the source from AEP', readSourceInput(req), {
    local: READ_LOCALLY,
  });
}

/** What readSource needs from a request: the names to look up and the schema to check. */
export function readSourceInput(req: ProvisionRequest) {
  return {
    sandbox: req.sandbox,
    name: req.name,
    schemaId: req.target.schemaId,
    ...(req.target.datasetId !== undefined
      ? { datasetId: req.target.datasetId }
      : { datasetName: datasetName(req) }),
    ...(req.known ? { known: req.known } : {}),
  };
}
