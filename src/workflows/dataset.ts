/**
 * StreamingDataset: one run per (org, sandbox, dataset name), reached by update-with-start, so
 * one writer decides in order from what Temporal records, not from lagging lists. `acquire`: the
 * source becomes a writer, the dataset is found or created once. `release`: the source stops
 * writing; the dataset is deleted only when asked, with no writer left here nor in AEP (a list
 * can miss a new writer, never an old one). Ends after IDLE_MS with no writer. ensureDataset is
 * how a provisioning gets its dataset.
 */
import {
  type ActivityOptions,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type * as model from '../shared/model';
import type { Owner } from '../activities/types';
import { describeFailure } from '../shared/failures';
import {
  acquireDatasetUpdate,
  datasetCallsQueue,
  datasetQuery,
  FailureType,
  releaseDatasetUpdate,
} from '../shared/names';
import { datasetName } from '../shared/plan-source';
import {
  autoUpgrade,
  datasetAsk,
  DATASET_DECIDE,
  DELETE,
  LIST_LAG_WAIT_MS,
  step,
} from './policies';
import type { Run } from './provision';

/** How long a run with no writer waits for a call before it ends (well above list lag). */
export const IDLE_MS = 5 * 60_000;

/**
 * How long a provisioning's read that found no dataset of the name is taken at its word (created
 * without looking again) by a run that knows of none. A run knows every dataset it made until
 * IDLE_MS after its last call, so one it does not know is ≥ 4 min older than such a read: far
 * older than any list lag.
 */
export const ABSENCE_TRUSTED_MS = 60_000;

/**
 * Own AEP calls go to the dataset calls queue (patch `dataset-calls-queue`, asked first by a
 * handler): an asking source holds a main-queue slot while it waits, so they must not need one.
 */
function ownCall(options: ActivityOptions): ActivityOptions {
  if (!patched('dataset-calls-queue')) return options;
  return { ...options, taskQueue: datasetCallsQueue(workflowInfo().taskQueue) };
}

export async function StreamingDataset(initial: model.DatasetState): Promise<void> {
  const state: model.DatasetState = { ...initial, writers: [...initial.writers] };
  let calls = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const sweeps: Array<Promise<void>> = [];
  /** One call at a time, in arrival order: each decides from what the one before left. */
  const inTurn = <T>(fn: () => Promise<T>): Promise<T> => {
    const turn = queue.then(fn);
    const count = () => calls++;
    queue = turn.then(count, count);
    return turn;
  };
  setHandler(acquireDatasetUpdate, (input) => inTurn(() => acquire(state, input, sweeps)));
  setHandler(releaseDatasetUpdate, (input) => inTurn(() => release(state, input)));
  setHandler(datasetQuery, () => state);
  // With writers, no timer wakes it every IDLE_MS (runs of 1.0.1 and before keep it on replay).
  const untilCalled = patched('dataset-no-timer-with-writers');

  for (;;) {
    const seen = calls;
    const idle = !untilCalled || state.writers.length === 0;
    const called = idle
      ? await condition(() => calls !== seen, IDLE_MS)
      : await condition(() => calls !== seen).then(() => true);
    const renew = workflowInfo().continueAsNewSuggested;
    if (!renew && (called || state.writers.length > 0)) continue;
    await condition(allHandlersFinished);
    await Promise.all(sweeps);
    if (renew) return continueAsNew<typeof StreamingDataset>(state);
    if (calls === seen && state.writers.length === 0) return;
  }
}

autoUpgrade(StreamingDataset);

async function acquire(
  state: model.DatasetState,
  input: model.AcquireDatasetInput,
  sweeps: Array<Promise<void>>,
) {
  const { sandbox, name, source, runId, schemaId } = input;
  let retired: string | undefined;
  if (state.datasetId !== undefined && state.schemaId !== schemaId) {
    const others = state.writers.filter((w) => w !== source);
    if (others.length > 0) {
      throw ApplicationFailure.create({
        type: FailureType.DatasetMismatch,
        message: `Dataset "${name}" (${state.datasetId}) uses schema ${state.schemaId}, not ${schemaId}, and ${others.map((o) => `"${o}"`).join(', ')} write to it: name another dataset`,
        nonRetryable: true,
        details: [{ datasetId: state.datasetId, schemaId: state.schemaId, writers: others }],
      });
    }
    // Only this source wrote to it: the dataset keeps its data, the name now stands for a new one.
    retired = state.datasetId;
    forget(state);
  }
  const owner = { imsOrg: state.imsOrg, sandbox, sourceName: source, runId };
  const absent =
    state.datasetId === undefined &&
    !state.uncertain &&
    input.absentAt !== undefined &&
    Date.now() - input.absentAt < ABSENCE_TRUSTED_MS;
  const known = { description: input.description, knownId: state.datasetId };
  const skip = retired ? { skip: [retired] } : {};
  const ensure = { owner, name, schemaId, ...known, ...skip, ...(absent ? { found: null } : {}) };
  const options = ownCall(DATASET_DECIDE);
  const found = await step('ensureNamedDataset', `Dataset "${name}"`, ensure, options).catch(
    (err: unknown) => {
      // Its create may have landed: no read is taken at its word from now on, and what the next
      // call makes or finds is swept for twins once the lag is over.
      state.uncertain = true;
      throw err;
    },
  );
  if (found.id !== state.datasetId) {
    forget(state);
    if (found.created) state.createdByRun = runId;
  }
  state.datasetId = found.id;
  state.schemaId = schemaId;
  if (!state.writers.includes(source)) state.writers.push(source);
  const afterFailure = state.uncertain === true && patched('dataset-sweep-after-failed-call');
  state.uncertain = false;
  if (found.retried || afterFailure) sweeps.push(sweepTwins(owner, name, found.id));
  return { id: found.id, created: found.created, ...(retired ? { retired } : {}) };
}

async function release(
  state: model.DatasetState,
  input: model.ReleaseDatasetInput,
): Promise<model.ReleasedDataset> {
  const { sandbox, source, createdByRun } = input;
  state.writers = state.writers.filter((w) => w !== source);
  if (createdByRun === undefined) state.mayHoldData = true;
  else state.failedRuns = [...(state.failedRuns ?? []), createdByRun];
  const id = input.datasetId ?? state.datasetId;
  if (id === undefined) return { outcome: 'absent' };
  if (!input.deleteDataset) return { id, outcome: 'kept', reason: 'retained' };
  // The writers recorded here are those of the name's current dataset.
  if (id === state.datasetId && state.writers.length > 0) {
    return { id, outcome: 'kept', reason: `in use by ${state.writers.join(', ')}` };
  }
  // A compensation deletes what its own run created; and, last to leave, one whose creating run
  // failed too, when every source that wrote to it failed (none can have ingested data there).
  const creator =
    createdByRun !== undefined &&
    id === state.datasetId &&
    !state.mayHoldData &&
    state.createdByRun !== undefined &&
    state.failedRuns?.includes(state.createdByRun)
      ? state.createdByRun
      : createdByRun;
  const byId = { sandbox, id, ...(creator ? { createdByRun: creator } : {}) };
  const r = await step('deleteDataset', `Delete dataset ${id} if unused`, byId, ownCall(DELETE));
  if (r.outcome !== 'kept' && id === state.datasetId) forget(state);
  return { id, ...r };
}

/**
 * A provisioning's dataset. By id: checked, never ours to delete. By name: asked of its
 * StreamingDataset (released by the undo). Not named: the source's own, like its connections.
 */
export function ensureDataset(run: Run) {
  const { req, owner, saga } = run;
  const { datasetId, schemaId, dataset } = req.target;
  const { sandbox, name: source } = req;
  if (datasetId !== undefined) {
    const input = { sandbox, id: datasetId, schemaId, source };
    return step('checkDataset', `Check dataset ${datasetId}`, input);
  }
  const name = datasetName(req);
  const description = dataset?.description;
  const described = description !== undefined ? { description } : {};
  const found = run.actual.dataset;
  // Unless the source already writes to a dataset shared by its name (made before 1.2).
  if (run.ownDatasets && dataset?.name === undefined && (found === null || found.own === true)) {
    const known = found ? { knownId: found.id } : { found: null };
    const input = { owner, name, schemaId, own: true, ...described, ...known };
    const ensure = () => step('ensureNamedDataset', `Dataset "${name}"`, input);
    return saga.create('dataset', name, ensure, { own: true });
  }
  const absent = found ? {} : { absentAt: run.readAt };
  const input = { sandbox, name, source, runId: owner.runId, schemaId, ...described, ...absent };
  const ask = () => step('acquireDataset', `Dataset "${name}"`, input, datasetAsk());
  return saga.create('dataset', name, ask);
}

/** The name stands for no dataset (deleted, or retired for another schema). */
function forget(state: model.DatasetState): void {
  state.datasetId = state.schemaId = state.createdByRun = undefined;
  state.failedRuns = [];
  state.mayHoldData = false;
}

/**
 * After a retried create an earlier attempt's dataset may land in lists late: once the lag is
 * over, any other dataset of the name with the same run's marker and no writer is that twin.
 */
async function sweepTwins(owner: Owner, name: string, keep: string): Promise<void> {
  await sleep(LIST_LAG_WAIT_MS);
  const kinds = [{ kind: 'dataset' as const, name, keep: [keep] }];
  await step('sweepTwins', `Delete twins of dataset "${name}"`, { owner, kinds }, DELETE).catch(
    (err: unknown) => log.warn('Dataset twin sweep failed', { error: describeFailure(err) }),
  );
}
