/** Result and progress shapes of the workflows: shared by workflows, client and tests (no I/O). */
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
  /** Kinds created by this run and kinds reused from an earlier run, for audits and re-runs. */
  created: ResourceKind[];
  reused: ResourceKind[];
}

export type ProvisionStatus =
  | 'VALIDATING'
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
  outcome: 'deleted' | 'absent' | 'failed';
  error?: string;
}

export interface ProvisionProgress {
  status: ProvisionStatus;
  /** Human-readable current step, also shown as the workflow's current details in the UI. */
  step: string;
  completedSteps: string[];
  resources: Partial<Record<ResourceKind, ResourceRef>>;
  inletUrl?: string;
  compensation: CompensationOutcome[];
  error?: string;
}

export interface DeprovisionResult {
  sandbox: string;
  deleted: Array<{ kind: ResourceKind; id: string }>;
  alreadyAbsent: Array<{ kind: ResourceKind; id: string }>;
  /** Resources of the graph that are not this project's to delete (e.g. a dataset named by id). */
  kept: Array<{ kind: ResourceKind; id: string }>;
}
