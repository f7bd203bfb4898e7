import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * Activity options shared by the workflows. Every AEP call is one activity; each is idempotent
 * (it finds what an earlier attempt or run created before creating), so Temporal may retry it
 * freely. The HTTP client's own timeout (AEP_REQUEST_TIMEOUT_MS) is below startToCloseTimeout, and
 * no request outlives its attempt (each ends by the attempt's deadline, context.ts); 4xx answers
 * come back as non-retryable ApplicationFailures, 429/5xx and network errors as retryable ones
 * (429 with the server's Retry-After as the next delay).
 */

/**
 * One attempt's time (start-to-close) of every remote activity; requests end within it. Above
 * AEP_REQUEST_TIMEOUT_MS (at most 25 s, config enforces it); short enough that an attempt lost
 * with a killed worker, or a task handed to a poll that never delivered it, is retried after 30 s.
 */
export const ATTEMPT_TIMEOUT_MS = 30_000;

/**
 * Activities heartbeat while they run (src/activities/context.ts): a worker learns within this
 * time that Temporal cancelled or timed out its attempt, and Temporal learns that a worker died.
 */
export const HEARTBEAT_TIMEOUT = '10s';

/**
 * How long after a create whose outcome was uncertain (a retried attempt, or a create that failed
 * without a definite answer) the saga waits before it lists by marker (compensation, twin sweep):
 * the assumed bound on AEP's list lag (a resource created shows in Flow Service, Catalog and Data
 * Prep lists and filters only this much later) plus a create still in Adobe's pipeline after our
 * request gave up at the attempt's deadline. Adobe publishes no figure; docs/hardening.md.
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
 * Asking a dataset's workflow (acquire, release: src/workflows/dataset.ts). The answer waits for
 * that workflow's own AEP calls and for the calls of other sources queued before this one, so
 * an attempt may take minutes; a retry attaches to the update its earlier attempt sent.
 */
export const DATASET_CALL: ActivityOptions = { ...AEP_CALL, startToCloseTimeout: '2m' };

/**
 * The dataset workflow's own AEP calls. Its calls are handled one at a time, so one stuck on a
 * failing AEP holds every source naming the dataset: it gives up after about 15 s and the asking
 * source's activity retries (DATASET_CALL, with the full AEP_CALL budget).
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
 * The plan's read as a local activity: it only reads, so an attempt lost with its worker costs
 * nothing but the read again, and it runs inside the first workflow task instead of costing a
 * task round trip before the first create. AEP_CALL's attempt time and backoff, more attempts:
 * about 13 minutes. The read makes six requests at once per attempt, and a transient fault on
 * any one fails the attempt (under chaos `faults`, 20 % of requests, 62 % of attempts failed):
 * 30 attempts make running out a one-in-a-million event (test/workflows/policies.test.ts), and a
 * failed read has nothing to undo. The SDK retries inside the workflow task while the next wait
 * is below localRetryThreshold (its default, 1 min, would keep a read failing for minutes in one
 * task, heartbeated every 8 s); from the third retry on it waits on a durable timer instead.
 */
export const READ_LOCALLY: LocalActivityOptions = {
  startToCloseTimeout: ATTEMPT_TIMEOUT_MS,
  retry: { ...AEP_CALL.retry, maximumAttempts: 30 },
  localRetryThreshold: '3s',
};

/**
 * Request validation as a local activity (short critical path): pure code, no I/O, so it runs in
 * the worker inside the workflow task instead of costing a task round trip. InvalidRequest is
 * non-retryable; anything else (a bug) is retried a few times.
 */
export const VALIDATE_LOCALLY: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3 },
};
