/**
 * Finding this project's resources by name. Every lookup keeps only exact, case-sensitive name
 * matches on our side, whatever the server's filter semantics (names compared ignoring case,
 * quotes read either way), and lets `adopt` choose among them by ownership marker (ownership.ts):
 * only a marker naming this very source is adopted (datasets, which sources share, excepted).
 * A name that cannot be expressed in a Flow Service filter the same way under every reading (a
 * comma or a double quote in it) is not expressed: the lookup pages through the kind's list,
 * narrowed by the other conditions, and matches on our side.
 */
import { ApplicationFailure } from '@temporalio/common';
import { nameFilter, type AepClient } from '../aep/client';
import { SPEC } from '../aep/constants';
import type {
  BaseConnection,
  Dataset,
  Flow,
  MappingSet,
  PropertyFilter,
  SourceConnection,
  TargetConnection,
} from '../aep/types';
import { FailureType } from '../shared/names';
import type { ResourceKind } from '../shared/resources';
import { adopt, type Adoption } from './ownership';
import type { Owner, PriorMappingSet, PriorResource, PriorTargetConnection } from './types';

/** The Flow Service conditions of a lookup by name: the name (when expressible) and the spec. */
export function byName(name: string, ...more: PropertyFilter[]): PropertyFilter[] {
  return [...nameFilter(name), ...more];
}

/** Exact, case-sensitive name matches only. */
export function exactly<T extends { name?: string }>(name: string, items: T[]): T[] {
  return items.filter((i) => i.name === name);
}

/**
 * Datasets of one name, oldest first by Catalog `created` (absent sorts last), then by id: the
 * plan's read and the dataset workflow pick the same one.
 */
export function canonicalOrder(a: Dataset, b: Dataset): number {
  const ca = a.created ?? Number.MAX_SAFE_INTEGER;
  const cb = b.created ?? Number.MAX_SAFE_INTEGER;
  return ca !== cb ? ca - cb : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** What a lookup by the source's own name finds of each kind (a prior resource, and more). */
interface PriorOf {
  baseConnection: PriorResource;
  targetConnection: PriorTargetConnection;
  mappingSet: PriorMappingSet;
  flow: PriorResource;
}

/** What the activities keep of each kind, beyond its id and creator. */
const KEPT: {
  [K in keyof PriorOf]: (resource: ResourceOf[K]) => Omit<PriorOf[K], keyof PriorResource>;
} = {
  baseConnection: () => ({}),
  targetConnection: (t) => (t.params?.dataSetId ? { dataSetId: t.params.dataSetId } : {}),
  mappingSet: (m) => ({ version: m.version }),
  flow: () => ({}),
};

/** The AEP client's read by id of each kind: consistent, where a list may lag. */
const READ_BY_ID = {
  baseConnection: 'getConnection',
  sourceConnection: 'getSourceConnection',
  targetConnection: 'getTargetConnection',
  flow: 'getFlow',
  mappingSet: 'getMappingSet',
  dataset: 'getDataset',
} as const satisfies Record<ResourceKind, keyof AepClient>;

/** The resource of `kind` with id `id` as it is now, or null when it is gone (404). */
export function readById<K extends ResourceKind>(
  aep: AepClient,
  kind: K,
  sandbox: string,
  id: string,
  signal?: AbortSignal,
): Promise<ResourceOf[K] | null> {
  const read = aep[READ_BY_ID[kind]] as (
    sandbox: string,
    id: string,
    signal?: AbortSignal,
  ) => Promise<ResourceOf[K] | null>;
  return read(sandbox, id, signal);
}

/**
 * The resource of `kind` this source owns under its own name, if any (see `adopt`), but never one
 * of `exclude`. What a list offers is read again by id before it is taken: a list may still show
 * a resource deleted a moment ago (a replaced flow, a torn-down source), and adopting its ghost
 * would point the source at nothing. `check`, given the resource, throws when it differs from
 * the request.
 */
export async function lookUpOwnNamed<K extends keyof PriorOf>(
  aep: AepClient,
  kind: K,
  owner: Owner,
  signal?: AbortSignal,
  check?: (resource: ResourceOf[K]) => void,
  exclude: readonly string[] = [],
): Promise<PriorOf[K] | undefined> {
  let candidates = (await listByName(aep, kind, owner.sandbox, owner.sourceName, signal)).filter(
    (c) => !exclude.includes(c.id),
  );
  for (;;) {
    const found = adopt(kind, owner, `named "${owner.sourceName}"`, candidates);
    if (!found) return undefined;
    const current = await readById(aep, kind, owner.sandbox, found.resource.id, signal);
    if (!current) {
      candidates = candidates.filter((c) => c.id !== found.resource.id);
      continue;
    }
    // A mapping set read by id is its latest version, the one to compare.
    const resource = { ...found.resource, ...current, id: found.resource.id } as ResourceOf[K];
    check?.(resource);
    return priorOf({ ...found, resource }, KEPT[kind]) as PriorOf[K];
  }
}

/** An adopted resource as the activities pass it on: its id, who created it, and `more` of it. */
export function priorOf<T extends { id: string }, X extends object = Record<never, never>>(
  found: Adoption<T> | undefined,
  more?: (resource: T) => X,
): (PriorResource & X) | undefined {
  if (!found) return undefined;
  const prior = { id: found.resource.id, createdByThisRun: found.createdByThisRun };
  return { ...prior, ...(more ? more(found.resource) : ({} as X)) };
}

/** The source connections of base connection `baseConnectionId`, whoever created them. */
export function sourceConnectionsOf(
  aep: AepClient,
  sandbox: string,
  baseConnectionId: string,
  signal?: AbortSignal,
): Promise<SourceConnection[]> {
  return aep.listSourceConnections(
    sandbox,
    [{ path: 'baseConnectionId', value: baseConnectionId }],
    undefined,
    signal,
  );
}

/**
 * Every resource of `kind` named exactly `name` (case-sensitive), whoever created it. Connections
 * are narrowed to the HTTP API (base, source) or Data Lake (target) spec.
 */
export async function listByName<K extends ResourceKind>(
  aep: AepClient,
  kind: K,
  sandbox: string,
  name: string,
  signal?: AbortSignal,
): Promise<Array<ResourceOf[K]>> {
  return (await listAnyByName(aep, kind, sandbox, name, signal)) as Array<ResourceOf[K]>;
}

/** What a list of each kind returns. */
export interface ResourceOf {
  baseConnection: BaseConnection;
  sourceConnection: SourceConnection;
  targetConnection: TargetConnection;
  flow: Flow;
  mappingSet: MappingSet;
  dataset: Dataset;
}

async function listAnyByName(
  aep: AepClient,
  kind: ResourceKind,
  sandbox: string,
  name: string,
  signal?: AbortSignal,
): Promise<Array<ResourceOf[ResourceKind]>> {
  const httpApi = { path: 'connectionSpec.id', value: SPEC.httpApiConnection.id };
  const dataLake = { path: 'connectionSpec.id', value: SPEC.dataLake.id };
  switch (kind) {
    case 'baseConnection':
      return exactly(
        name,
        await withNameFallback(name, [httpApi], (f) =>
          aep.listConnections(sandbox, f, undefined, signal),
        ),
      );
    case 'sourceConnection':
      return exactly(
        name,
        await withNameFallback(name, [httpApi], (f) =>
          aep.listSourceConnections(sandbox, f, undefined, signal),
        ),
      );
    case 'targetConnection':
      return exactly(
        name,
        await withNameFallback(name, [dataLake], (f) =>
          aep.listTargetConnections(sandbox, f, undefined, signal),
        ),
      );
    case 'flow':
      return exactly(
        name,
        await withNameFallback(name, [], (f) => aep.listFlows(sandbox, f, undefined, signal)),
      );
    case 'mappingSet':
      return exactly(name, await aep.findMappingSets(sandbox, { name }, signal));
    case 'dataset':
      return exactly(name, await aep.findDatasets(sandbox, { name }, signal));
  }
}

/**
 * A Flow Service list by name, and, when Flow Service refuses the name condition as an invalid
 * query value (`1453-400`: a stricter reading of its quoting rules than ours, e.g. an unquoted
 * value with a space), the same list without it: the caller matches names on its side anyway.
 */
async function withNameFallback<T>(
  name: string,
  more: PropertyFilter[],
  list: (filters: PropertyFilter[]) => Promise<T[]>,
): Promise<T[]> {
  const filters = byName(name, ...more);
  try {
    return await list(filters);
  } catch (err) {
    if (filters.length === more.length || !isInvalidQueryValue(err)) throw err;
    return list(more);
  }
}

function isInvalidQueryValue(err: unknown): boolean {
  if (!(err instanceof ApplicationFailure) || err.type !== FailureType.AepBadRequest) return false;
  const code = (err.details?.[0] as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /(^|-)1453-400$/.test(code);
}

/** The AEP client's delete of each kind: 404 counts as done (`'absent'`). */
const DELETE_BY_KIND = {
  baseConnection: 'deleteConnection',
  sourceConnection: 'deleteSourceConnection',
  targetConnection: 'deleteTargetConnection',
  flow: 'deleteFlow',
  mappingSet: 'deleteMappingSet',
  dataset: 'deleteDataset',
} as const satisfies Record<ResourceKind, keyof AepClient>;

export function deleteById(
  aep: AepClient,
  kind: ResourceKind,
  sandbox: string,
  id: string,
  signal?: AbortSignal,
): Promise<'deleted' | 'absent'> {
  return aep[DELETE_BY_KIND[kind]](sandbox, id, signal);
}

/**
 * Target connections of the sandbox that write to dataset `id` (`params.dataSetId`), checked
 * exactly on our side whatever the server's filter reading, each read again by id: a list may
 * still show one deleted a moment ago.
 */
export async function targetConnectionsWritingTo(
  aep: AepClient,
  sandbox: string,
  id: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const listed = await aep.listTargetConnections(
    sandbox,
    [
      { path: 'params.dataSetId', value: id },
      { path: 'connectionSpec.id', value: SPEC.dataLake.id },
    ],
    undefined,
    signal,
  );
  const writers: string[] = [];
  for (const t of listed.filter((t) => t.params?.dataSetId === id)) {
    if (await aep.getTargetConnection(sandbox, t.id, signal)) writers.push(t.id);
  }
  return writers;
}
