/**
 * The emulator's in-memory store. Platform resources live in one Scope per (org, sandbox), as they
 * do in AEP: a GET in `dev` never sees what was created in `prod`. Schemas are reference data
 * shared by every sandbox. Inlets are indexed globally because DCS requests name no sandbox.
 */
import { randomUUID } from 'node:crypto';
import type { InletRecord, ResourceKind, StoredResource, XdmSchema } from './types';

export type ScopedKind = Exclude<ResourceKind, 'schema'>;

/** One stored resource: `body` is exactly what the service's GET returns for it. */
export interface Doc {
  id: string;
  /** Creation order, the default sort and the paging cursor's tie-breaker. */
  seq: number;
  body: Record<string, unknown>;
  /** Serialized `{items:[body]}`, cached for the hot GET-by-id path; dropped on every write. */
  itemsJson?: string | undefined;
  /** Earlier versions of a versioned resource (mapping sets), index = version. */
  history?: Record<string, unknown>[];
  /** `listLag` fault: the resource shows in lists and filters only from this time (epoch ms). */
  listVisibleAt?: number;
}

/** A deleted resource that lists still show until `until` (`listLag` fault on a DELETE). */
export interface Ghost {
  doc: Doc;
  until: number;
}

export class Scope {
  readonly maps: Record<ScopedKind, Map<string, Doc>> = {
    connection: new Map(),
    sourceConnection: new Map(),
    targetConnection: new Map(),
    flow: new Map(),
    dataset: new Map(),
    mappingSet: new Map(),
  };

  /** Deleted resources still listed for a while (`listLag`); GET by id never sees them. */
  readonly ghosts: Record<ScopedKind, Map<string, Ghost>> = {
    connection: new Map(),
    sourceConnection: new Map(),
    targetConnection: new Map(),
    flow: new Map(),
    dataset: new Map(),
    mappingSet: new Map(),
  };

  /**
   * What a list or filter of `kind` sees now: stored resources whose `listLag` has passed, plus
   * deleted ones still lagging, in creation order. GET by id reads `maps` and is always current.
   */
  listable(kind: ScopedKind, now = Date.now()): Doc[] {
    const ghosts = this.ghosts[kind];
    const out: Doc[] = [];
    for (const doc of this.maps[kind].values()) {
      if (doc.listVisibleAt === undefined || doc.listVisibleAt <= now) out.push(doc);
    }
    if (ghosts.size === 0) return out;
    for (const [id, ghost] of ghosts) {
      if (ghost.until <= now) ghosts.delete(id);
      else out.push(ghost.doc);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Removes a resource; with `lagMs > 0` lists keep showing it that long. */
  remove(kind: ScopedKind, id: string, lagMs = 0): boolean {
    const doc = this.maps[kind].get(id);
    if (!doc) return false;
    this.maps[kind].delete(id);
    if (lagMs > 0) this.ghosts[kind].set(id, { doc, until: Date.now() + lagMs });
    return true;
  }

  constructor(
    readonly orgId: string,
    readonly sandbox: string,
    readonly sandboxId: string,
  ) {}
}

export interface InletBinding {
  scope: Scope;
  connectionId: string;
}

export class EmulatorState {
  private readonly scopes = new Map<string, Scope>();
  private readonly sandboxIds = new Map<string, string>();
  readonly inlets = new Map<string, InletBinding>();
  records: InletRecord[] = [];
  private readonly schemas = new Map<string, XdmSchema>();
  private readonly schemasByAltId = new Map<string, XdmSchema>();
  private seq = 0;

  constructor(private readonly baseSchemas: readonly XdmSchema[]) {
    this.reset();
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  scope(orgId: string, sandbox: string): Scope {
    const key = `${orgId}\u0000${sandbox}`;
    let scope = this.scopes.get(key);
    if (!scope) {
      let sandboxId = this.sandboxIds.get(sandbox);
      if (!sandboxId) {
        sandboxId = randomUUID();
        this.sandboxIds.set(sandbox, sandboxId);
      }
      scope = new Scope(orgId, sandbox, sandboxId);
      this.scopes.set(key, scope);
    }
    return scope;
  }

  /** Clears every resource and record; schemas return to the configured set. */
  reset(): void {
    this.scopes.clear();
    this.inlets.clear();
    this.records = [];
    this.schemas.clear();
    this.schemasByAltId.clear();
    for (const s of this.baseSchemas) this.addSchema(s);
  }

  addSchema(schema: XdmSchema): void {
    const copy = structuredClone(schema);
    this.schemas.set(copy.$id, copy);
    this.schemasByAltId.set(copy['meta:altId'], copy);
  }

  /** Looks a schema up by `$id` or `meta:altId`. */
  findSchema(idOrAltId: string): XdmSchema | undefined {
    return this.schemas.get(idOrAltId) ?? this.schemasByAltId.get(idOrAltId);
  }

  allSchemas(): XdmSchema[] {
    return [...this.schemas.values()];
  }

  /**
   * Every stored resource, optionally filtered. Schemas are shared reference data, reported with
   * sandbox `*` and only when `kind: 'schema'` is asked for, so a leak check on a sandbox stays clean.
   */
  resources(filter: { kind?: ResourceKind; sandbox?: string } = {}): StoredResource[] {
    const out: StoredResource[] = [];
    if (filter.kind === 'schema') {
      for (const s of this.schemas.values()) {
        out.push({
          kind: 'schema',
          sandbox: '*',
          id: s.$id,
          name: s.title,
          ...(typeof s.description === 'string' ? { description: s.description } : {}),
          body: s,
        });
      }
      return out;
    }
    for (const scope of this.scopes.values()) {
      if (filter.sandbox !== undefined && scope.sandbox !== filter.sandbox) continue;
      for (const [kind, map] of Object.entries(scope.maps) as [ScopedKind, Map<string, Doc>][]) {
        if (filter.kind !== undefined && filter.kind !== kind) continue;
        for (const doc of map.values()) {
          const { name, description } = doc.body;
          out.push({
            kind,
            sandbox: scope.sandbox,
            id: doc.id,
            ...(typeof name === 'string' ? { name } : {}),
            ...(typeof description === 'string' ? { description } : {}),
            body: doc.body,
          });
        }
      }
    }
    return out;
  }
}
