/** Names of the 1.0 contract (docs/versioning.md). Workflow code imports it: no side effects. */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import * as nexus from 'nexus-rpc';
import type { DeprovisionRequestInput, ProvisionRequestInput } from '../request';
import type {
  AcquireDatasetInput,
  AcquiredDataset,
  DatasetState,
  DeprovisionResult,
  ProvisionProgress,
  ProvisionResult,
  RateBudgetState,
  RateLease,
  RateLeaseInput,
  ReleaseDatasetInput,
  ReleasedDataset,
  SourcePlan,
} from './model';
import type { ReconcileReport } from './reconcile';

export const DEFAULT_TASK_QUEUE = 'aep-streaming-provisioning';

/**
 * A source's identity. Two orgs may both have a sandbox `prod`, so the org is in every id (an org
 * id and a sandbox name hold no `/`, so the name parses whatever `/` it holds).
 */
export interface SourceKey {
  imsOrg: string;
  sandbox: string;
  name: string;
}

/**
 * One workflow id per source for every operation that changes it: Temporal runs one open execution
 * per id, so operations on a source are serialized, and the id's latest run is its last operation.
 */
export function sourceWorkflowId(key: SourceKey): string {
  return `aep-stream/${key.imsOrg}/${key.sandbox}/${key.name}`;
}

/** Read-only runs get ids of their own: they never block an operation. */
export function readOnlyWorkflowId(
  what: 'plan' | 'resolve' | 'health' | 'set',
  key: SourceKey,
  nonce: string,
): string {
  return `aep-stream-${what}/${key.imsOrg}/${key.sandbox}/${key.name}/${nonce}`;
}

/** `nonce`: `scheduled` for the schedule's runs (Temporal appends `-<timestamp>`), else a uuid. */
export function reconcileWorkflowId(place: Omit<SourceKey, 'name'>, nonce: string): string {
  return `aep-stream-reconcile/${place.imsOrg}/${place.sandbox}/${nonce}`;
}

export function reconcileScheduleId(place: Omit<SourceKey, 'name'>): string {
  return `aep-stream-reconcile/${place.imsOrg}/${place.sandbox}`;
}

/** The gauge of the sources the last reconcile of a sandbox left drifted. */
export const DRIFTED_SOURCES_METRIC = 'aep_stream_drifted_sources';

/** One workflow per dataset sources name by name (src/workflows/dataset.ts). */
export function datasetWorkflowId(key: SourceKey): string {
  return `aep-stream-dataset/${key.imsOrg}/${key.sandbox}/${key.name}`;
}

/**
 * The org's request budget (src/workflows/rate.ts): one per org and task queue, run on that queue,
 * so the workers that lease from it are the ones that run it.
 */
export function rateBudgetWorkflowId(imsOrg: string, taskQueue: string): string {
  return `aep-stream-rate/${imsOrg}/${taskQueue}`;
}

/**
 * The task queue of an org other than AEP_ORG_ID (which keeps `taskQueue`): one per org, so one
 * org's throttled or slow work never holds the slots and pollers of another's.
 */
export function orgTaskQueue(taskQueue: string, imsOrg: string): string {
  return `${taskQueue}--${imsOrg.replace(/@AdobeOrg$/, '').toLowerCase()}`;
}

/**
 * The dataset workflows' own AEP calls: an activity-only worker in every process serves it, so
 * the calls never wait for a slot held by a source waiting on them.
 */
export function datasetCallsQueue(taskQueue: string): string {
  return `${taskQueue}-dataset-calls`;
}

/**
 * Asks of a dataset's workflow (acquire, release): an ask holds its slot until that workflow
 * answers, so asks get slots of their own; on the main queue they would delay the very workflow
 * tasks they wait for.
 */
export function datasetAsksQueue(taskQueue: string): string {
  return `${taskQueue}${ASKS}`;
}

/** The workflows' task queue an ask was sent from (runs of 1.0.1 and before ask on it). */
export function askedFromQueue(activityTaskQueue: string): string {
  return activityTaskQueue.endsWith(ASKS)
    ? activityTaskQueue.slice(0, -ASKS.length)
    : activityTaskQueue;
}

const ASKS = '-dataset-asks';

/** What a reconcile run has found so far, and its result once done (src/workflows/reconcile.ts). */
export const reconcileQuery = defineQuery<ReconcileReport>('reconcile');

/** The memo field holding the validated request a provisioning run was started with. */
export const REQUEST_MEMO = 'request';

/**
 * Failure types carried by ApplicationFailure.type; clients branch on these, never on messages.
 * docs/reference.md#failure-types says when each is raised and whether it is retried.
 */
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

/** Custom search attributes, registered on the server at start (dev server: --search-attribute). */
export const SearchAttributes = {
  imsOrg: defineSearchAttributeKey('AepImsOrg', 'KEYWORD'),
  sandbox: defineSearchAttributeKey('AepSandbox', 'KEYWORD'),
  sourceName: defineSearchAttributeKey('AepSourceName', 'KEYWORD'),
  status: defineSearchAttributeKey('AepProvisioningStatus', 'KEYWORD'),
  /** The HTTP API key that started the run (set at start by the API only). */
  apiKeyId: defineSearchAttributeKey('AepApiKeyId', 'KEYWORD'),
} as const;

/** The search attributes of an operation on a source, as started (status QUEUED). */
export function sourceSearchAttributes(key: SourceKey) {
  return [
    { key: SearchAttributes.imsOrg, value: key.imsOrg },
    { key: SearchAttributes.sandbox, value: key.sandbox },
    { key: SearchAttributes.sourceName, value: key.name },
    { key: SearchAttributes.status, value: 'QUEUED' },
  ];
}

/** `--search-attribute` arguments for `temporal server start-dev` and `temporal operator`. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: ReadonlyArray<readonly [string, 'Keyword']> =
  Object.values(SearchAttributes).map((key) => [key.name, 'Keyword'] as const);

export const progressQuery = defineQuery<ProvisionProgress>('progress');

/** A source starts writing to a dataset (created once); answered with the dataset. */
export const acquireDatasetUpdate = defineUpdate<AcquiredDataset, [AcquireDatasetInput]>(
  'acquireDataset',
);
/** A source stops writing to a dataset; deleted only when asked and no writer is left. */
export const releaseDatasetUpdate = defineUpdate<ReleasedDataset, [ReleaseDatasetInput]>(
  'releaseDataset',
);
export const datasetQuery = defineQuery<DatasetState>('dataset');

/** A worker process takes, renews or gives back its share of the org's request budget. */
export const leaseRateUpdate = defineUpdate<RateLease, [RateLeaseInput]>('leaseRate');
export const rateBudgetQuery = defineQuery<RateBudgetState>('rateBudget');

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
export const aepStreamingService = nexus.service(NexusNames.service, {
  provision: nexus.operation<ProvisionRequestInput, ProvisionResult>({
    name: NexusNames.operations.provision,
  }),
  deprovision: nexus.operation<DeprovisionRequestInput, DeprovisionResult>({
    name: NexusNames.operations.deprovision,
  }),
  plan: nexus.operation<ProvisionRequestInput, SourcePlan>({
    name: NexusNames.operations.plan,
  }),
});
