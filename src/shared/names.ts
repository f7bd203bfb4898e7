/**
 * Names shared by worker, client, workflows and tests. This module is imported by workflow code,
 * so it must stay deterministic and free of I/O: plain constants, pure functions and Temporal
 * workflow-side definitions only.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { ProvisionProgress } from './results';

export const DEFAULT_TASK_QUEUE = 'aep-streaming-provisioning';

/**
 * One workflow id per (sandbox, source name), shared by every operation that changes the source
 * (provision, teardown): Temporal runs at most one open execution per id, so operations on one
 * source are serialized by construction, and the id's latest run is the source's last operation.
 */
export function sourceWorkflowId(sandbox: string, name: string): string {
  return `aep-stream/${sandbox}/${name}`;
}

/** Read-only runs (plan, resolve a flow id) get their own ids: they never block an operation. */
export function readOnlyWorkflowId(
  what: 'plan' | 'resolve',
  sandbox: string,
  key: string,
  nonce: string,
): string {
  return `aep-stream-${what}/${sandbox}/${key}/${nonce}`;
}

/** The memo field holding the validated request a provisioning run was started with. */
export const REQUEST_MEMO = 'request';

/** Workflow patches (docs/versioning.md): each id names the change it guards. */
export const Patches = {
  /** Provisioning plans against AEP's state and applies changes in place (v2). */
  lifecycle: 'lifecycle-v2',
  /**
   * Compensation sweeps by marker, after waiting out the list lag, when a create's outcome was
   * uncertain (src/workflows/compensation.ts); and the twin sweep after success (saga.ts).
   */
  compensationSweep: 'compensation-sweep-v1',
  /**
   * Compensation that deleted the target connection writing to a dataset this run adopted (another
   * source created it) deletes the dataset too when nothing else writes to it.
   */
  releaseAdoptedDataset: 'release-adopted-dataset-v1',
  /**
   * The plan's read (readSource) is a local activity inside the first workflow task, not an
   * activity task of its own: one workflow task and one task hand-off fewer before the first
   * create, and PLANNING is no longer published (no one could see it).
   */
  localPlanRead: 'local-plan-read-v1',
} as const;

/** Failure types carried by ApplicationFailure.type; clients branch on these, never on messages. */
export const FailureType = {
  /** The request failed validation; nothing was called. Non-retryable. */
  InvalidRequest: 'InvalidRequest',
  /** Platform answered 400 (malformed or refused request). Non-retryable. */
  AepBadRequest: 'AepBadRequest',
  /** IMS refused the credentials, or Platform refused a fresh token. Non-retryable. */
  AepUnauthorized: 'AepUnauthorized',
  /** Platform answered 403 (missing permission, not entitled). Non-retryable. */
  AepForbidden: 'AepForbidden',
  /** Platform answered 404 for something that must exist. Non-retryable. */
  AepNotFound: 'AepNotFound',
  /** Platform answered 409/412 (conflict, stale etag). Non-retryable. */
  AepConflict: 'AepConflict',
  /** Other 4xx answers. Non-retryable. */
  AepClientError: 'AepClientError',
  /** 429: retryable, with the server's Retry-After as the next retry delay. */
  AepRateLimited: 'AepRateLimited',
  /** 5xx: retryable. */
  AepServerError: 'AepServerError',
  /** No HTTP answer (connection refused/reset, timeout): retryable. */
  AepNetworkError: 'AepNetworkError',
  /** A 2xx whose body does not match the documented shape. Non-retryable. */
  AepUnexpectedResponse: 'AepUnexpectedResponse',
  /** The XDM schema named by the request does not exist. Non-retryable. */
  SchemaNotFound: 'SchemaNotFound',
  /** The dataset named by the request does not exist or uses another schema. Non-retryable. */
  DatasetMismatch: 'DatasetMismatch',
  /** A resource with the deterministic name exists but was not created by this project. */
  ForeignResourceConflict: 'ForeignResourceConflict',
  /**
   * A source of this name exists (created by this project) with settings AEP cannot change in
   * place (data type, authentication, schema, dataset): refused unless the request says
   * `replace: true`; the details list each field, old → new. Non-retryable.
   */
  ExistingSourceDiffers: 'ExistingSourceDiffers',
  /** The base connection has no inletUrl yet: retryable (the activity waits). */
  InletNotReady: 'InletNotReady',
  /** The smoke-test record was refused by the inlet. Non-retryable. */
  SmokeTestFailed: 'SmokeTestFailed',
  /** Provisioning failed and every created resource was deleted. */
  ProvisioningFailed: 'ProvisioningFailed',
  /** Provisioning failed and some resources could not be deleted: details list the leftovers. */
  CompensationFailed: 'CompensationFailed',
  /**
   * A dataset with no writer left is not deleted while the run that created it is still open
   * (it may be about to write to it): retryable, the delete waits for that run to close.
   */
  CreatorRunOpen: 'CreatorRunOpen',
  /** Teardown could not find the source. */
  SourceNotFound: 'SourceNotFound',
  /**
   * Another operation on the source is in flight with a different request (or a teardown):
   * raised by the client, nothing is started or attached to.
   */
  RequestConflict: 'RequestConflict',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Custom search attributes, registered on the server at start (dev server: --search-attribute). */
export const SearchAttributes = {
  sandbox: defineSearchAttributeKey('AepSandbox', 'KEYWORD'),
  sourceName: defineSearchAttributeKey('AepSourceName', 'KEYWORD'),
  status: defineSearchAttributeKey('AepProvisioningStatus', 'KEYWORD'),
} as const;

/** `--search-attribute` arguments for `temporal server start-dev` and `temporal operator`. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: ReadonlyArray<readonly [string, 'Keyword']> = [
  ['AepSandbox', 'Keyword'],
  ['AepSourceName', 'Keyword'],
  ['AepProvisioningStatus', 'Keyword'],
];

/** Live progress of a provisioning: steps done, resources created or reused, compensation. */
export const progressQuery = defineQuery<ProvisionProgress>('progress');

export const WorkflowType = {
  provision: 'ProvisionStreamingSource',
  deprovision: 'DeprovisionStreamingSource',
  plan: 'PlanStreamingSource',
  resolve: 'ResolveStreamingSource',
} as const;
