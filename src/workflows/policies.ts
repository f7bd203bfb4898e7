import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * Activity options shared by the workflows. Every AEP call is one activity; each is idempotent
 * (it finds what an earlier attempt or run created before creating), so Temporal may retry it
 * freely. The HTTP client's own timeout (AEP_REQUEST_TIMEOUT_MS) is below startToCloseTimeout;
 * 4xx answers come back as non-retryable ApplicationFailures, 429/5xx and network errors as
 * retryable ones (429 with the server's Retry-After as the next delay).
 */

/**
 * Creates and reads. WAIT_CANCELLATION_COMPLETED: when a branch is cancelled, the workflow waits
 * until the attempt in flight has finished, so compensation never races a create on the wire.
 */
export const AEP_CALL: ActivityOptions = {
  // Above AEP_REQUEST_TIMEOUT_MS (at most 25 s, config enforces it); short enough that an attempt
  // lost with a killed worker, or a task the server handed to a poll that never delivered it,
  // is retried after 30 s rather than a minute.
  startToCloseTimeout: '30s',
  cancellationType: 'WAIT_CANCELLATION_COMPLETED',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    // About 7 minutes of retries. inspectTarget bundles up to four reads in one attempt, so under
    // a high rate of transient faults it fails far more often than a single call (chaos suite:
    // 34 % of all retries, attempt 12 reached): 20 attempts keep it from running out.
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

/** Deletes (compensation, teardown): their own policy; one that still fails is reported. */
export const DELETE: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '20s',
    maximumAttempts: 8,
  },
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
