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
import { flowActivities, smokeActivities, updateActivities } from './flow';
import { healthActivities } from './health';
import { readActivities } from './read';
import { setActivities } from './sets';
import { reconcileActivities } from './reconcile';
import { discoveryActivities, teardownActivities } from './teardown';

export interface ActivityDeps {
  aep: AepClient;
  /** Org and sandbox of requests that name none (AEP_ORG_ID, AEP_SANDBOX); the org is the one
   * whose credentials the AEP client holds. */
  place: Place;
  /** The worker's Temporal client: datasets are asked of their workflow (datasets.ts). */
  temporal: Client;
}

/** Request validation: pure code, run as local activities; InvalidRequest is non-retryable. */
function validationActivities({ place }: { place: Place }) {
  const valid = <T extends Place>(parse: (input: unknown, place: Place) => T) =>
    async function (input: unknown): Promise<T> {
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
  return {
    validateProvisionRequest: valid(parseProvisionRequest),
    validateDeprovisionRequest: valid(parseDeprovisionRequest),
  };
}

function assemble(deps: ActivityDeps) {
  const validation = validationActivities(deps);
  const read = readActivities(deps);
  return {
    ...validation,
    ...read,
    /** The request validated and what its plan needs read, in one local activity. */
    async validateAndReadSource(input: unknown) {
      const req = await validation.validateProvisionRequest(input);
      return { req, actual: await read.readSource(readInputOf(req)) };
    },
    ...connectionActivities(deps),
    ...datasetActivities(deps),
    ...flowActivities(deps),
    ...smokeActivities(deps),
    ...updateActivities(deps),
    ...teardownActivities(deps),
    ...discoveryActivities(deps),
    ...healthActivities(deps),
    ...setActivities(deps),
    ...reconcileActivities(deps),
  };
}

/**
 * The creates: each reports `retried` when run as a retry (an earlier attempt may have sent the
 * create too, so the saga or dataset workflow sweeps for a twin carrying the run's marker).
 */
export const CREATES = [
  'ensureBaseConnection',
  'ensureSourceConnection',
  'ensureTargetConnection',
  'ensureMappingSet',
  'ensureFlow',
  'ensureNamedDataset',
] as const satisfies ReadonlyArray<keyof ReturnType<typeof assemble>>;

export function createActivities(deps: ActivityDeps) {
  return attempts(assemble(deps));
}

type Activity = (input: unknown) => Promise<unknown>;

/** Every activity heartbeats while it runs (context.ts); every create says when it was retried. */
function attempts<T extends object>(activities: T): T {
  const creates: ReadonlyArray<string> = CREATES;
  const wrapped = Object.entries(activities as Record<string, Activity>).map(([name, fn]) => {
    const run = async (input: unknown) => {
      const result = await heartbeating(() => fn(input));
      const again = activityContext().attempt > 1 && typeof result === 'object' && result !== null;
      return again && creates.includes(name) && 'id' in result
        ? { ...result, retried: true }
        : result;
    };
    return [name, run];
  });
  return Object.fromEntries(wrapped) as T;
}

export type Activities = ReturnType<typeof createActivities>;
