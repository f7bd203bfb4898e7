/**
 * The rules of a plan (model.ts): how `planSource` compares a request with what AEP holds, one
 * function per resource, in dependency order. Pure and deterministic: the workflows run it.
 */
import type { ProvisionRequest } from '../request';
import type { ActualSource, FieldChange, Mapping, ResourcePlan, SourcePlan } from './model';

/**
 * Compares the request (desired state) with what AEP holds: missing → create, same → keep, a
 * foreign same-name resource → conflict (never touched); changed in place where AEP allows it,
 * otherwise refused unless `replace: true`, which replaces the whole source. The rules per field
 * are docs/lifecycle.md's table.
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
  const draft: Draft = {
    req,
    actual,
    needsReplace,
    add: (p) => {
      if (!foreignKinds.has(p.kind)) resources.push(p);
    },
  };

  planBaseConnection(draft);
  planSourceConnection(draft);
  planDataset(draft);
  planTargetConnection(draft);
  const mappingChanges = planMappingSet(draft);
  planFlow(draft, mappingChanges);

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

/**
 * A plan being drawn: the request, what AEP holds, `add` for each resource in dependency order
 * (foreign kinds are left to the conflicts), and the changes that need `replace: true`.
 */
interface Draft {
  req: ProvisionRequest;
  actual: ActualSource;
  add: (p: ResourcePlan) => void;
  needsReplace: FieldChange[];
}

/** Base connection: the inlet. Data type and authentication cannot change in place. */
function planBaseConnection({ req, actual, add, needsReplace }: Draft): void {
  const base = actual.baseConnection;
  const authRequired = req.authentication?.required ?? false;
  if (!base) {
    add({ kind: 'baseConnection', action: 'create' });
    return;
  }
  if (base.dataType !== undefined)
    needsReplace.push(...change('dataType', base.dataType, req.dataType));
  needsReplace.push(
    ...change('authentication.required', base.authenticationRequired, authRequired),
  );
  const description = change('description', base.description ?? '', req.description ?? '');
  add(keepOrUpdate('baseConnection', base.id, description));
}

/** The change of one field: none when it is the same. */
function change(field: string, from: unknown, to: unknown): FieldChange[] {
  return from === to ? [] : [{ field, from, to }];
}

/** A resource that stays: kept, or updated in place when anything changes. */
function keepOrUpdate(
  kind: ResourcePlan['kind'],
  id: string,
  changes: FieldChange[],
): ResourcePlan {
  return changes.length ? { kind, action: 'update', id, changes } : { kind, action: 'keep', id };
}

function planSourceConnection({ actual, add }: Draft): void {
  add(
    actual.sourceConnection && actual.baseConnection
      ? { kind: 'sourceConnection', action: 'keep', id: actual.sourceConnection.id }
      : { kind: 'sourceConnection', action: 'create' },
  );
}

/** Dataset: where the data goes. It does not move in place. */
function planDataset({ req, actual, add, needsReplace }: Draft): void {
  const { datasetId, schemaId } = req.target;
  const ds = actual.dataset;
  if (ds) needsReplace.push(...change('target.schemaId', ds.schemaId, schemaId));
  if (ds) add({ kind: 'dataset', action: 'keep', id: ds.id });
  else if (datasetId === undefined) add({ kind: 'dataset', action: 'create' });
  else add({ kind: 'dataset', action: 'conflict', reason: `dataset ${datasetId} does not exist` });
}

/** Target connection: it writes to the dataset, and does not move in place either. */
function planTargetConnection({ req, actual, add, needsReplace }: Draft): void {
  const { datasetId, schemaId } = req.target;
  const target = actual.targetConnection;
  if (!target) {
    add({ kind: 'targetConnection', action: 'create' });
    return;
  }
  const wanted =
    actual.dataset?.id ??
    (datasetId !== undefined ? datasetId : `new dataset "${req.target.dataset?.name}"`);
  needsReplace.push(...change('target.dataset', target.dataSetId ?? null, wanted));
  // The dataset's own schema change, when there is one, is the one reported.
  if (target.schemaId !== undefined && !needsReplace.some((c) => c.field === 'target.schemaId'))
    needsReplace.push(...change('target.schemaId', target.schemaId, schemaId));
  add({ kind: 'targetConnection', action: 'keep', id: target.id });
}

/**
 * Mapping set: a changed one gets a new version; one no longer wanted goes with the flow. True
 * when the mappings change (a new set or a new version).
 */
function planMappingSet({ req, actual, add }: Draft): boolean {
  const mappings = desiredMappings(req);
  const ms = actual.mappingSet;
  if (mappings) {
    if (!ms) {
      add({ kind: 'mappingSet', action: 'create' });
      return true;
    }
    if (
      !sameMappings(ms.mappings, mappings) ||
      (ms.schemaId !== undefined && ms.schemaId !== req.target.schemaId)
    ) {
      add({
        kind: 'mappingSet',
        action: 'update',
        id: ms.id,
        changes: [{ field: 'mappings', from: mappingList(ms.mappings), to: mappingList(mappings) }],
      });
      return true;
    }
    add({ kind: 'mappingSet', action: 'keep', id: ms.id });
  } else if (ms) {
    add({ kind: 'mappingSet', action: 'delete', id: ms.id, reason: 'the request has no mappings' });
  }
  return false;
}

/** Flow: created, replaced (other flow spec or other connections), updated in place, or kept. */
function planFlow({ req, actual, add }: Draft, mappingChanges: boolean): void {
  const { flow, sourceConnection: source, targetConnection: target, mappingSet: ms } = actual;
  const mappings = desiredMappings(req);
  const replaced = !flow
    ? undefined
    : flow.flowSpec !== (mappings ? 'streamingWithMapping' : 'streaming')
      ? mappings
        ? 'mappings added: the flow needs the Mapping flow spec'
        : 'mappings removed: the flow needs the plain streaming flow spec'
      : !actual.baseConnection ||
          !source ||
          !target ||
          !flow.sourceConnectionIds.includes(source.id) ||
          !flow.targetConnectionIds.includes(target.id)
        ? 'its source or target connection is gone or was replaced'
        : undefined;
  if (!flow) add({ kind: 'flow', action: 'create' });
  else if (replaced) add({ kind: 'flow', action: 'replace', id: flow.id, reason: replaced });
  else {
    const changes: FieldChange[] = [];
    if (mappings && ms) {
      const from = flow.mapping;
      changes.push(...change('mapping.id', from?.id ?? null, ms.id));
      if (mappingChanges || from?.version !== ms.version) {
        const to = mappingChanges ? 'next' : ms.version;
        changes.push({ field: 'mapping.version', from: from?.version ?? null, to });
      }
    }
    if (flow.state !== undefined) changes.push(...change('state', flow.state, 'enabled'));
    add(keepOrUpdate('flow', flow.id, changes));
  }
}

const mappingKey = (ms: readonly Mapping[]) =>
  JSON.stringify(ms.map((m) => [m.sourceAttribute, m.destinationXdmPath, m.identity]));

export function sameMappings(a: readonly Mapping[], b: readonly Mapping[]): boolean {
  return mappingKey(a) === mappingKey(b);
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
