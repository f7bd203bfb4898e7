/**
 * The contract of ReconcileSources (src/workflows/reconcile.ts): its input and its report, the
 * workflow's result and the answer of its `reconcile` query while it runs.
 */
import type { ProvisionRequest } from '../request';

export interface ReconcileInput {
  imsOrg: string;
  sandbox: string;
  /** Re-apply the request of each drifted source (a normal provisioning of it). */
  repair?: boolean;
  /** Repairs run at once (default DEFAULT_REPAIR_CONCURRENCY). */
  concurrency?: number;
}

export const DEFAULT_REPAIR_CONCURRENCY = 4;

/**
 * A source this project manages: a provisioning of it succeeded and applied `request`, and no
 * teardown ran since (failed provisionings may have).
 */
export interface ManagedSource {
  name: string;
  workflowId: string;
  /** Its latest run when listed (that provisioning, or a failed one since): what a repair checks. */
  runId: string;
  /** That provisioning's request (memo `request`), revalidated, its result's ids as `known`. */
  request: ProvisionRequest;
}

export interface SkippedSource {
  name: string;
  reason: string;
}

export interface RepairOutcome {
  outcome: 'repaired' | 'failed' | 'skipped';
  workflowId: string;
  /** The provisioning it started (not when skipped). */
  runId?: string;
  reason?: string;
}

export interface DriftedSource {
  name: string;
  /** The source's latest run when planned (ManagedSource's `runId`). */
  runId: string;
  /** What applying the request again would change (the plan's lines other than `keep`). */
  changes: string[];
  repair?: RepairOutcome;
}

export type ReconcileStatus = 'LISTING' | 'PLANNING' | 'REPAIRING' | 'DONE';

export interface ReconcileReport {
  imsOrg: string;
  sandbox: string;
  status: ReconcileStatus;
  /** Sources managed in the sandbox, and how many were planned so far. */
  sources: number;
  planned: number;
  drifted: DriftedSource[];
  /** Not planned: an operation in flight, no provisioning that succeeded, a read that failed. */
  skipped: SkippedSource[];
  /** Drifted and not repaired when the run ended: the value of the gauge. */
  stillDrifted: number;
}

/** Drifted sources not repaired by the run (the ones `list --drifted` shows). */
export function stillDrifted(report: Pick<ReconcileReport, 'drifted'>): DriftedSource[] {
  return report.drifted.filter((d) => d.repair?.outcome !== 'repaired');
}
