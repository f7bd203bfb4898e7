/**
 * The plan of a source: what provisioning a request would do to what AEP holds now. AEP is the
 * state (no store of our own): `readSource` reads it, `planSource` compares it with the request.
 * Pure and deterministic: the workflows run it, the client and CLI print it. The model and its
 * printing live here, the rules in plan-source.ts.
 */
import type { z } from 'zod';
import type { sourcePlanSchema } from '../api/result-schemas';
import type { mappingSchema } from '../request';
import type { ResourceKind } from './resources';

/** One Data Prep mapping, defaults applied (identity false). */
export type Mapping = z.output<typeof mappingSchema>;

/** What AEP holds for a source, as found by readSource (ours only: foreign ones are listed). */
export interface ActualSource {
  schemaFound: boolean;
  baseConnection: null | {
    id: string;
    dataType?: string;
    authenticationRequired: boolean;
    /** The description without our ownership marker. */
    description?: string;
    inletUrl?: string;
    inletId?: string;
  };
  sourceConnection: null | { id: string };
  /** The dataset the request names (by id, or by name among this project's). */
  dataset: null | { id: string; schemaId: string; owned: boolean };
  targetConnection: null | { id: string; dataSetId?: string; schemaId?: string };
  mappingSet: null | { id: string; version: number; schemaId?: string; mappings: Mapping[] };
  flow: null | {
    id: string;
    /** Which of the two streaming flow specs the flow uses. */
    flowSpec: 'streaming' | 'streamingWithMapping' | 'other';
    sourceConnectionIds: string[];
    targetConnectionIds: string[];
    mapping?: { id: string; version: number };
    state?: string;
  };
  /** Same-name resources this project did not create: never adopted, never touched. */
  foreign: Array<{ kind: ResourceKind; id: string }>;
}

export type SourcePlan = z.output<typeof sourcePlanSchema>;
/** Per resource: create, keep, update (field: old → new), replace or delete (why), conflict. */
export type ResourcePlan = SourcePlan['resources'][number];
export type PlanAction = ResourcePlan['action'];
export type FieldChange = SourcePlan['needsReplace'][number];

/** The plan as lines for people: one per resource, `kind action id (changes)`. */
export function formatPlan(plan: SourcePlan): string[] {
  const lines = [...plan.resources, ...plan.conflicts].map((r) => {
    const what = `${r.kind.padEnd(17)} ${r.action.padEnd(8)} ${r.id ?? ''}`.trimEnd();
    const changes = (r.changes ?? [])
      .map((c) => `${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`)
      .join('; ');
    return [what, changes || r.reason].filter(Boolean).join('  ');
  });
  for (const c of plan.needsReplace) {
    lines.push(
      `refused unless replace: true  ${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`,
    );
  }
  if (plan.schemaMissing) lines.push('schema not found: provisioning would fail (SchemaNotFound)');
  return lines;
}
