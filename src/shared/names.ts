/** Names of the 1.0 contract (docs/versioning.md). Workflow code imports it: no side effects. */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import * as nexus from 'nexus-rpc';
import type { DeprovisionRequestInput, ProvisionRequestInput } from '../request';
import type * as m from './model';
import type { ReconcileReport } from './reconcile';

export const DEFAULT_TASK_QUEUE = 'aep-streaming-provisioning';

/** A source's identity: the org is in every id (two orgs may both have a sandbox `prod`). */
export type SourceKey = { imsOrg: string; sandbox: string; name: string };
type Place = Omit<SourceKey, 'name'>;
const path = (...parts: string[]) => parts.join('/');

/** Every operation that changes a source runs under this id: one open at a time, the latest last. */
export const sourceWorkflowId = (k: SourceKey) => path('aep-stream', k.imsOrg, k.sandbox, k.name);

/** Read-only runs get ids of their own: they never block an operation. */
export const readOnlyWorkflowId = (
  what: 'plan' | 'resolve' | 'health' | 'set',
  k: SourceKey,
  nonce: string,
) => path(`aep-stream-${what}`, k.imsOrg, k.sandbox, k.name, nonce);

/** `nonce`: `scheduled` for the schedule's runs (Temporal appends `-<timestamp>`), else a uuid. */
export const reconcileWorkflowId = (p: Place, nonce: string) => path(reconcileScheduleId(p), nonce);

export const reconcileScheduleId = (p: Place) => path('aep-stream-reconcile', p.imsOrg, p.sandbox);

/** The gauge of the sources the last reconcile of a sandbox left drifted. */
export const DRIFTED_SOURCES_METRIC = 'aep_stream_drifted_sources';

/** One workflow per dataset sources name by name (src/workflows/dataset.ts). */
export const datasetWorkflowId = (k: SourceKey) =>
  path('aep-stream-dataset', k.imsOrg, k.sandbox, k.name);

/** The org's request budget: one per org and task queue, run by the workers that lease from it. */
export const rateBudgetWorkflowId = (imsOrg: string, taskQueue: string) =>
  path('aep-stream-rate', imsOrg, taskQueue);

/** The queue of an org other than AEP_ORG_ID: no org holds the slots and pollers of another. */
export const orgTaskQueue = (taskQueue: string, imsOrg: string) =>
  `${taskQueue}--${imsOrg.replace(/@AdobeOrg$/, '').toLowerCase()}`;

/** The dataset workflows' AEP calls: never waiting for a slot held by a source waiting on them. */
export const datasetCallsQueue = (taskQueue: string) => `${taskQueue}-dataset-calls`;

const ASKS = '-dataset-asks';
/** Asks of a dataset's workflow hold their slot until it answers: not the tasks they wait for. */
export const datasetAsksQueue = (taskQueue: string) => `${taskQueue}${ASKS}`;

/** The workflows' task queue an ask was sent from (runs of 1.0.1 and before ask on it). */
export const askedFromQueue = (queue: string) =>
  queue.endsWith(ASKS) ? queue.slice(0, -ASKS.length) : queue;

/** What a reconcile run has found so far, and its result once done. */
export const reconcileQuery = defineQuery<ReconcileReport>('reconcile');

/** The memo field holding the validated request a provisioning run was started with. */
export const REQUEST_MEMO = 'request';

/** ApplicationFailure.type values clients branch on (docs/reference.md#failure-types). */
export const FailureType = {
  InvalidRequest: 'InvalidRequest',
  AepBadRequest: 'AepBadRequest',
  AepUnauthorized: 'AepUnauthorized',
  AepForbidden: 'AepForbidden',
  AepNotFound: 'AepNotFound',
  AepConflict: 'AepConflict',
  AepClientError: 'AepClientError',
  AepRateLimited: 'AepRateLimited',
  AepServerError: 'AepServerError',
  AepNetworkError: 'AepNetworkError',
  AepUnexpectedResponse: 'AepUnexpectedResponse',
  SchemaNotFound: 'SchemaNotFound',
  DatasetMismatch: 'DatasetMismatch',
  ForeignResourceConflict: 'ForeignResourceConflict',
  ExistingSourceDiffers: 'ExistingSourceDiffers',
  InletNotReady: 'InletNotReady',
  SmokeTestFailed: 'SmokeTestFailed',
  ProvisioningFailed: 'ProvisioningFailed',
  CompensationFailed: 'CompensationFailed',
  SourceNotFound: 'SourceNotFound',
  RequestConflict: 'RequestConflict',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

const keyword = (name: string) => defineSearchAttributeKey(name, 'KEYWORD');
/** Custom search attributes, registered on the server at start (dev server: --search-attribute). */
export const SearchAttributes = {
  imsOrg: keyword('AepImsOrg'),
  sandbox: keyword('AepSandbox'),
  sourceName: keyword('AepSourceName'),
  status: keyword('AepProvisioningStatus'),
  /** The HTTP API key that started the run (set at start by the API only). */
  apiKeyId: keyword('AepApiKeyId'),
} as const;

/** The search attributes of an operation on a source (the name when known), as started. */
export function sourceSearchAttributes(key: Place & { name?: string }, status = 'QUEUED') {
  return [
    { key: SearchAttributes.imsOrg, value: key.imsOrg },
    { key: SearchAttributes.sandbox, value: key.sandbox },
    ...(key.name ? [{ key: SearchAttributes.sourceName, value: key.name }] : []),
    { key: SearchAttributes.status, value: status },
  ];
}

/** `--search-attribute` arguments for `temporal server start-dev` and `temporal operator`. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: ReadonlyArray<readonly [string, 'Keyword']> =
  Object.values(SearchAttributes).map((key) => [key.name, 'Keyword'] as const);

export const progressQuery = defineQuery<m.ProvisionProgress>('progress');
/** A source starts writing to a dataset (created once); answered with the dataset. */
export const acquireDatasetUpdate = defineUpdate<m.AcquiredDataset, [m.AcquireDatasetInput]>(
  'acquireDataset',
);
/** A source stops writing to a dataset; deleted only when asked and no writer is left. */
export const releaseDatasetUpdate = defineUpdate<m.ReleasedDataset, [m.ReleaseDatasetInput]>(
  'releaseDataset',
);
export const datasetQuery = defineQuery<m.DatasetState>('dataset');
/** A worker process takes, renews or gives back its share of the org's request budget. */
export const leaseRateUpdate = defineUpdate<m.RateLease, [m.RateLeaseInput]>('leaseRate');
export const rateBudgetQuery = defineQuery<m.RateBudgetState>('rateBudget');

export const WorkflowType = {
  provision: 'ProvisionStreamingSource',
  deprovision: 'DeprovisionStreamingSource',
  plan: 'PlanStreamingSource',
  resolve: 'ResolveStreamingSource',
  dataset: 'StreamingDataset',
  health: 'ReadFlowHealth',
  rateBudget: 'AepRequestBudget',
  applySet: 'FindApplySet',
  reconcile: 'ReconcileSources',
} as const;

export const NexusNames = {
  service: 'aep-streaming',
  operations: { provision: 'provision', deprovision: 'deprovision', plan: 'plan' },
} as const;

/** The Nexus service contract (docs/api.md#nexus): the library's requests and results. */
const op = NexusNames.operations;
export const aepStreamingService = nexus.service(NexusNames.service, {
  provision: nexus.operation<ProvisionRequestInput, m.ProvisionResult>({ name: op.provision }),
  deprovision: nexus.operation<DeprovisionRequestInput, m.DeprovisionResult>({
    name: op.deprovision,
  }),
  plan: nexus.operation<ProvisionRequestInput, m.SourcePlan>({ name: op.plan }),
});
