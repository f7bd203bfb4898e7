/** How `planSource` compares a request with what AEP holds. Pure: the workflows run it. */
import type { ReadSourceInput } from '../activities/read';
import type { ProvisionRequest } from '../request';
import type { ActualSource, FieldChange, Mapping, ResourcePlan, SourcePlan } from './model';

/** The dataset a request creates or finds (the source's own when it names none). */
export function datasetName(req: ProvisionRequest): string {
  return req.target.dataset?.name ?? req.name;
}

/** What the plan of `req` needs read from AEP (the read activities' input). */
export function readInputOf(req: ProvisionRequest): ReadSourceInput {
  const { sandbox, name, target, known } = req;
  return {
    sandbox,
    name,
    schemaId: target.schemaId,
    ...(target.datasetId !== undefined
      ? { datasetId: target.datasetId }
      : { datasetName: datasetName(req), ...(target.dataset?.name ? {} : { ownDataset: true }) }),
    ...(known ? { known } : {}),
  };
}

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
    add: (p) => {
      if (!foreignKinds.has(p.kind)) resources.push(p);
    },
    refuse: (field, from, to) => needsReplace.push(...change(field, from, to)),
  };

  planBaseConnection(draft);
  const { sourceConnection: source, baseConnection: base } = actual;
  draft.add(source && base ? keep('sourceConnection', source.id) : create('sourceConnection'));
  planDataset(draft);
  planTargetConnection(draft);
  planFlow(draft, planMappingSet(draft));

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
 * A plan being drawn: `add` each resource in dependency order (foreign kinds are left to the
 * conflicts); `refuse` a field change unless `replace: true`.
 */
interface Draft {
  req: ProvisionRequest;
  actual: ActualSource;
  add: (p: ResourcePlan) => void;
  refuse: (field: string, from: unknown, to: unknown) => void;
}

const create = (kind: ResourcePlan['kind']): ResourcePlan => ({ kind, action: 'create' });
const change = (field: string, from: unknown, to: unknown): FieldChange[] =>
  from === to ? [] : [{ field, from, to }];

/** A resource that stays: kept, or updated in place when anything changes. */
const keep = (kind: ResourcePlan['kind'], id: string, changes: FieldChange[] = []): ResourcePlan =>
  changes.length ? { kind, action: 'update', id, changes } : { kind, action: 'keep', id };

/**
 * Base connection: the inlet. Data type and authentication cannot change in place; its description
 * and the apply set its marker names can.
 */
function planBaseConnection({ req, actual, add, refuse }: Draft): void {
  const base = actual.baseConnection;
  if (!base) return add(create('baseConnection'));
  if (base.dataType !== undefined) refuse('dataType', base.dataType, req.dataType);
  const auth = req.authentication?.required ?? false;
  refuse('authentication.required', base.authenticationRequired, auth);
  const description = change('description', base.description ?? '', req.description ?? '');
  // A request naming no apply set leaves the marker's as it is.
  const set =
    req.applySet === undefined ? [] : change('applySet', base.applySet ?? null, req.applySet);
  add(keep('baseConnection', base.id, [...description, ...set]));
}

/** Dataset: where the data goes. It does not move in place. */
function planDataset({ req, actual, add, refuse }: Draft): void {
  const { datasetId, schemaId } = req.target;
  const ds = actual.dataset;
  if (ds) refuse('target.schemaId', ds.schemaId, schemaId);
  if (ds) add(keep('dataset', ds.id));
  else if (datasetId === undefined) add(create('dataset'));
  else add({ kind: 'dataset', action: 'conflict', reason: `dataset ${datasetId} does not exist` });
}

/** Target connection: it writes to the dataset, and does not move in place either. */
function planTargetConnection({ req, actual, add, refuse }: Draft): void {
  const { datasetId, schemaId } = req.target;
  const target = actual.targetConnection;
  if (!target) return add(create('targetConnection'));
  const wanted = actual.dataset?.id ?? datasetId ?? `new dataset "${datasetName(req)}"`;
  refuse('target.dataset', target.dataSetId ?? null, wanted);
  // The dataset's own schema change, when there is one, is the one reported.
  const datasetRefused = actual.dataset && actual.dataset.schemaId !== schemaId;
  if (target.schemaId !== undefined && !datasetRefused)
    refuse('target.schemaId', target.schemaId, schemaId);
  add(keep('targetConnection', target.id));
}

/**
 * Mapping set: a changed one gets a new version; one no longer wanted goes with the flow. True
 * when the mappings change (a new set or a new version).
 */
function planMappingSet({ req, actual, add }: Draft): boolean {
  const { mappingSet: ms } = actual;
  const { mappings } = req;
  if (!mappings) {
    const reason = 'the request has no mappings';
    if (ms) add({ kind: 'mappingSet', action: 'delete', id: ms.id, reason });
    return false;
  }
  if (!ms) {
    add(create('mappingSet'));
    return true;
  }
  const changed =
    !sameMappings(ms.mappings, mappings) ||
    (ms.schemaId !== undefined && ms.schemaId !== req.target.schemaId);
  const to = mappingList(mappings);
  const changes = changed ? [{ field: 'mappings', from: mappingList(ms.mappings), to }] : [];
  add(keep('mappingSet', ms.id, changes));
  return changed;
}

/** Flow: created, replaced (other flow spec or other connections), updated in place, or kept. */
function planFlow({ req: { mappings }, actual, add }: Draft, mappingChanges: boolean): void {
  const { flow, sourceConnection: source, targetConnection: target, mappingSet: ms } = actual;
  if (!flow) return add(create('flow'));
  const replaced =
    flow.flowSpec !== (mappings ? 'streamingWithMapping' : 'streaming')
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
  if (replaced) return add({ kind: 'flow', action: 'replace', id: flow.id, reason: replaced });
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
  add(keep('flow', flow.id, changes));
}

const mappingKey = (ms: readonly Mapping[]) =>
  JSON.stringify(ms.map((m) => [m.sourceAttribute, m.destinationXdmPath, m.identity]));

export const sameMappings = (a: readonly Mapping[], b: readonly Mapping[]) =>
  mappingKey(a) === mappingKey(b);

const mappingList = (ms: readonly Mapping[]) =>
  ms.map((m) => `${m.sourceAttribute}→${m.destinationXdmPath}${m.identity ? ' (identity)' : ''}`);
