/**
 * The activities, assembled from one module per concern over injected dependencies (the AEP
 * client, the default sandbox). Each is safe to run twice: creates look up the resource this
 * project owns first (always when the workflow says a parent was reused, and on every retry,
 * since an earlier attempt may have committed it before its response was lost), so Temporal's
 * retries never produce duplicates. Secrets never appear in inputs or results: the AEP client
 * holds the token.
 */
import type { AepClient } from '../aep/client';
import { flowActivities } from './flow';
import { sourceSideActivities } from './source-side';
import { targetSideActivities } from './target-side';
import { teardownActivities } from './teardown';
import { validationActivities } from './validate';

export interface ActivityDeps {
  aep: AepClient;
  /** Sandbox of requests that name none (config AEP_SANDBOX). */
  defaultSandbox: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...validationActivities(deps),
    ...sourceSideActivities(deps),
    ...targetSideActivities(deps),
    ...flowActivities(deps),
    ...teardownActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
