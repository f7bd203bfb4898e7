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

/** A source this project manages: its last provisioning succeeded, and applied `request`. */
export interface ManagedSource {
  name: string;
  workflowId: string;
  /** That provisioning's run. */
  runId: string;
  /** Its request (memo `request`), revalidated, with the ids its result holds as `known`. */
  request: ProvisionRequest;
}

/** A source the reconcile left alone, and why. */
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
  /** The run whose request was planned. */
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
  /** Not planned: an operation in flight, a last provisioning that failed, a read that failed. */
  skipped: SkippedSource[];
  /** Drifted and not repaired when the run ended: the value of the gauge. */
  stillDrifted: number;
}

/** Drifted sources not repaired by the run (the ones `list --drifted` shows). */
export function stillDrifted(report: Pick<ReconcileReport, 'drifted'>): DriftedSource[] {
  return report.drifted.filter((d) => d.repair?.outcome !== 'repaired');
}
