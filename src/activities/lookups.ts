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

/** The AEP client's delete of each kind: 404 counts as done (`'absent'`). */
const DELETE_BY_KIND = {
  baseConnection: 'deleteConnection',
  sourceConnection: 'deleteSourceConnection',
  targetConnection: 'deleteTargetConnection',
  flow: 'deleteFlow',
  mappingSet: 'deleteMappingSet',
  dataset: 'deleteDataset',
} as const satisfies Record<ResourceKind, keyof AepClient>;

/** What a list of each kind returns. */
export interface ResourceOf {
  baseConnection: BaseConnection;
  sourceConnection: SourceConnection;
  targetConnection: TargetConnection;
  flow: Flow;
  mappingSet: MappingSet;
  dataset: Dataset;
}

export type Lookups = ReturnType<typeof lookups>;

/** The lookups, reads and deletes of one sandbox, every request aborted by `signal`. */
export function lookups(aep: AepClient, sandbox: string, signal?: AbortSignal) {
  /** Flow Service lists, narrowed to a spec (HTTP API: base and source connections). */
  const flowService = <T>(name: string, spec: string | undefined, list: FlowServiceList<T>) => {
    const more = spec ? [{ path: 'connectionSpec.id', value: spec }] : [];
    return withNameFallback(name, more, (f) => list.call(aep, sandbox, f, undefined, signal));
  };
  const httpApi = SPEC.httpApiConnection.id;
  const listByName: { [K in ResourceKind]: (name: string) => Promise<Array<ResourceOf[K]>> } = {
    baseConnection: (name) => flowService(name, httpApi, aep.listConnections),
    sourceConnection: (name) => flowService(name, httpApi, aep.listSourceConnections),
    targetConnection: (name) => flowService(name, SPEC.dataLake.id, aep.listTargetConnections),
    flow: (name) => flowService(name, undefined, aep.listFlows),
    mappingSet: (name) => aep.findMappingSets(sandbox, { name }, signal),
    dataset: (name) => aep.findDatasets(sandbox, { name }, signal),
  };
  const self = {
    /** Every resource of `kind` named exactly `name` (case-sensitive), whoever created it. */
    async list<K extends ResourceKind>(kind: K, name: string): Promise<Array<ResourceOf[K]>> {
      return exactly(name, await listByName[kind](name));
    },

    /** The resource of `kind` with id `id` as it is now, or null when it is gone (404). */
    read<K extends ResourceKind>(kind: K, id: string): Promise<ResourceOf[K] | null> {
      const read = aep[READ_BY_ID[kind]] as (
        sandbox: string,
        id: string,
        signal?: AbortSignal,
      ) => Promise<ResourceOf[K] | null>;
      return read.call(aep, sandbox, id, signal);
    },

    remove(kind: ResourceKind, id: string): Promise<'deleted' | 'absent'> {
      return aep[DELETE_BY_KIND[kind]](sandbox, id, signal);
    },

    /** The source connections of base connection `baseConnectionId`, whoever created them. */
    sourceConnectionsOf(baseConnectionId: string): Promise<SourceConnection[]> {
      const filters = [{ path: 'baseConnectionId', value: baseConnectionId }];
      return aep.listSourceConnections(sandbox, filters, undefined, signal);
    },

    /**
     * Target connections of the sandbox that write to dataset `id` (`params.dataSetId`), checked
     * exactly on our side whatever the server's filter reading, each read again by id: a list
     * may still show one deleted a moment ago.
     */
    async writersOf(id: string): Promise<string[]> {
      const filters = [
        { path: 'params.dataSetId', value: id },
        { path: 'connectionSpec.id', value: SPEC.dataLake.id },
      ];
      const listed = await aep.listTargetConnections(sandbox, filters, undefined, signal);
      const writers: string[] = [];
      for (const t of listed.filter((t) => t.params?.dataSetId === id)) {
        if (await aep.getTargetConnection(sandbox, t.id, signal)) writers.push(t.id);
      }
      return writers;
    },

    /**
     * The resource of `kind` this source owns under its own name, if any (see `adopt`), but never
     * one of `exclude`. What a list offers is read again by id before it is taken: a list may
     * still show a resource deleted a moment ago (a replaced flow, a torn-down source), and
     * adopting its ghost would point the source at nothing. `check`, given the resource, throws
     * when it differs from the request.
     */
    async ownNamed<K extends keyof PriorOf>(
      kind: K,
      owner: Owner,
      check?: (resource: ResourceOf[K]) => void,
      exclude: readonly string[] = [],
    ): Promise<PriorOf[K] | undefined> {
      const listed = await self.list(kind, owner.sourceName);
      let candidates = listed.filter((c) => !exclude.includes(c.id));
      for (;;) {
        const found = adopt(kind, owner, `named "${owner.sourceName}"`, candidates);
        if (!found) return undefined;
        const current = await self.read(kind, found.resource.id);
        if (!current) {
          candidates = candidates.filter((c) => c.id !== found.resource.id);
          continue;
        }
        // A mapping set read by id is its latest version, the one to compare.
        const resource = { ...found.resource, ...current, id: found.resource.id } as ResourceOf[K];
        check?.(resource);
        return priorOf({ ...found, resource }, KEPT[kind]) as PriorOf[K];
      }
    },
  };
  return self;
}

type FlowServiceList<T> = (
  sandbox: string,
  filters: PropertyFilter[],
  opts?: undefined,
  signal?: AbortSignal,
) => Promise<T[]>;

/** An adopted resource as the activities pass it on: its id, who created it, and `more` of it. */
export function priorOf<T extends { id: string }, X extends object = Record<never, never>>(
  found: Adoption<T> | undefined,
  more?: (resource: T) => X,
): (PriorResource & X) | undefined {
  if (!found) return undefined;
  const prior = { id: found.resource.id, createdByThisRun: found.createdByThisRun };
  return { ...prior, ...(more ? more(found.resource) : ({} as X)) };
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
  const filters = [...nameFilter(name), ...more];
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
