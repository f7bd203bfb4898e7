/** Finding this project's resources by exact, case-sensitive name, whatever the server's filter. */
import type { AepClient } from '../aep/client';
import { SPEC } from '../aep/constants';
import type { MappingSet, TargetConnection } from '../aep/schemas';
import type { ResourceKind } from '../shared/model';
import { adopt, type Adoption } from './ownership';
import { ensureOwned } from './context';
import type { EnsureInput, Owner, PriorResource } from './types';

/**
 * Datasets of one name, oldest first by Catalog `created` (absent sorts last), then by id: the
 * plan's read and the dataset workflow pick the same one.
 */
export function canonicalOrder(a: Dataset, b: Dataset): number {
  const ca = a.created ?? Number.MAX_SAFE_INTEGER;
  const cb = b.created ?? Number.MAX_SAFE_INTEGER;
  return ca !== cb ? ca - cb : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

type Kinds = AepClient['kinds'];
export type ResourceOf = { [K in ResourceKind]: NonNullable<Awaited<ReturnType<Kinds[K]['get']>>> };
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

export type Lookups = ReturnType<typeof lookups>;

/** The lookups, reads and deletes of one sandbox, every request aborted by `signal`. */
export function lookups(aep: AepClient, sandbox: string, signal?: AbortSignal) {
  const self = {
    sandbox,
    list<K extends ResourceKind>(kind: K, name: string): Promise<Array<ResourceOf[K]>> {
      return aep.kinds[kind].find(sandbox, { name }, signal) as Promise<Array<ResourceOf[K]>>;
    },
    /** The resource as it is now, or null when it is gone (404). */
    read<K extends ResourceKind>(kind: K, id: string): Promise<ResourceOf[K] | null> {
      return aep.kinds[kind].get(sandbox, id, signal) as Promise<ResourceOf[K] | null>;
    },
    remove: (kind: ResourceKind, id: string) => aep.kinds[kind].delete(sandbox, id, signal),
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
type CreateBody<K extends keyof typeof KEPT> = Parameters<Kinds[K]['create']>[1];

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
    create: (commit) => (aep.kinds[kind].create as unknown as Create)(owner.sandbox, body, commit),
    check: opts.checkPrior,
    keep: opts.keep,
  });
}

export const priorOf = (found: Adoption<{ id: string }> | undefined): PriorResource | undefined =>
  found && { id: found.resource.id, createdByThisRun: found.createdByThisRun };
