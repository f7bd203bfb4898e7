/**
 * ProvisionStreamingSource: the request is the desired state. It reads what AEP holds, plans
 * (plan.ts) and applies the plan: creates what is missing, updates in place what AEP allows,
 * refuses what would change the inlet URL or move data unless `replace: true`, changes nothing
 * when nothing differs.
 *
 *   validate ─ read + plan ─┬─ base connection ─┬─ inlet URL ──────────┐
 *                           │                   └─ source connection ──┤
 *                           ├─ dataset ─ target connection ────────────┼─ flow ─ (wait) ─ smoke
 *                           └─ mapping set (create or new version) ────┘
 *
 * On a Temporal failure or a cancellation the saga (saga.ts) deletes what this run created, until
 * a replacement flow has taken over (then the run rolls forward). Any other error is a bug: it
 * fails the workflow task, nothing is deleted, and a fixed deploy resumes it.
 */
import {
  patched,
  sleep,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Owner } from '../activities/types';
import type { ProvisionRequest, ProvisionRequestInput } from '../request';
import type { AcquiredDataset, ProvisionResult } from '../shared/model';
import { sourceSearchAttributes } from '../shared/names';
import { ensureDataset } from './dataset';
import {
  found,
  knownInlet,
  planned,
  readAndPlan,
  removeUnwanted,
  resultOf,
  updatedFields,
  validateAndRead,
  type Planned,
} from './plan';
import { DELETE, INLET_POLL, step, throwIfCancelled } from './policies';
import { Progress, Saga } from './saga';

export type Run = Planned & {
  req: ProvisionRequest;
  owner: Owner;
  saga: Saga;
  progress: Progress;
  readAt: number;
  ownDatasets: boolean;
};

export async function ProvisionStreamingSource(
  input: ProvisionRequestInput,
): Promise<ProvisionResult> {
  const progress = new Progress();
  // Asked before the first local activity, in this order (docs/versioning.md); new runs record
  // only `one-start-patch`, which stands for the two others.
  const folded = patched('one-start-patch');
  const ownDatasets = folded || patched('own-datasets');
  const { req, read } = await validateAndRead(input, folded || patched('validate-and-read'));
  // The client sets these at start; a run started otherwise sets them here.
  const identity = sourceSearchAttributes(req).slice(0, 3);
  const started = workflowInfo().typedSearchAttributes;
  if (identity.some(({ key, value }) => started.get(key) !== value))
    upsertSearchAttributes(identity);
  progress.done('request validated');
  const { imsOrg, sandbox, name: sourceName } = req;
  const owner: Owner = { imsOrg, sandbox, sourceName, runId: workflowInfo().runId };
  const saga = new Saga(owner, progress);
  try {
    const readAt = Date.now();
    const planning = await readAndPlan(req, saga, progress, read);
    const { unchanged } = planning;
    if (unchanged) {
      progress.done('nothing to change');
      progress.status('SUCCEEDED', `Unchanged — inlet ${unchanged.inletUrl}`);
      return unchanged;
    }
    const result = await applyPlan({
      ...planning,
      req,
      owner,
      saga,
      progress,
      readAt,
      ownDatasets,
    });
    if (planning.replaced) result.inletUrlChanged = true;
    progress.status('SUCCEEDED', `Inlet ${result.inletUrl} — flow ${result.flowId}`);
    return result;
  } catch (err) {
    if (!(err instanceof TemporalFailure)) throw err;
    return saga.fail(err, req.name);
  }
}

/** The three sides in parallel, then the flow, the smoke test and the twin sweep. */
async function applyPlan(run: Run): Promise<ProvisionResult> {
  const { req, saga, progress } = run;
  progress.status('PROVISIONING', 'Applying the plan');
  const [source, target, mapping] = await saga.all([
    () => sourceSide(run),
    () => targetSide(run),
    () => mappingSide(run),
  ] as const);
  throwIfCancelled();
  progress.status('PROVISIONING', 'Dataflow');
  const flow = await flowStep(run, source.source.id, target.target.id, mapping);
  await removeUnwanted(req, run.plan, progress);
  throwIfCancelled();

  let smokeTest: ProvisionResult['smokeTest'];
  if (req.smokeTest && (flow.changed || req.smokeTest.always)) {
    const wait = flow.changed ? req.smokeTest.activationWaitSeconds : 0;
    progress.status('WAITING_FOR_ACTIVATION', `Waiting ${wait}s for the dataflow to activate`);
    await sleep(wait * 1000); // a durable timer: a worker restart during the wait loses nothing
    progress.status('SMOKE_TESTING', 'Sending one record to the inlet');
    smokeTest = await step('sendSmokeRecord', 'Smoke test: one record to the inlet', {
      sandbox: req.sandbox,
      inletUrl: source.inlet.inletUrl,
      flowId: flow.id,
      dataType: req.dataType,
      schemaId: req.target.schemaId,
      datasetId: target.dataset.id,
      authenticated: source.inlet.authenticationRequired,
      record: req.smokeTest.record,
    });
    progress.done(`smoke test accepted (${smokeTest.status})`);
  }

  // Twins: resources this run created twice (a create committed after its attempt gave up).
  const twinsRemoved = await saga.sweepTwins();
  const ids = progress.state.resources;
  const result = resultOf(req, source.inlet, (k) => ids[k]?.id, progress.kinds(), smokeTest);
  if (twinsRemoved.length > 0) result.twinsRemoved = twinsRemoved;
  return result;
}

/** Base connection (and its description), then its inlet URL beside the source connection. */
async function sourceSide({ req, owner, saga, progress, actual, plan }: Run) {
  const { sandbox, name, description, dataType, applySet } = req;
  const authenticationRequired = req.authentication?.required ?? false;
  const prior = found(plan, 'baseConnection');
  const input = { owner, description, dataType, authenticationRequired, found: prior, applySet };
  const base = await saga.create('baseConnection', name, () =>
    step('ensureBaseConnection', `Base connection "${name}"`, input),
  );
  progress.record('baseConnection', base);
  const known = prior ? knownInlet(actual.baseConnection) : undefined;
  const baseUpdate = updatedFields(plan, 'baseConnection');
  const baseConnectionId = base.id;
  const sourceInput = { owner, baseConnectionId, found: found(plan, 'sourceConnection') };
  const update = { sandbox, id: base.id, description: description ?? '', applySet };
  const [inlet, source] = await Promise.all([
    known ?? step('getInlet', 'Read the inlet URL', { sandbox, baseConnectionId }, INLET_POLL),
    saga.create('sourceConnection', name, () =>
      step('ensureSourceConnection', 'Source connection', sourceInput),
    ),
    baseUpdate &&
      step('updateDescription', 'Update the base connection description', update).then(() =>
        progress.update('baseConnection', base.id, baseUpdate),
      ),
  ]);
  progress.state.inletUrl = inlet.inletUrl;
  progress.done('inlet URL read');
  progress.record('sourceConnection', source);
  return { base, inlet, source };
}

/**
 * The dataset (dataset.ts; its workflow records this source as a writer before its target
 * connection exists), then the target connection. One whose target connection stays is a writer.
 */
async function targetSide(run: Run) {
  const { req, owner, saga, progress, actual, plan } = run;
  const { datasetId, schemaId } = req.target;
  const targetFound = found(plan, 'targetConnection');
  const kept = actual.dataset && found(plan, 'dataset') && targetFound ? actual.dataset : null;
  const dataset: AcquiredDataset = kept
    ? { id: kept.id, created: false }
    : await ensureDataset(run);
  progress.record('dataset', dataset, datasetId === undefined);
  if (dataset.retired) {
    progress.done(`dataset ${dataset.retired} kept with its data (another schema): retired`);
  }
  const prior = targetFound ? { ...targetFound, dataSetId: dataset.id } : null;
  const named = { datasetId: dataset.id, datasetNamedById: datasetId !== undefined };
  const input = { owner, ...named, schemaId, found: prior };
  const target = await saga.create('targetConnection', req.name, () =>
    step('ensureTargetConnection', 'Target connection', input),
  );
  progress.record('targetConnection', target);
  return { dataset, target };
}

/** The mapping set: created, given a new version with the request's mappings, or kept. */
async function mappingSide({ req, owner, saga, progress, actual, plan }: Run) {
  const { mappings, target } = req;
  const r = planned(plan, 'mappingSet');
  if (!mappings || !r) return undefined;
  const { schemaId } = target;
  const n = `(${mappings.length} mappings)`;
  const update = r.action === 'update' && r.id ? { owner, id: r.id, schemaId, mappings } : null;
  const kept = r.action === 'keep' ? actual.mappingSet : null;
  const prior = kept ? { id: kept.id, createdByThisRun: false, version: kept.version } : null;
  const input = { owner, schemaId, mappings, found: prior };
  const set = update
    ? await step('updateMappingSet', `New mapping-set version ${n}`, update)
    : await saga.create('mappingSet', req.name, () =>
        step('ensureMappingSet', `Data Prep mapping set ${n}`, input),
      );
  progress.record('mappingSet', set);
  if (update) progress.update('mappingSet', set.id, `version ${set.version}`);
  return { id: set.id, version: set.version };
}

/**
 * The flow: created, updated (mapping version, enabled), kept, or replaced make-before-break: the
 * old one deleted once the new one exists, then the run commits (a later failure keeps it).
 */
async function flowStep(
  { req, owner, saga, progress, plan }: Run,
  sourceConnectionId: string,
  targetConnectionId: string,
  mapping: Awaited<ReturnType<typeof mappingSide>>,
): Promise<{ id: string; changed: boolean }> {
  const r = planned(plan, 'flow');
  const replaces = r?.action === 'replace' ? r.id : undefined;
  const ids = { sourceConnectionId, targetConnectionId, mappingSet: mapping };
  const input = { owner, found: found(plan, 'flow'), ...ids, ...(replaces ? { replaces } : {}) };
  const summary = replaces ? `Dataflow (replaces ${replaces})` : 'Dataflow';
  const flow = await saga.create('flow', req.name, () => step('ensureFlow', summary, input));
  progress.record('flow', flow);
  if (replaces) {
    await step(
      'deleteResource',
      `Delete the replaced dataflow ${replaces} (${r?.reason ?? 'replaced'})`,
      { kind: 'flow', sandbox: req.sandbox, id: replaces },
      DELETE,
    );
    saga.commit();
    progress.done(`flow ${replaces} deleted: replaced by ${flow.id} (${r?.reason ?? ''})`);
  }
  if (r?.action === 'update') {
    const mapped = mapping ? { mapping } : {};
    const update = { sandbox: req.sandbox, id: flow.id, ...mapped, enable: true };
    await step('updateFlow', 'Point the dataflow at the mapping version; enable it', update);
    progress.update('flow', flow.id, updatedFields(plan, 'flow'));
  }
  return { id: flow.id, changed: flow.created || r?.action === 'update' };
}
