/**
 * One helper to call an activity as a named step: the activity options of its kind and a summary
 * the Temporal UI shows on the activity. Activities are referenced by type only.
 */
import {
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

interface WithOptions<O> {
  executeWithOptions(options: O, args: unknown[]): Promise<unknown>;
}

/** Runs activity `name` with `input`; `options` default to AEP_CALL (creates and reads). */
export function step<K extends Name>(
  name: K,
  summary: string,
  input: Input<K>,
  options: ActivityOptions = AEP_CALL,
): Promise<Output<K>> {
  const fn = remote[name] as unknown as WithOptions<ActivityOptions>;
  return fn.executeWithOptions({ ...options, summary }, [input]) as Promise<Output<K>>;
}

/** Runs pure activity `name` as a local activity (in the worker, inside the workflow task). */
export function localStep<K extends Name>(
  name: K,
  summary: string,
  input: Input<K>,
): Promise<Output<K>> {
  const fn = local[name] as unknown as WithOptions<LocalActivityOptions>;
  return fn.executeWithOptions({ ...VALIDATE_LOCALLY, summary }, [input]) as Promise<Output<K>>;
}
