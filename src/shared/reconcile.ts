/**
 * The contract of ReconcileSources (src/workflows/reconcile.ts): its input and its report, the
 * workflow's result and the answer of its `reconcile` query while it runs.
 */
import type { ProvisionRequest } from '../request';

/** `repair`: re-apply the request of each drifted source, `concurrency` at once. */
export type ReconcileInput = {
  imsOrg: string;
  sandbox: string;
  repair?: boolean;
  concurrency?: number;
};

export const DEFAULT_REPAIR_CONCURRENCY = 4;

/**
 * A source whose provisioning succeeded, with no teardown since: `runId` its latest run when
 * listed (what a repair checks), `request` that provisioning's, revalidated, its ids as `known`.
 */
export type ManagedSource = {
  name: string;
  workflowId: string;
  runId: string;
  request: ProvisionRequest;
};

export type SkippedSource = { name: string; reason: string };

/** `runId`: the provisioning a repair started (not when skipped). */
export type RepairOutcome = {
  outcome: 'repaired' | 'failed' | 'skipped';
  workflowId: string;
  runId?: string;
  reason?: string;
};

/** `runId`: the latest run when planned; `changes`: the plan's lines other than `keep`. */
export type DriftedSource = {
  name: string;
  runId: string;
  changes: string[];
  repair?: RepairOutcome;
};

export type ReconcileReport = Pick<ReconcileInput, 'imsOrg' | 'sandbox'> & {
  status: 'LISTING' | 'PLANNING' | 'REPAIRING' | 'DONE';
  /** Sources managed in the sandbox, and how many were planned so far. */
  sources: number;
  planned: number;
  drifted: DriftedSource[];
  /** Not planned: an operation in flight, no provisioning that succeeded, a read that failed. */
  skipped: SkippedSource[];
  /** Drifted and not repaired when the run ended: the value of the gauge. */
  stillDrifted: number;
};

/** Drifted sources not repaired by the run (the ones `list --drifted` shows). */
export function stillDrifted(report: Pick<ReconcileReport, 'drifted'>): DriftedSource[] {
  return report.drifted.filter((d) => d.repair?.outcome !== 'repaired');
}
