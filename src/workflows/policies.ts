/**
 * The activity options of each kind of call, and `step`, the one way to call an activity. Every
 * AEP call is one idempotent activity (it finds what an earlier attempt created before creating),
 * so Temporal may retry it freely: 4xx is non-retryable; 429 (after its Retry-After), 5xx and
 * network errors are retryable.
 */
import {
  CancellationScope,
  CancelledFailure,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { datasetAsksQueue } from '../shared/names';

/**
 * One attempt's time of every remote activity; requests end within it (context.ts). Above
 * AEP_REQUEST_TIMEOUT_MS (at most 25 s); short enough that a lost attempt is retried after 30 s.
 */
export const ATTEMPT_TIMEOUT_MS = 30_000;

/**
 * Activities heartbeat while they run (src/activities/context.ts): a worker learns within this
 * time that Temporal cancelled or timed out its attempt, and Temporal learns that a worker died.
 */
export const HEARTBEAT_TIMEOUT = '10s';

/**
 * How long after an uncertain create (retried, or failed without a definite answer) the saga
 * waits before it lists by marker: the assumed bound on AEP's list lag plus a create still in
 * Adobe's pipeline after our request gave up. Adobe publishes no figure; docs/hardening.md.
 */
export const LIST_LAG_WAIT_MS = 10_000;

/**
 * Creates and reads: about 7 minutes of retries, so an AEP outage of that length is outlasted,
 * not compensated. WAIT_CANCELLATION_COMPLETED: when a branch is cancelled, the workflow waits
 * until the attempt in flight has finished, so compensation never races a create on the wire.
 */
export const AEP_CALL: ActivityOptions = {
  startToCloseTimeout: ATTEMPT_TIMEOUT_MS,
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  cancellationType: 'WAIT_CANCELLATION_COMPLETED',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 20,
  },
};

/** The inlet URL may lag the base connection: poll it on a short, bounded schedule (~3 min). */
export const INLET_POLL: ActivityOptions = {
  ...AEP_CALL,
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 1.5,
    maximumInterval: '10s',
    maximumAttempts: 30,
  },
};

/**
 * Deletes (compensation, teardown): about 70 s of retries, so a delete refused because a
 * dependent is still going away ("still in use", 409 / 1418-400) is retried that long before it
 * counts as left behind, and reported.
 */
export const DELETE: ActivityOptions = {
  startToCloseTimeout: ATTEMPT_TIMEOUT_MS,
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '20s',
    maximumAttempts: 8,
  },
};

/**
 * Asking a dataset's workflow (acquire, release). The answer waits for that workflow's AEP calls
 * and for other sources queued before this one, so an attempt may take minutes; a retry attaches
 * to the update its earlier attempt sent. On the dataset asks queue (names.ts says why).
 */
export function datasetAsk(): ActivityOptions {
  const taskQueue = datasetAsksQueue(workflowInfo().taskQueue);
  return { ...AEP_CALL, startToCloseTimeout: '2m', taskQueue };
}

/**
 * The dataset workflow's own AEP calls. Its calls are handled one at a time, so one stuck on a
 * failing AEP holds every source naming the dataset: it gives up after about 15 s and the asking
 * source's activity retries (datasetAsk, with the full AEP_CALL budget).
 */
export const DATASET_DECIDE: ActivityOptions = {
  ...AEP_CALL,
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '8s',
    maximumAttempts: 4,
  },
};

/**
 * The plan's read as a local activity, inside the first workflow task: a lost attempt costs only
 * the read again. 30 attempts (~13 min), since the read makes six requests and any transient fault
 * fails it (test/workflows/policies.test.ts). Retries past localRetryThreshold wait on a durable
 * timer rather than hold one workflow task for minutes.
 */
export const READ_LOCALLY: LocalActivityOptions = {
  startToCloseTimeout: ATTEMPT_TIMEOUT_MS,
  retry: { ...AEP_CALL.retry, maximumAttempts: 30 },
  localRetryThreshold: '3s',
};

/**
 * Request validation as a local activity: pure code, run inside the workflow task. InvalidRequest
 * is non-retryable; anything else (a bug) is retried a few times.
 */
export const VALIDATE_LOCALLY: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3 },
};

const remote = proxyActivities<Activities>(AEP_CALL);
const local = proxyLocalActivities<Activities>(VALIDATE_LOCALLY);

type Name = keyof Activities;
type Input<K extends Name> = Parameters<Activities[K]>[0];
type Output<K extends Name> = Awaited<ReturnType<Activities[K]>>;

export type StepOptions = ActivityOptions | { local: LocalActivityOptions };

/** Activity `name` as a step the UI shows as `summary`; `{ local }`: a local activity. */
export function step<K extends Name>(
  name: K,
  summary: string,
  input: Input<K>,
  options: StepOptions = AEP_CALL,
): Promise<Output<K>> {
  const [proxy, base] = 'local' in options ? [local, options.local] : [remote, options];
  const fn = proxy[name] as unknown as {
    executeWithOptions(options: object, args: unknown[]): Promise<Output<K>>;
  };
  return fn.executeWithOptions({ ...base, summary }, [input]);
}

/** A cancellation that arrives while a create is on the wire is still honoured. */
export function throwIfCancelled(): void {
  if (CancellationScope.current().consideredCancelled) {
    throw new CancelledFailure('Provisioning cancelled');
  }
}
