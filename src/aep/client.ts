/**
 * Typed client for the AEP APIs used to provision an HTTP API streaming source: one interface,
 * assembled from one module per API (flow-service, catalog, schema-registry, data-prep, inlet)
 * over the one HTTP core (http.ts).
 *
 * Contract (every method):
 * - Does I/O: call it from activities only. Workflows import at most `AepClient` as a type.
 * - One HTTP attempt per call (ky `retry: 0`, per-request `timeout`); Temporal's activity retry
 *   policy is the only retry loop. Failures are `ApplicationFailure`s typed by `toAepFailure`
 *   (4xx non-retryable, 429/5xx/network retryable, Retry-After → nextRetryDelay).
 * - The one exception: a 401 from Platform (401 or 403 from an authenticated inlet, which DCS
 *   uses for expired tokens) invalidates the cached token and repeats the call once with a fresh
 *   one (a token can expire or be revoked while cached). A second refusal is mapped as usual.
 * - The timeout bounds the wait for response headers; reading the (small) body is bounded by the
 *   activity's start-to-close timeout and cancellation.
 * - `signal` is the activity's cancellation signal: aborting it aborts the HTTP request and the
 *   abort reason is rethrown unmapped, so the activity completes as cancelled.
 * - Creates are NOT idempotent on Platform's side (names are not unique there); callers make them
 *   idempotent by looking up first (`list*` / `find*`). Gets return `null` on 404. Deletes are
 *   tolerant: 404 is `'absent'`, so compensation can be retried safely. PATCHes carry the
 *   resource's etag in `If-Match` (a stale one fails as AepConflict, 412).
 * - Bearer tokens go only to the configured Platform URL and, when asked, to the inlet URL.
 */
import type { AepClient } from './api';
import { catalogApi } from './catalog';
import { dataPrepApi } from './data-prep';
import { flowAction, flowServiceKind } from './flow-service';
import { createAepHttp, type AepClientDeps } from './http';
import { inletApi } from './inlet';
import { schemaRegistryApi } from './schema-registry';
import {
  baseConnectionSchema,
  flowSchema,
  sourceConnectionSchema,
  targetConnectionSchema,
} from './schemas';
import type {
  BaseConnection,
  CreateBaseConnectionBody,
  CreateFlowBody,
  CreateSourceConnectionBody,
  CreateTargetConnectionBody,
  Flow,
  SourceConnection,
  TargetConnection,
} from './types';

export type { AepClient } from './api';
export {
  CATALOG_PATH,
  DATA_PREP_PATH,
  FLOW_SERVICE_PATH,
  SCHEMA_REGISTRY_PATH,
  type AepClientConfig,
  type AepClientDeps,
} from './http';
export { encodePropertyFilter, isFilterable, nameFilter, resolveNextPage } from './flow-service';
export { schemaContainer } from './schema-registry';

export function createAepClient(deps: AepClientDeps): AepClient {
  const http = createAepHttp(deps);
  const connections = flowServiceKind<CreateBaseConnectionBody, BaseConnection>(
    http,
    'connections',
    'Connection',
    baseConnectionSchema,
  );
  const sourceConnections = flowServiceKind<CreateSourceConnectionBody, SourceConnection>(
    http,
    'sourceConnections',
    'SourceConnection',
    sourceConnectionSchema,
  );
  const targetConnections = flowServiceKind<CreateTargetConnectionBody, TargetConnection>(
    http,
    'targetConnections',
    'TargetConnection',
    targetConnectionSchema,
  );
  const flows = flowServiceKind<CreateFlowBody, Flow>(http, 'flows', 'Flow', flowSchema);

  return {
    ...schemaRegistryApi(http),
    ...catalogApi(http),
    ...dataPrepApi(http),
    ...inletApi(http),

    createConnection: connections.create,
    getConnection: connections.get,
    listConnections: connections.list,
    patchConnection: connections.patch,
    deleteConnection: connections.delete,

    createSourceConnection: sourceConnections.create,
    getSourceConnection: sourceConnections.get,
    listSourceConnections: sourceConnections.list,
    deleteSourceConnection: sourceConnections.delete,

    createTargetConnection: targetConnections.create,
    getTargetConnection: targetConnections.get,
    listTargetConnections: targetConnections.list,
    patchTargetConnection: targetConnections.patch,
    deleteTargetConnection: targetConnections.delete,

    createFlow: flows.create,
    getFlow: flows.get,
    listFlows: flows.list,
    patchFlow: flows.patch,
    deleteFlow: flows.delete,
    flowAction: (sandbox, id, action, signal) => flowAction(http, sandbox, id, action, signal),
  };
}
