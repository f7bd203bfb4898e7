/**
 * StreamingDataset decides about a dataset sources name by name; ensureDataset is how a
 * provisioning gets its dataset. One run per (org, sandbox, name), reached by update-with-start,
 * so one writer decides, in order, from what Temporal records rather than from lagging lists:
 * - `acquireDataset`: the source becomes a writer; the dataset is found or created once;
 * - `releaseDataset`: the source stops writing; the dataset is deleted only on an explicit ask,
 *   with no writer left (and none in AEP either: a list can miss a new writer, never an old one).
 * The run ends after IDLE_MS with no writer (a later run finds the dataset by name: it is older
 * than any list lag by then).
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
  setWorkflowOptions,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  AcquireDatasetInput,
  AcquiredDataset,
  DatasetState,
  ReleaseDatasetInput,
  ReleasedDataset,
} from '../shared/model';
import type { ActualSource } from '../activities/read';
import type { Owner } from '../activities/types';
import type { ProvisionRequest } from '../request';
import { describeFailure } from '../shared/failures';
import {
  acquireDatasetUpdate,
  datasetCallsQueue,
  datasetQuery,
  FailureType,
  releaseDatasetUpdate,
} from '../shared/names';
import { datasetName } from '../shared/plan-source';
import { datasetAsk, DATASET_DECIDE, DELETE, LIST_LAG_WAIT_MS, step } from './policies';
import type { Saga } from './saga';

/** How long a run with no writer waits for the next call before it ends (well above list lag). */
export const IDLE_MS = 5 * 60_000;

/**
 * How long a provisioning's read that found no dataset of the name is taken at its word by a run
 * that knows of none: the dataset is then created without looking again. Every dataset of the
 * name this project made is known to the run that made it until IDLE_MS after its last call, so
 * one a later run does not know of is at least IDLE_MS − ABSENCE_TRUSTED_MS (4 min) older than
 * such a read: far older than any list lag (LIST_LAG_WAIT_MS).
 */
export const ABSENCE_TRUSTED_MS = 60_000;

/**
 * The run's own AEP calls go to the dataset calls queue (patch `dataset-calls-queue`): a source
 * asking this workflow holds a slot on the main queue while it waits, so the calls it waits for
 * must not need one there. Runs started before the patch keep the main queue on replay. Asked
 * first by a handler.
 */
function ownCall(options: ActivityOptions): ActivityOptions {
  if (!patched('dataset-calls-queue')) return options;
  return { ...options, taskQueue: datasetCallsQueue(workflowInfo().taskQueue) };
}

export async function StreamingDataset(initial: DatasetState): Promise<void> {
  const state: DatasetState = { ...initial, writers: [...initial.writers] };
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
  // With writers it waits for the next call alone: no timer waking it every IDLE_MS for as long as
  // a source writes to the dataset (runs of 1.0.1 and before keep theirs on replay).
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

// Long-lived, so on versioned workers it moves to the current build at its next task
// (docs/versioning.md): its commands must replay across builds (patch where they change). An
// unversioned worker may not be told a behavior at all (its tasks would fail).
setWorkflowOptions(
  () =>
    workflowInfo().currentDeploymentVersion?.deploymentName
      ? { versioningBehavior: 'AUTO_UPGRADE' }
      : {},
  StreamingDataset,
);

async function acquire(
  state: DatasetState,
  input: AcquireDatasetInput,
  sweeps: Array<Promise<void>>,
): Promise<AcquiredDataset> {
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
  const ensure = {
    owner,
    name,
    schemaId,
    description: input.description,
    knownId: state.datasetId,
    ...(retired ? { skip: [retired] } : {}),
    ...(absent ? { found: null } : {}),
  };
  const found = await step(
    'ensureNamedDataset',
    `Dataset "${name}"`,
    ensure,
    ownCall(DATASET_DECIDE),
  ).catch((err: unknown) => {
    // Its create may have landed all the same: from now on no read is taken at its word, and
    // what the next call makes or finds is swept for twins once the lag is over.
    state.uncertain = true;
    throw err;
  });
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

async function release(state: DatasetState, input: ReleaseDatasetInput): Promise<ReleasedDataset> {
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
  const r = await step(
    'deleteDataset',
    `Delete dataset ${id} if unused`,
    { sandbox, id, ...(creator ? { createdByRun: creator } : {}) },
    ownCall(DELETE),
  );
  if (r.outcome !== 'kept' && id === state.datasetId) forget(state);
  return { id, ...r };
}

/**
 * The dataset a provisioning writes to. By id: checked (exists, same schema, not another source's
 * own), never this project's to delete. By name: asked of its StreamingDataset, which creates it
 * once and records the writer; the undo releases it. Not named: the source's own, found or
 * created like its connections (its workflow id serialises its runs; no other source writes to
 * it), deleted by its undo if created.
 */
export function ensureDataset(run: {
  req: ProvisionRequest;
  owner: Owner;
  saga: Saga;
  /** Patch `own-datasets`: a request naming no dataset gets the source's own. */
  ownDatasets: boolean;
  actual: Pick<ActualSource, 'dataset'>;
  readAt: number;
}): Promise<AcquiredDataset> {
  const { req, owner, saga } = run;
  const { datasetId, schemaId, dataset } = req.target;
  if (datasetId !== undefined) {
    return step('checkDataset', `Check dataset ${datasetId}`, {
      sandbox: req.sandbox,
      id: datasetId,
      schemaId,
      source: req.name,
    });
  }
  const name = datasetName(req);
  const description =
    dataset?.description !== undefined ? { description: dataset.description } : {};
  const found = run.actual.dataset;
  // Unless the source already writes to a dataset shared by its name (made before 1.2).
  if (run.ownDatasets && dataset?.name === undefined && (found === null || found.own === true)) {
    const input = {
      owner,
      name,
      schemaId,
      own: true,
      ...description,
      ...(found ? { knownId: found.id } : { found: null }),
    };
    return saga.create(
      'dataset',
      name,
      () => step('ensureNamedDataset', `Dataset "${name}"`, input),
      { own: true },
    );
  }
  const input = {
    sandbox: req.sandbox,
    name,
    source: req.name,
    runId: owner.runId,
    schemaId,
    ...description,
    ...(found ? {} : { absentAt: run.readAt }),
  };
  return saga.create('dataset', name, () =>
    step('acquireDataset', `Dataset "${name}"`, input, datasetAsk()),
  );
}

/** The name stands for no dataset (deleted, or retired for another schema). */
function forget(state: DatasetState): void {
  state.datasetId = state.schemaId = state.createdByRun = undefined;
  state.failedRuns = [];
  state.mayHoldData = false;
}

/**
 * The create was retried: an earlier attempt's dataset may land in lists later than the retry's
 * lookup looked. Once the lag is over, any other dataset of the name carrying the same run's
 * marker, with no writer, is that twin.
 */
async function sweepTwins(owner: Owner, name: string, keep: string): Promise<void> {
  await sleep(LIST_LAG_WAIT_MS);
  try {
    await step(
      'sweepTwins',
      `Delete twins of dataset "${name}"`,
      { owner, kinds: [{ kind: 'dataset', name, keep: [keep] }] },
      DELETE,
    );
  } catch (err) {
    log.warn('Dataset twin sweep failed', { error: describeFailure(err) });
  }
}
