/** Result and progress shapes of the workflows: shared by workflows, client and tests (no I/O). */
import type { SourcePlan } from './plan';
import type { ResourceKind } from './resources';

/** The smoke-test record's answer. */
export interface SmokeTestResult {
  status: number;
  xactionId?: string;
  receivedTimeMs?: number;
}

export interface ResourceRef {
  id: string;
  /** Created by this run (true) or found from an earlier provisioning of the same source (false). */
  created: boolean;
  /** False for a dataset the request named by id: never deleted by this project. */
  owned: boolean;
}

export interface ProvisionResult {
  sandbox: string;
  name: string;
  inletUrl: string;
  inletId: string;
  flowId: string;
  baseConnectionId: string;
  sourceConnectionId: string;
  targetConnectionId: string;
  datasetId: string;
  mappingSetId?: string;
  dataType: 'xdm' | 'raw';
  authenticationRequired: boolean;
  smokeTest?: SmokeTestResult;
  /** Kinds created by this run, changed in place by it, and kept as they were. */
  created: ResourceKind[];
  /** Absent in results of runs before the lifecycle change. */
  updated?: ResourceKind[];
  reused: ResourceKind[];
  /** The source was replaced (`replace: true`): the inlet URL is a new one. */
  inletUrlChanged?: boolean;
  /** Resources this run created twice (a create that committed late) and deleted again. */
  twinsRemoved?: Array<{ kind: ResourceKind; id: string }>;
}

export type ProvisionStatus =
  | 'VALIDATING'
  | 'PLANNING'
  | 'REPLACING'
  | 'PROVISIONING'
  | 'WAITING_FOR_ACTIVATION'
  | 'SMOKE_TESTING'
  | 'COMPENSATING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'CANCELLED';

export interface CompensationOutcome {
  kind: ResourceKind;
  id?: string;
  /** `kept`: a dataset another source writes to (the reason is in `error`). */
  outcome: 'deleted' | 'absent' | 'kept' | 'failed';
  error?: string;
}

/**
 * What a failed or cancelled provisioning leaves of the source: `absent` (a new source: what the
 * run created is deleted), `previous` (a change: the source as it was, its flow unchanged) or
 * `new` (a change past its switch: the new flow carries the inlet, the old one is gone).
 */
export type SourceState = 'absent' | 'previous' | 'new';

export interface ProvisionProgress {
  status: ProvisionStatus;
  /** Human-readable current step, also shown as the workflow's current details in the UI. */
  step: string;
  completedSteps: string[];
  resources: Partial<Record<ResourceKind, ResourceRef>>;
  inletUrl?: string;
  compensation: CompensationOutcome[];
  error?: string;
  /** What this run planned to do. */
  plan?: SourcePlan;
  /** Set when the run failed or was cancelled. */
  sourceState?: SourceState;
}

export interface DeprovisionResult {
  sandbox: string;
  deleted: Array<{ kind: ResourceKind; id: string }>;
  alreadyAbsent: Array<{ kind: ResourceKind; id: string }>;
  /**
   * Resources of the graph that are not deleted: the source's dataset unless the teardown asked
   * for it (`reason: retained`), one another source still writes to (`in use by …`), one named
   * by id, or one this project did not create.
   */
  kept: Array<{ kind: ResourceKind; id: string; reason?: string }>;
}
