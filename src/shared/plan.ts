/**
 * The plan of a source: what provisioning a request would do to what AEP holds now. AEP is the
 * state (no store of our own): `readSource` reads it, `planSource` compares it with the request.
 * Pure and deterministic: the workflows run it, the client and CLI print it.
 */
import type { ProvisionRequest } from '../request';
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

export function sameMappings(a: readonly Mapping[], b: readonly Mapping[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (m, i) =>
        m.sourceAttribute === b[i]!.sourceAttribute &&
        m.destinationXdmPath === b[i]!.destinationXdmPath &&
        m.identity === b[i]!.identity,
    )
  );
}

const mappingList = (ms: readonly Mapping[]) =>
  ms.map((m) => `${m.sourceAttribute}→${m.destinationXdmPath}${m.identity ? ' (identity)' : ''}`);

/** The request's mappings with defaults applied (identity false). */
export function desiredMappings(req: ProvisionRequest): Mapping[] | undefined {
  return req.mappings?.map((m) => ({
    sourceAttribute: m.sourceAttribute,
    destinationXdmPath: m.destinationXdmPath,
    identity: m.identity ?? false,
  }));
}

/**
 * Compares the request (desired state) with what AEP holds. Rules:
 * - missing → create; same → keep; foreign same-name resource → conflict (never touched).
 * - In place: the base connection's description (PATCH), the mapping set's mappings (a new
 *   version, PUT), the flow's mapping reference (PATCH with If-Match), a disabled flow
 *   (re-enabled). Mappings added to or removed from a flow of the other flow spec replace the
 *   flow only (base and source connections stay, so does the inlet URL).
 * - Refused unless `replace: true`: data type and authentication (a new inlet), schema and
 *   dataset (data would move). With `replace: true` the whole source is replaced.
 */
export function planSource(req: ProvisionRequest, actual: ActualSource): SourcePlan {
  const resources: ResourcePlan[] = [];
  const needsReplace: FieldChange[] = [];
  const conflicts: ResourcePlan[] = actual.foreign.map((f) => ({
    kind: f.kind,
    action: 'conflict',
    id: f.id,
    reason: `a ${f.kind} named "${req.name}" exists that this project did not create`,
  }));
  const foreignKinds = new Set(actual.foreign.map((f) => f.kind));
  const add = (p: ResourcePlan) => {
    if (!foreignKinds.has(p.kind)) resources.push(p);
  };

  // Base connection: the inlet. Data type and authentication cannot change in place.
  const base = actual.baseConnection;
  const authRequired = req.authentication?.required ?? false;
  if (!base) add({ kind: 'baseConnection', action: 'create' });
  else {
    if (base.dataType !== undefined && base.dataType !== req.dataType)
      needsReplace.push({ field: 'dataType', from: base.dataType, to: req.dataType });
    if (base.authenticationRequired !== authRequired)
      needsReplace.push({
        field: 'authentication.required',
        from: base.authenticationRequired,
        to: authRequired,
      });
    const description = req.description ?? '';
    const changes =
      (base.description ?? '') !== description
        ? [{ field: 'description', from: base.description ?? '', to: description }]
        : [];
    add({
      kind: 'baseConnection',
      action: changes.length ? 'update' : 'keep',
      id: base.id,
      ...(changes.length ? { changes } : {}),
    });
  }

  add(
    actual.sourceConnection && base
      ? { kind: 'sourceConnection', action: 'keep', id: actual.sourceConnection.id }
      : { kind: 'sourceConnection', action: 'create' },
  );

  // Dataset and target connection: where the data goes. Neither moves in place.
  const { datasetId, schemaId } = req.target;
  const ds = actual.dataset;
  if (datasetId !== undefined) {
    add(
      ds
        ? { kind: 'dataset', action: 'keep', id: ds.id }
        : { kind: 'dataset', action: 'conflict', reason: `dataset ${datasetId} does not exist` },
    );
    if (ds && ds.schemaId !== schemaId)
      needsReplace.push({ field: 'target.schemaId', from: ds.schemaId, to: schemaId });
  } else if (ds) {
    if (ds.schemaId !== schemaId)
      needsReplace.push({ field: 'target.schemaId', from: ds.schemaId, to: schemaId });
    add({ kind: 'dataset', action: 'keep', id: ds.id });
  } else add({ kind: 'dataset', action: 'create' });

  const target = actual.targetConnection;
  if (!target) add({ kind: 'targetConnection', action: 'create' });
  else {
    const wanted =
      ds?.id ?? (datasetId !== undefined ? datasetId : `new dataset "${req.target.dataset?.name}"`);
    if (target.dataSetId !== wanted)
      needsReplace.push({ field: 'target.dataset', from: target.dataSetId ?? null, to: wanted });
    if (
      target.schemaId !== undefined &&
      target.schemaId !== schemaId &&
      !needsReplace.some((c) => c.field === 'target.schemaId')
    )
      needsReplace.push({ field: 'target.schemaId', from: target.schemaId, to: schemaId });
    add({ kind: 'targetConnection', action: 'keep', id: target.id });
  }

  // Mapping set: a changed one gets a new version; one no longer wanted goes with the flow.
  const mappings = desiredMappings(req);
  const ms = actual.mappingSet;
  let mappingChanges = false;
  if (mappings) {
    if (!ms) {
      add({ kind: 'mappingSet', action: 'create' });
      mappingChanges = true;
    } else if (
      !sameMappings(ms.mappings, mappings) ||
      (ms.schemaId !== undefined && ms.schemaId !== schemaId)
    ) {
      add({
        kind: 'mappingSet',
        action: 'update',
        id: ms.id,
        changes: [{ field: 'mappings', from: mappingList(ms.mappings), to: mappingList(mappings) }],
      });
      mappingChanges = true;
    } else add({ kind: 'mappingSet', action: 'keep', id: ms.id });
  } else if (ms) {
    add({ kind: 'mappingSet', action: 'delete', id: ms.id, reason: 'the request has no mappings' });
  }

  // Flow: created, replaced (other flow spec or other connections), updated in place, or kept.
  const flow = actual.flow;
  const wantedSpec = mappings ? 'streamingWithMapping' : 'streaming';
  if (!flow) add({ kind: 'flow', action: 'create' });
  else if (flow.flowSpec !== wantedSpec) {
    add({
      kind: 'flow',
      action: 'replace',
      id: flow.id,
      reason: mappings
        ? 'mappings added: the flow needs the Mapping flow spec'
        : 'mappings removed: the flow needs the plain streaming flow spec',
    });
  } else if (
    !base ||
    !actual.sourceConnection ||
    !target ||
    !flow.sourceConnectionIds.includes(actual.sourceConnection.id) ||
    !flow.targetConnectionIds.includes(target.id)
  ) {
    add({
      kind: 'flow',
      action: 'replace',
      id: flow.id,
      reason: 'its source or target connection is gone or was replaced',
    });
  } else {
    const changes: FieldChange[] = [];
    if (mappings && ms && flow.mapping?.id !== ms.id)
      changes.push({ field: 'mapping.id', from: flow.mapping?.id ?? null, to: ms.id });
    if (mappings && mappingChanges && ms)
      changes.push({ field: 'mapping.version', from: flow.mapping?.version ?? null, to: 'next' });
    else if (mappings && ms && flow.mapping?.version !== ms.version)
      changes.push({
        field: 'mapping.version',
        from: flow.mapping?.version ?? null,
        to: ms.version,
      });
    if (flow.state !== undefined && flow.state !== 'enabled')
      changes.push({ field: 'state', from: flow.state, to: 'enabled' });
    add({
      kind: 'flow',
      action: changes.length ? 'update' : 'keep',
      id: flow.id,
      ...(changes.length ? { changes } : {}),
    });
  }

  const replaceSource = needsReplace.length > 0 && req.replace === true;
  const planned = replaceSource
    ? resources.map<ResourcePlan>((r) =>
        r.id ? { kind: r.kind, action: 'replace', id: r.id, reason: 'replace: true' } : r,
      )
    : resources;
  return {
    sandbox: req.sandbox,
    name: req.name,
    resources: planned,
    changes: planned.some((r) => r.action !== 'keep') || conflicts.length > 0,
    needsReplace,
    replaceSource,
    conflicts,
    schemaMissing: !actual.schemaFound,
  };
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
