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
import type { InletInfo, Owner, PriorResource } from '../activities/types';
import type { ProvisionRequest } from '../request';
import { AEP_CALL, INLET_POLL, VALIDATE_LOCALLY } from './policies';
import type { Saga } from './saga';

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

/** The base connection's inlet URL; polled on INLET_POLL's schedule until Platform has it. */
export function readInlet(sandbox: string, baseConnectionId: string): Promise<InletInfo> {
  return step('getInlet', 'Read the inlet URL', { sandbox, baseConnectionId }, INLET_POLL);
}

/** The source connection on its base connection, registered with the saga before the call. */
export function createSourceConnection(
  saga: Saga,
  name: string,
  input: Input<'ensureSourceConnection'>,
): Promise<Output<'ensureSourceConnection'>> {
  return saga.create('sourceConnection', name, () =>
    step('ensureSourceConnection', 'Source connection', input),
  );
}

/** The base connection (the inlet), registered with the saga before the call. */
export function createBaseConnection(
  saga: Saga,
  req: ProvisionRequest,
  owner: Owner,
  found?: PriorResource | null,
): Promise<Output<'ensureBaseConnection'>> {
  return saga.create('baseConnection', req.name, () =>
    step('ensureBaseConnection', `Base connection "${req.name}"`, {
      owner,
      description: req.description,
      dataType: req.dataType,
      authenticationRequired: req.authentication?.required ?? false,
      ...(found !== undefined ? { found } : {}),
    }),
  );
}
