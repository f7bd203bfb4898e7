/**
 * A source's resources and teardown order, the plan, the workflows' results (their schemas:
 * src/api/result-schemas.ts). Types and pure functions only: workflow code imports it.
 */
import type { z } from 'zod';
import type {
  deprovisionResultSchema,
  flowHealthSchema,
  provisionProgressSchema,
  provisionResultSchema,
  resourceKindSchema,
  resourceRefSchema,
  smokeTestResultSchema,
  sourcePlanSchema,
} from '../api/result-schemas';
import type { mappingSchema } from '../request';

export type ResourceKind = z.output<typeof resourceKindSchema>;

/** The one deletion order: reverse dependency order, the flow (it pins everything) first. */
export const TEARDOWN_ORDER: readonly ResourceKind[] = [
  'flow',
  'sourceConnection',
  'targetConnection',
  'mappingSet',
  'dataset',
  'baseConnection',
];

/** Sorts resources into TEARDOWN_ORDER (stable within a kind). */
export function inTeardownOrder<T extends { kind: ResourceKind }>(items: readonly T[]): T[] {
  return TEARDOWN_ORDER.flatMap((kind) => items.filter((i) => i.kind === kind));
}

/** One Data Prep mapping, defaults applied (identity false). */
export type Mapping = z.output<typeof mappingSchema>;

export type { ActualSource } from '../activities/read';

export type SourcePlan = z.output<typeof sourcePlanSchema>;
/** A dataflow's recent runs, or why they could not be read. */
export type FlowHealth = z.output<typeof flowHealthSchema>;
export type ResourcePlan = SourcePlan['resources'][number];
export type FieldChange = SourcePlan['needsReplace'][number];

/** The plan as lines for people: one per resource, `kind action id (changes)`. */
export function formatPlan(plan: SourcePlan): string[] {
  const text = (c: FieldChange) =>
    `${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`;
  const lines = [...plan.resources, ...plan.conflicts].map((r) => {
    const what = `${r.kind.padEnd(17)} ${r.action.padEnd(8)} ${r.id ?? ''}`.trimEnd();
    return [what, (r.changes ?? []).map(text).join('; ') || r.reason].filter(Boolean).join('  ');
  });
  for (const c of plan.needsReplace) lines.push(`refused unless replace: true  ${text(c)}`);
  if (plan.schemaMissing) lines.push('schema not found: provisioning would fail (SchemaNotFound)');
  return lines;
}

export type SmokeTestResult = z.output<typeof smokeTestResultSchema>;
export type ResourceRef = z.output<typeof resourceRefSchema>;
export type ProvisionResult = z.output<typeof provisionResultSchema>;
export type ProvisionProgress = z.output<typeof provisionProgressSchema>;
export type ProvisionStatus = ProvisionProgress['status'];
export type CompensationOutcome = ProvisionProgress['compensation'][number];
/**
 * What a failed or cancelled provisioning leaves: `absent` (what it created is deleted), `previous`
 * (the source as it was) or `new` (past its switch: the new flow carries the inlet).
 */
export type SourceState = NonNullable<ProvisionProgress['sourceState']>;

export type DeprovisionResult = z.output<typeof deprovisionResultSchema>;
// The contract of the dataset workflow (src/workflows/dataset.ts).

/** Writers are source names; the dataset is the name's current one. */
export interface DatasetState {
  imsOrg: string;
  sandbox: string;
  name: string;
  /** The dataset this name stands for (absent until created or found, and after its delete). */
  datasetId?: string;
  schemaId?: string;
  /** Sources whose target connections exist or are being created. */
  writers: string[];
  /** The run that created the current dataset, when this workflow saw it happen. */
  createdByRun?: string;
  /** Runs that left it through their compensation: they failed, and never wrote data there. */
  failedRuns?: string[];
  /** A source torn down (not compensated) wrote to it: it may hold data. */
  mayHoldData?: boolean;
  /** A call to find or create it failed: a dataset of the name may exist that no one knows of. */
  uncertain?: boolean;
}

/** A source (the run `runId` of it) is about to write to the dataset named `name`. */
export interface AcquireDatasetInput {
  sandbox: string;
  name: string;
  source: string;
  runId: string;
  schemaId: string;
  /** The description a new dataset gets (the ownership marker is appended). */
  description?: string;
  /** When (epoch ms, at or before it) the provisioning's read found no dataset of the name. */
  absentAt?: number;
}

export interface AcquiredDataset {
  id: string;
  /** Created for this very run (compensation may delete it when no other source writes to it). */
  created: boolean;
  /** Another dataset this name stood for, kept with its data (its schema was another one). */
  retired?: string;
}

export interface ReleaseDatasetInput {
  sandbox: string;
  name: string;
  source: string;
  /** The dataset the source wrote to; the name's current one when absent. */
  datasetId?: string;
  /** Delete it too, when no source writes to it any more; otherwise it is kept (`retained`). */
  deleteDataset: boolean;
  /** Delete it only if this run created it (a failed provisioning's compensation). */
  createdByRun?: string;
}

export interface ReleasedDataset {
  id?: string;
  outcome: 'deleted' | 'absent' | 'kept';
  /** Why it was kept: `retained` (no delete asked), `in use by …`, `not created by …`. */
  reason?: string;
}

/**
 * A worker process's lease on a share of the org's Platform request budget (src/workflows/rate.ts).
 * `using`: the share the process may use until it has the answer (what it was last granted, 0
 * once that lapsed); `ttlMs` 0 gives the lease back.
 */
export interface RateLeaseInput {
  member: string;
  /** This process's AEP_MAX_REQUESTS_PER_SECOND. */
  budget: number;
  using: number;
  ttlMs: number;
}

/** Requests per second granted to the process until its lease ends (ttlMs after it asked). */
export interface RateLease {
  share: number;
  /** Live leases, this one included, and the budget they share (the lowest any of them has). */
  members: number;
  budget: number;
}

/**
 * Per member: `held`, the most it may be using (the higher of its last grant and what it said it
 * used when asking); `budget`, its own; `until`, its lease's end (workflow time, ms).
 */
export interface RateBudgetState {
  members: Record<string, { held: number; budget: number; until: number }>;
}
