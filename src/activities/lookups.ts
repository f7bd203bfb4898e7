/** Finding this project's resources by exact, case-sensitive name, whatever the server's filter. */
import { ApplicationFailure } from '@temporalio/common';
import { nameFilter, type AepClient } from '../aep/client';
import { SPEC } from '../aep/constants';
import type { MappingSet, PropertyFilter, TargetConnection } from '../aep/schemas';
import { FailureType } from '../shared/names';
import type { ResourceKind } from '../shared/model';
import { adopt, type Adoption } from './ownership';
import { ensureOwned } from './context';
import type { EnsureInput, Owner, PriorResource } from './types';

export const exactly = <T extends { name?: string }>(name: string, items: T[]) =>
  items.filter((i) => i.name === name);

/**
 * Datasets of one name, oldest first by Catalog `created` (absent sorts last), then by id: the
 * plan's read and the dataset workflow pick the same one.
 */
export function canonicalOrder(a: Dataset, b: Dataset): number {
  const ca = a.created ?? Number.MAX_SAFE_INTEGER;
  const cb = b.created ?? Number.MAX_SAFE_INTEGER;
  return ca !== cb ? ca - cb : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Each kind's AEP client methods: `get…` (consistent where a list may lag), `delete…`. */
const API = {
  baseConnection: 'Connection',
  sourceConnection: 'SourceConnection',
  targetConnection: 'TargetConnection',
  flow: 'Flow',
  mappingSet: 'MappingSet',
  dataset: 'Dataset',
} as const;

export type ResourceOf = {
  [K in ResourceKind]: NonNullable<Awaited<ReturnType<AepClient[`get${(typeof API)[K]}`]>>>;
};
type Dataset = ResourceOf['dataset'];

/** What the activities keep of each kind a source owns by name, beyond its id and creator. */
const KEPT = {
  baseConnection: () => ({}),
  targetConnection: (t: TargetConnection) =>
    t.params?.dataSetId ? { dataSetId: t.params.dataSetId } : {},
  mappingSet: (m: MappingSet) => ({ version: m.version }),
  flow: () => ({}),
};
export type PriorOf<K extends keyof typeof KEPT> = PriorResource & ReturnType<(typeof KEPT)[K]>;

type FlowServiceList<T> = (
  sandbox: string,
  filters: PropertyFilter[],
  opts?: undefined,
  signal?: AbortSignal,
) => Promise<T[]>;

export type Lookups = ReturnType<typeof lookups>;

/** The lookups, reads and deletes of one sandbox, every request aborted by `signal`. */
export function lookups(aep: AepClient, sandbox: string, signal?: AbortSignal) {
  const flowService =
    <T>(spec: string | undefined, list: FlowServiceList<T>) =>
    async (name: string) => {
      // Without the name when Flow Service refuses it as an invalid query value (`1453-400`,
      // e.g. an unquoted value with a space): names are matched here anyway.
      const more = spec ? [{ path: 'connectionSpec.id', value: spec }] : [];
      const filters = [...nameFilter(name), ...more];
      try {
        return await list.call(aep, sandbox, filters, undefined, signal);
      } catch (err) {
        if (filters.length === more.length || !isInvalidQueryValue(err)) throw err;
        return await list.call(aep, sandbox, more, undefined, signal);
      }
    };
  const httpApi = SPEC.httpApiConnection.id;
  const listByName: { [K in ResourceKind]: (name: string) => Promise<Array<ResourceOf[K]>> } = {
    baseConnection: flowService(httpApi, aep.listConnections),
    sourceConnection: flowService(httpApi, aep.listSourceConnections),
    targetConnection: flowService(SPEC.dataLake.id, aep.listTargetConnections),
    flow: flowService(undefined, aep.listFlows),
    mappingSet: (name) => aep.findMappingSets(sandbox, { name }, signal),
    dataset: (name) => aep.findDatasets(sandbox, { name }, signal),
  };
  const self = {
    sandbox,
    async list<K extends ResourceKind>(kind: K, name: string): Promise<Array<ResourceOf[K]>> {
      return exactly(name, await listByName[kind](name));
    },
    /** The resource as it is now, or null when it is gone (404). */
    read<K extends ResourceKind>(kind: K, id: string): Promise<ResourceOf[K] | null> {
      return aep[`get${API[kind]}` as const](sandbox, id, signal) as Promise<ResourceOf[K] | null>;
    },
    remove(kind: ResourceKind, id: string): Promise<'deleted' | 'absent'> {
      return aep[`delete${API[kind]}` as const](sandbox, id, signal);
    },
    sourceConnectionsOf(baseConnectionId: string) {
      const filters = [{ path: 'baseConnectionId', value: baseConnectionId }];
      return aep.listSourceConnections(sandbox, filters, undefined, signal);
    },
    /** Target connections writing to dataset `id`, each read again by id (lists may lag). */
    async writersOf(id: string): Promise<string[]> {
      const filters = [
        { path: 'params.dataSetId', value: id },
        { path: 'connectionSpec.id', value: SPEC.dataLake.id },
      ];
      const writers: string[] = [];
      for (const t of await aep.listTargetConnections(sandbox, filters, undefined, signal)) {
        if (t.params?.dataSetId === id && (await self.read('targetConnection', t.id))) {
          writers.push(t.id);
        }
      }
      return writers;
    },
    /**
     * The resource of `kind` this source owns under its own name (`adopt`), never one of `exclude`,
     * read again by id before it is taken (a list may still show a deleted one). `check` throws
     * when it differs from the request.
     */
    async ownNamed<K extends keyof typeof KEPT>(
      kind: K,
      owner: Owner,
      check?: (resource: ResourceOf[K]) => void,
      exclude: readonly string[] = [],
    ): Promise<PriorOf<K> | undefined> {
      const all = await self.list(kind, owner.sourceName);
      let candidates = all.filter((c) => !exclude.includes(c.id));
      for (;;) {
        const found = adopt(kind, owner, `named "${owner.sourceName}"`, candidates);
        if (!found) return undefined;
        const { id } = found.resource;
        const current = await self.read(kind, id);
        candidates = candidates.filter((c) => c.id !== id);
        if (!current) continue;
        // A mapping set read by id is its latest version, the one to compare.
        const resource = { ...found.resource, ...current, id };
        check?.(resource);
        const kept = (KEPT[kind] as (r: ResourceOf[K]) => object)(resource);
        return { ...priorOf(found), ...kept } as PriorOf<K>;
      }
    },
  };
  return self;
}

type Kept<K extends keyof typeof KEPT> = { id: string } & ReturnType<(typeof KEPT)[K]>;
type CreateBody<K extends keyof typeof KEPT> = Parameters<AepClient[`create${(typeof API)[K]}`]>[1];

/**
 * The idempotent create (ensureOwned) of what the source owns under its own name (ownNamed): `check`
 * (the one looked up) and `checkPrior` (what was found, looked up or read) throw when it differs
 * from the request; `keep`: what the answer carries besides id and `created`.
 */
export function ensureNamed<K extends keyof typeof KEPT, X extends object = object>(
  aep: AepClient,
  kind: K,
  input: EnsureInput<PriorOf<K>>,
  body: CreateBody<K>,
  opts: {
    check?: (r: ResourceOf[K]) => void;
    checkPrior?: (p: PriorOf<K>) => void;
    exclude?: string[];
    keep?: (r: Kept<K>) => X;
  } = {},
) {
  const { owner } = input;
  type Create = (sandbox: string, body: CreateBody<K>, signal?: AbortSignal) => Promise<Kept<K>>;
  return ensureOwned(input, {
    lookUp: (signal) =>
      lookups(aep, owner.sandbox, signal).ownNamed(kind, owner, opts.check, opts.exclude),
    create: (commit) =>
      (aep[`create${API[kind]}`] as unknown as Create).call(aep, owner.sandbox, body, commit),
    check: opts.checkPrior,
    keep: opts.keep,
  });
}

export const priorOf = (found: Adoption<{ id: string }> | undefined): PriorResource | undefined =>
  found && { id: found.resource.id, createdByThisRun: found.createdByThisRun };

function isInvalidQueryValue(err: unknown): boolean {
  if (!(err instanceof ApplicationFailure) || err.type !== FailureType.AepBadRequest) return false;
  const code = (err.details?.[0] as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /(^|-)1453-400$/.test(code);
}
