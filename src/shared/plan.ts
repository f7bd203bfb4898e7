/**
 * The plan of a source: what provisioning a request would do to what AEP holds now. AEP is the
 * state (no store of our own): `readSource` reads it, `planSource` compares it with the request.
 * Pure and deterministic: the workflows run it, the client and CLI print it. The model and its
 * printing live here, the rules in plan-source.ts.
 */
import type { ResourceKind } from './resources';

export interface Mapping {
  sourceAttribute: string;
  destinationXdmPath: string;
  identity: boolean;
}

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

export type PlanAction = 'create' | 'keep' | 'update' | 'replace' | 'delete' | 'conflict';

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface ResourcePlan {
  kind: ResourceKind;
  action: PlanAction;
  id?: string;
  /** For `update` (and refused changes): each field, old → new. */
  changes?: FieldChange[];
  /** For `replace`, `delete` and `conflict`: why. */
  reason?: string;
}

export interface SourcePlan {
  sandbox: string;
  name: string;
  /** In dependency order: base connection first, flow last. */
  resources: ResourcePlan[];
  /** True when provisioning would change anything in AEP. */
  changes: boolean;
  /**
   * Changes AEP cannot make in place (they would change the inlet URL or move data): refused
   * with ExistingSourceDiffers unless the request says `replace: true`.
   */
  needsReplace: FieldChange[];
  /** The request says `replace: true` and needs it: teardown, then create (new inlet URL). */
  replaceSource: boolean;
  /** Foreign same-name resources: provisioning is refused with ForeignResourceConflict. */
  conflicts: ResourcePlan[];
  /** The schema the request names does not exist: provisioning fails with SchemaNotFound. */
  schemaMissing: boolean;
}

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
