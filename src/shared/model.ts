/** A source's resources, the plan, the workflows' results. Types and pure functions only. */
import type { z } from 'zod';
import type {
  deprovisionResultSchema,
  flowHealthSchema,
  provisionProgressSchema,
  provisionResultSchema,
  resourceKindSchema,
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

export function inTeardownOrder<T extends { kind: ResourceKind }>(items: readonly T[]): T[] {
  return TEARDOWN_ORDER.flatMap((kind) => items.filter((i) => i.kind === kind));
}

export type Mapping = z.output<typeof mappingSchema>;

export type { ActualSource } from '../activities/read';

export type SourcePlan = z.output<typeof sourcePlanSchema>;
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
export type ProvisionResult = z.output<typeof provisionResultSchema>;
export type ProvisionProgress = z.output<typeof provisionProgressSchema>;
export type ProvisionStatus = ProvisionProgress['status'];
export type CompensationOutcome = ProvisionProgress['compensation'][number];
/** What a failed or cancelled provisioning leaves: `absent`, `previous` or `new` (past its switch). */
export type SourceState = NonNullable<ProvisionProgress['sourceState']>;

export type DeprovisionResult = z.output<typeof deprovisionResultSchema>;

// The contracts of the dataset workflow (src/workflows/dataset.ts) and the rate budget's (rate.ts).

/** Writers are source names; the dataset is the name's current one. */
export interface DatasetState {
  imsOrg: string;
  sandbox: string;
  name: string;
  /** Absent until created or found, and after its delete. */
  datasetId?: string;
  schemaId?: string;
  /** Sources whose target connections exist or are being created. */
  writers: string[];
  /** The run that created the current dataset, when this workflow saw it happen. */
  createdByRun?: string;
  /** Runs that left it through their compensation: they never wrote data there. */
  failedRuns?: string[];
  /** A source torn down (not compensated) wrote to it: it may hold data. */
  mayHoldData?: boolean;
  /** A call to find or create it failed: a dataset of the name may exist that no one knows of. */
  uncertain?: boolean;
}

/**
 * Run `runId` of source `source` is about to write to the dataset `name`; `description`: the new
 * dataset's (the marker is appended); `absentAt`: when (epoch ms) its read found no such dataset.
 */
export type AcquireDatasetInput = Pick<ReleaseDatasetInput, 'sandbox' | 'name' | 'source'> & {
  runId: string;
  schemaId: string;
  description?: string;
  absentAt?: number;
};

/** `created` for this very run; `retired`: another dataset of the name (other schema), kept. */
export type AcquiredDataset = { id: string; created: boolean; retired?: string };

/**
 * `datasetId`: the one the source wrote to (absent: the name's current one); deleted when
 * `deleteDataset` and no source writes to it any more, and only if `createdByRun` created it.
 */
export interface ReleaseDatasetInput {
  sandbox: string;
  name: string;
  source: string;
  datasetId?: string;
  deleteDataset: boolean;
  createdByRun?: string;
}

/** `reason` a dataset was kept: `retained` (no delete asked), `in use by …`, `not created by …`. */
export type ReleasedDataset = {
  id?: string;
  outcome: 'deleted' | 'absent' | 'kept';
  reason?: string;
};

/**
 * A worker process's lease on a share of the org's request budget: `budget`, its
 * AEP_MAX_REQUESTS_PER_SECOND; `using`, its share until answered (0 once lapsed); `ttlMs` 0 gives
 * the lease back.
 */
export type RateLeaseInput = { member: string; budget: number; using: number; ttlMs: number };

/** Requests/s granted until ttlMs after the ask; `members` live leases share `budget` (lowest). */
export type RateLease = { share: number; members: number; budget: number };

/** Per member: `held`, the higher of its grant and its use; `until`, its lease's end (ms). */
export type RateBudgetState = {
  members: Record<string, { held: number; budget: number; until: number }>;
};
