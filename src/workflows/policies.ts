/**
 * The activity options of each kind of call, and `step`, the one way to call an activity. Every
 * AEP call is one idempotent activity (it finds what an earlier attempt created before creating),
 * so Temporal may retry it freely: 4xx is non-retryable; 429, 5xx and network errors retryable.
 */
import {
  CancellationScope,
  CancelledFailure,
  proxyActivities,
  proxyLocalActivities,
  setWorkflowOptions,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
  type Workflow,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { datasetAsksQueue } from '../shared/names';

/** One attempt's time: above AEP_REQUEST_TIMEOUT_MS (≤ 25 s); a lost attempt retried after it. */
export const ATTEMPT_TIMEOUT_MS = 30_000;

/** The wait after an uncertain create before listing by marker: AEP's list lag, assumed. */
export const LIST_LAG_WAIT_MS = 10_000;

const retry = (initialInterval: string, maximumInterval: string, maximumAttempts: number) => ({
  initialInterval,
  backoffCoefficient: 2,
  maximumInterval,
  maximumAttempts,
});

/** Heartbeats (activities/context.ts) tell a worker its attempt ended, Temporal a worker died. */
const ATTEMPT = { startToCloseTimeout: ATTEMPT_TIMEOUT_MS, heartbeatTimeout: '10s' };

/** Creates and reads: ~7 min of retries; a cancelled call is waited for (no race with undo). */
export const AEP_CALL: ActivityOptions = {
  ...ATTEMPT,
  cancellationType: 'WAIT_CANCELLATION_COMPLETED',
  retry: retry('1s', '30s', 20),
};

/** The inlet URL may lag the base connection: polled on a short, bounded schedule (~3 min). */
export const INLET_POLL: ActivityOptions = {
  ...AEP_CALL,
  retry: { ...retry('500ms', '10s', 30), backoffCoefficient: 1.5 },
};

/** Deletes: ~70 s of retries, so "still in use" while a dependent goes away is waited out. */
export const DELETE: ActivityOptions = { ...ATTEMPT, retry: retry('1s', '20s', 8) };

/** Asks of a dataset's workflow: the answer may wait minutes (queued sources); names.ts: queue. */
export const datasetAsk = (): ActivityOptions => ({
  ...AEP_CALL,
  startToCloseTimeout: '2m',
  taskQueue: datasetAsksQueue(workflowInfo().taskQueue),
});

/** The dataset workflow's own calls, one at a time: it gives up in ~15 s, the asker retries. */
export const DATASET_DECIDE: ActivityOptions = { ...AEP_CALL, retry: retry('1s', '8s', 4) };

/** The plan's read, in the first workflow task: 30 attempts, as any of six requests may fail. */
export const READ_LOCALLY: LocalActivityOptions = {
  startToCloseTimeout: ATTEMPT_TIMEOUT_MS,
  retry: { ...AEP_CALL.retry, maximumAttempts: 30 },
  localRetryThreshold: '3s',
};

/** Request validation (pure code): InvalidRequest is non-retryable, a bug retried a little. */
export const VALIDATE_LOCALLY: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3 },
};

const remote = proxyActivities<Activities>(AEP_CALL);
const local = proxyLocalActivities<Activities>(VALIDATE_LOCALLY);
type Output<K extends keyof Activities> = Awaited<ReturnType<Activities[K]>>;

/** Activity `name` as a step the UI shows as `summary`; `{ local }`: a local activity. */
export function step<K extends keyof Activities>(
  name: K,
  summary: string,
  input: Parameters<Activities[K]>[0],
  options: ActivityOptions | { local: LocalActivityOptions } = AEP_CALL,
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

/** Long-lived: on versioned workers, moves to the current build at its next task. */
export function autoUpgrade(workflow: Workflow): void {
  const upgrade = () =>
    workflowInfo().currentDeploymentVersion?.deploymentName
      ? { versioningBehavior: 'AUTO_UPGRADE' as const }
      : {};
  setWorkflowOptions(upgrade, workflow);
}
