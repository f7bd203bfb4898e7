/**
 * The one way workflows call an activity: `step`, a named step with the activity options of its
 * kind (policies.ts) and a summary the Temporal UI shows on it. Activities are referenced by type
 * only.
 */
import {
  CancellationScope,
  CancelledFailure,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { AEP_CALL, VALIDATE_LOCALLY } from './policies';

const remote = proxyActivities<Activities>(AEP_CALL);
const local = proxyLocalActivities<Activities>(VALIDATE_LOCALLY);

type Name = keyof Activities;
type Input<K extends Name> = Parameters<Activities[K]>[0];
type Output<K extends Name> = Awaited<ReturnType<Activities[K]>>;

/** A step's options: an activity task's, or `{ local }` for a local activity. */
export type StepOptions = ActivityOptions | { local: LocalActivityOptions };

/**
 * Runs activity `name` with `input` as a named step, by default with AEP_CALL. `{ local }` runs it
 * as a local activity inside the workflow task (VALIDATE_LOCALLY, READ_LOCALLY).
 */
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
