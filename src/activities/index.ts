/** The activities, each safe to run twice: creates look up what this project owns first. */
import type { Client } from '@temporalio/client';
import type { AepClient } from '../aep/client';
import {
  InvalidRequestError,
  parseDeprovisionRequest,
  parseProvisionRequest,
  type Place,
} from '../request';
import { FailureType } from '../shared/names';
import { readInputOf } from '../shared/plan-source';
import { connectionActivities } from './connections';
import { activityContext, heartbeating, refuse, refuseOtherOrg } from './context';
import { datasetActivities } from './datasets';
import { flowActivities, updateActivities } from './flow';
import { healthActivities } from './health';
import { readActivities } from './read';
import { setActivities } from './sets';
import { reconcileActivities } from './reconcile';
import { discoveryActivities, teardownActivities } from './teardown';

export interface ActivityDeps {
  aep: AepClient;
  /** Org and sandbox of requests that name none: the AEP client's org. */
  place: Place;
  /** The worker's Temporal client: datasets are asked of their workflow (datasets.ts). */
  temporal: Client;
}

/** Request validation (pure code, run as local activities); InvalidRequest is non-retryable. */
function valid<T extends Place>(parse: (input: unknown, place: Place) => T, place: Place) {
  return async (input: unknown): Promise<T> => {
    let req: T;
    try {
      req = parse(input, place);
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      refuse(FailureType.InvalidRequest, err.message, [{ problems: err.problems }]);
    }
    refuseOtherOrg(req.imsOrg, place);
    return req;
  };
}

function assemble(deps: ActivityDeps) {
  const validateProvisionRequest = valid(parseProvisionRequest, deps.place);
  const read = readActivities(deps);
  return {
    validateProvisionRequest,
    validateDeprovisionRequest: valid(parseDeprovisionRequest, deps.place),
    ...read,
    /** The request validated and what its plan needs read, in one local activity. */
    async validateAndReadSource(input: unknown) {
      const req = await validateProvisionRequest(input);
      return { req, actual: await read.readSource(readInputOf(req)) };
    },
    ...connectionActivities(deps),
    ...datasetActivities(deps),
    ...flowActivities(deps),
    ...updateActivities(deps),
    ...discoveryActivities(deps),
    ...teardownActivities(deps),
    ...healthActivities(deps),
    ...setActivities(deps),
    ...reconcileActivities(deps),
  };
}

/**
 * The creates, named here rather than told by their names: each reports `retried` when run as a
 * retry (an earlier attempt may have sent the create too, so the saga or dataset workflow sweeps
 * for a twin carrying the run's marker).
 */
export const CREATES: ReadonlyArray<string> = [
  'ensureBaseConnection',
  'ensureSourceConnection',
  'ensureTargetConnection',
  'ensureMappingSet',
  'ensureFlow',
  'ensureNamedDataset',
] satisfies ReadonlyArray<keyof ReturnType<typeof assemble>>;

/** Every activity heartbeats while it runs (context.ts). */
export function createActivities(deps: ActivityDeps) {
  const activities = assemble(deps);
  const wrapped = Object.entries(activities).map(([name, fn]) => [
    name,
    async (input: unknown) => {
      const result: unknown = await heartbeating(() =>
        (fn as (i: unknown) => Promise<unknown>)(input),
      );
      const again = activityContext().attempt > 1 && typeof result === 'object' && result !== null;
      return again && CREATES.includes(name) && 'id' in result
        ? { ...result, retried: true }
        : result;
    },
  ]);
  return Object.fromEntries(wrapped) as typeof activities;
}

export type Activities = ReturnType<typeof createActivities>;
