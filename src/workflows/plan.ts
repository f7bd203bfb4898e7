/** The plan workflow, and around applying a plan: read, refusals, unchanged, replace, removal. */
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  setCurrentDetails,
  TemporalFailure,
} from '@temporalio/workflow';
import type { InletInfo, KnownResources, PriorResource } from '../activities/types';
import type { ProvisionRequest, ProvisionRequestInput } from '../request';
import { describeFailure, failureTypeOf, rootOf } from '../shared/failures';
import { FailureType } from '../shared/names';
import type { ActualSource, ProvisionResult, ResourceKind, SourcePlan } from '../shared/model';
import { datasetName, planSource, readInputOf } from '../shared/plan-source';
import { DELETE, READ_LOCALLY, step, VALIDATE_LOCALLY } from './policies';
import type { Progress, Saga } from './saga';
import { deleteGraph } from './teardown';

/** Read-only, under its own workflow id: never waits for, nor blocks, an operation. */
export async function PlanStreamingSource(input: ProvisionRequestInput): Promise<SourcePlan> {
  const req = await validate(input);
  setCurrentDetails(`Reading source "${req.name}" in ${req.sandbox}`);
  const plan = await planOf(req);
  setCurrentDetails(plan.changes ? 'Changes pending' : 'No change');
  return plan;
}

const validate = (input: ProvisionRequestInput) =>
  step('validateProvisionRequest', 'Validate the request', input, { local: VALIDATE_LOCALLY });

function readSource(req: ProvisionRequest): Promise<ActualSource> {
  return step('readSource', 'Read the source from AEP', readInputOf(req), { local: READ_LOCALLY });
}

/** The plan of `req` against what AEP holds (the plan workflow's, and the reconcile's). */
export const planOf = async (req: ProvisionRequest) => planSource(req, await readSource(req));

export function planned(plan: SourcePlan, kind: ResourceKind) {
  return plan.resources.find((r) => r.kind === kind);
}

/** The fields of a resource `kind` the plan updates in place, as `a, b` ('' when none). */
export function updatedFields(plan: SourcePlan, kind: ResourceKind): string {
  const r = planned(plan, kind);
  return r?.action === 'update' ? (r.changes ?? []).map((c) => c.field).join(', ') : '';
}

/** What exists and stays, as an ensure activity's `found` (no lookup but on retry); else null. */
export function found(plan: SourcePlan, kind: ResourceKind): PriorResource | null {
  const r = planned(plan, kind);
  return r?.id && (r.action === 'keep' || r.action === 'update')
    ? { id: r.id, createdByThisRun: false }
    : null;
}

/**
 * The request validated and read in one local activity (patch `validate-and-read`). An invalid
 * request fails the run as itself; for a read that failed, or was cancelled, the request is
 * validated alone (to name the source) and readAndPlan throws the failure to the saga.
 */
export async function validateAndRead(
  input: ProvisionRequestInput,
  oneRead: boolean,
): Promise<{ req: ProvisionRequest; read?: ActualSource | TemporalFailure }> {
  if (!oneRead) return { req: await validate(input) };
  try {
    const summary = 'Validate the request; read the source from AEP';
    const { req, actual } = await step('validateAndReadSource', summary, input, {
      local: READ_LOCALLY,
    });
    return { req, read: actual };
  } catch (err) {
    if (!(err instanceof TemporalFailure)) throw err;
    if (failureTypeOf(rootOf(err)) === FailureType.InvalidRequest) throw err;
    return { req: await CancellationScope.nonCancellable(() => validate(input)), read: err };
  }
}

export type Planned = { actual: ActualSource; plan: SourcePlan };

/** Reads (unless validateAndRead did) and plans; refuses, answers `unchanged`, or replaces. */
export async function readAndPlan(
  req: ProvisionRequest,
  saga: Saga,
  progress: Progress,
  read?: ActualSource | TemporalFailure,
): Promise<Planned & { unchanged?: ProvisionResult; replaced?: true }> {
  progress.status('PLANNING', 'Reading the source from AEP', { publish: false });
  if (read instanceof TemporalFailure) throw read;
  const actual = read ?? (await readSource(req));
  const plan = (progress.state.plan = planSource(req, actual));
  refuse(req, plan);
  const unchanged = !plan.changes && !req.smokeTest?.always && unchangedResult(req, actual, plan);
  if (unchanged) return { actual, plan, unchanged };
  // A failure from here on leaves the source as it was, unless the run replaces it whole.
  if (plan.resources.some((r) => r.id !== undefined && r.kind !== 'dataset'))
    saga.sourceState = 'previous';
  if (!plan.replaceSource) return { actual, plan };
  const emptied = await replaceWholeSource(req, actual, progress);
  saga.sourceState = 'absent';
  const replanned = (progress.state.plan = planSource(req, emptied));
  return { actual: emptied, plan: replanned, replaced: true };
}

/** Refusals, each before anything is changed in AEP: typed, non-retryable, nothing to undo. */
function refuse(req: ProvisionRequest, plan: SourcePlan): void {
  const fail = (type: string, message: string, details: Record<string, unknown>): never => {
    throw ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
  };
  const where = `in sandbox "${req.sandbox}"`;
  const { schemaId, datasetId } = req.target;
  if (plan.schemaMissing) {
    const message = `XDM schema ${schemaId} does not exist ${where}`;
    fail(FailureType.SchemaNotFound, message, { schemaId });
  }
  const [foreign] = plan.conflicts;
  if (foreign) {
    fail(
      FailureType.ForeignResourceConflict,
      `A ${foreign.kind} named "${req.name}" already exists ${where} (id ${foreign.id}) and was not created by this project; it is left untouched. Choose another name, or delete it yourself`,
      { conflicts: plan.conflicts },
    );
  }
  if (plan.resources.some((r) => r.kind === 'dataset' && r.action === 'conflict')) {
    fail(FailureType.DatasetMismatch, `Dataset ${datasetId} does not exist ${where}`, {
      datasetId,
    });
  }
  if (plan.needsReplace.length > 0 && !req.replace) {
    const fields = plan.needsReplace
      .map((c) => `${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`)
      .join('; ');
    fail(
      FailureType.ExistingSourceDiffers,
      `Source "${req.name}" exists with settings AEP cannot change in place (${fields}); send the request with "replace": true to tear it down and create it again (new inlet URL), or choose another name`,
      { changes: plan.needsReplace },
    );
  }
}

/** A provisioning's result: its inlet, the id of each kind (`id`), what the run did with each. */
export function resultOf(
  req: ProvisionRequest,
  inlet: InletInfo,
  id: (kind: ResourceKind) => string | undefined,
  kinds: Pick<ProvisionResult, 'created' | 'updated' | 'reused'>,
  smokeTest?: ProvisionResult['smokeTest'],
): ProvisionResult {
  return {
    sandbox: req.sandbox,
    name: req.name,
    inletUrl: inlet.inletUrl,
    inletId: inlet.inletId,
    flowId: id('flow')!,
    baseConnectionId: id('baseConnection')!,
    sourceConnectionId: id('sourceConnection')!,
    targetConnectionId: id('targetConnection')!,
    datasetId: id('dataset')!,
    mappingSetId: id('mappingSet'),
    dataType: req.dataType,
    authenticationRequired: inlet.authenticationRequired,
    smokeTest,
    ...kinds,
  };
}

/** The inlet the read found on the base connection, if it had one. */
export function knownInlet(base: ActualSource['baseConnection']): InletInfo | undefined {
  if (!base?.inletUrl || !base.inletId) return undefined;
  const { inletUrl, inletId, authenticationRequired } = base;
  return { inletUrl, inletId, authenticationRequired };
}

/** The result of a run that changes nothing (every resource kept), or undefined if incomplete. */
function unchangedResult(req: ProvisionRequest, actual: ActualSource, plan: SourcePlan) {
  const id = (kind: ResourceKind) => planned(plan, kind)?.id;
  const inlet = knownInlet(actual.baseConnection);
  const needed = ['flow', 'sourceConnection', 'targetConnection', 'dataset'] as const;
  if (!inlet || needed.some((k) => !id(k))) return undefined;
  // plan.resources is in dependency order, one entry per kind.
  const reused = plan.resources.filter((r) => r.id !== undefined).map((r) => r.kind);
  return resultOf(req, inlet, id, { created: [], updated: [], reused });
}

/**
 * `replace: true` with a change AEP cannot make in place: tears the source down and returns what
 * AEP holds then: only the dataset, which is kept (written to again, or `retained`).
 */
async function replaceWholeSource(
  req: ProvisionRequest,
  actual: ActualSource,
  progress: Progress,
): Promise<ActualSource> {
  progress.status('REPLACING', 'Tearing the source down to create it again (replace: true)');
  // What the plan's read found, by id: lists may not show a resource made a moment ago.
  const kinds = ['baseConnection', 'sourceConnection', 'targetConnection', 'mappingSet', 'flow'];
  const known = Object.fromEntries(
    kinds.map((k) => [`${k}Id`, actual[k as 'flow']?.id]),
  ) as KnownResources;
  const summary = `Find the resources of "${req.name}" to replace`;
  const { sandbox, name } = req;
  const graph = await step('discoverSource', summary, { sandbox, name, known }, DELETE);
  const sameDataset = (r: { kind: string; name?: string }) =>
    r.kind === 'dataset' && req.target.datasetId === undefined && r.name === datasetName(req);
  const result = await deleteGraph(
    { ...graph, resources: graph.resources.filter((r) => !sameDataset(r)) },
    {
      source: req.name,
      deleteDataset: false,
      onStep: (s) => progress.done(s),
      leftBehind: (failed) => {
        progress.status('FAILED', `Replacing left ${failed.length} resource(s) behind`);
        return `Replacing "${req.name}" could not delete: ${failed.join('; ')}`;
      },
    },
  );
  progress.done(`replaced: deleted ${result.deleted.map((d) => `${d.kind} ${d.id}`).join(', ')}`);
  for (const k of result.kept) progress.done(`kept ${k.kind} ${k.id} (${k.reason ?? 'kept'})`);
  const gone = { baseConnection: null, sourceConnection: null, targetConnection: null };
  return { ...actual, ...gone, mappingSet: null, flow: null, foreign: [] };
}

/** Deletes what the plan no longer wants (a dropped mapping set); a failure is only logged. */
export async function removeUnwanted(req: ProvisionRequest, plan: SourcePlan, progress: Progress) {
  for (const r of plan.resources) {
    if (r.action !== 'delete' || !r.id || r.kind === 'dataset') continue;
    const what = `${r.kind} ${r.id} (${r.reason ?? r.action})`;
    try {
      const input = { kind: r.kind, sandbox: req.sandbox, id: r.id };
      await step('deleteResource', `Delete ${what}`, input, DELETE);
      progress.done(`${r.kind} deleted: ${r.id} (${r.reason ?? r.action})`);
    } catch (err) {
      if (isCancellation(err) || !(err instanceof TemporalFailure)) throw err;
      log.warn('Could not delete what the plan no longer wants', { error: describeFailure(err) });
    }
  }
}
