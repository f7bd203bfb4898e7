/**
 * Typed client of the emulator's control API (`/__emulator/…`), using global fetch so chaos and
 * benchmark tools in other processes can drive a running emulator. Every method maps 1:1 to one
 * control endpoint and throws on a non-2xx answer.
 */
import type {
  EmulatorRate,
  EmulatorStats,
  FaultRule,
  FilterMode,
  RouteInfo,
  FaultRuleState,
  InletRecord,
  ResourceKind,
  SeedResult,
  StoredResource,
  XdmSchema,
} from './types';

export type {
  EmulatorRate,
  EmulatorStats,
  FilterMode,
  RouteInfo,
  FaultAction,
  FaultRule,
  FaultRuleState,
  InletRecord,
  ResourceKind,
  SeedResult,
  StoredResource,
  XdmSchema,
} from './types';

export class EmulatorControl {
  private readonly base: string;

  constructor(baseUrl: string) {
    this.base = `${baseUrl.replace(/\/+$/, '')}/__emulator`;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator control ${method} ${path} → ${res.status}: ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Stored resources; schemas are listed only with `kind: 'schema'`. */
  resources(filter: { kind?: ResourceKind; sandbox?: string } = {}): Promise<StoredResource[]> {
    const q = new URLSearchParams();
    if (filter.kind !== undefined) q.set('kind', filter.kind);
    if (filter.sandbox !== undefined) q.set('sandbox', filter.sandbox);
    const qs = q.toString();
    return this.call('GET', `/resources${qs === '' ? '' : `?${qs}`}`);
  }

  /** Clears resources, inlet records, fault rules and stats; schemas return to the configured set. */
  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  stats(): Promise<EmulatorStats> {
    return this.call('GET', '/stats');
  }

  /** Platform requests per org: how many, and the most within any 1 s (reset with the stats). */
  rate(): Promise<EmulatorRate> {
    return this.call('GET', '/rate');
  }

  async resetStats(): Promise<void> {
    await this.call('POST', '/stats/reset');
  }

  addFault(rule: FaultRule): Promise<{ id: string }> {
    return this.call('POST', '/faults', rule);
  }

  /**
   * Writes matching the target commit only after `ms`, and only then answer; a caller that gives
   * up meanwhile still gets the resource (late). Default: every POST on the kind.
   */
  slowCommit(opts: UnkindTarget & { ms: number }): Promise<{ id: string }> {
    return this.addFault({ ...target(opts, 'POST'), action: { type: 'slowCommit', ms: opts.ms } });
  }

  /**
   * What matching writes create or delete shows in (or leaves) lists and filters only `ms` later;
   * GET by id stays immediately consistent. Default: every POST and DELETE on the kind.
   */
  listLag(opts: UnkindTarget & { ms: number }): Promise<{ id: string }> {
    return this.addFault({ ...target(opts), action: { type: 'listLag', ms: opts.ms } });
  }

  /** Matching writes commit, then answer a gateway 504 `{error_code, message}`. Default: POST. */
  commitThen504(opts: UnkindTarget & { body?: unknown }): Promise<{ id: string }> {
    return this.addFault({
      ...target(opts, 'POST'),
      action: { type: 'commitThen504', ...(opts.body === undefined ? {} : { body: opts.body }) },
    });
  }

  /** How list filters read values now. */
  filterMode(): Promise<FilterMode> {
    return this.call('GET', '/filter-mode');
  }

  /**
   * Switches filter readings (omitted fields keep their value); `reset()` restores the start mode.
   * `setFilterMode({ quoting: 'strict' })` makes Flow Service refuse an unquoted `property` value
   * containing a space with `400 FLOW-1453-400` (double-quoted values still work).
   */
  setFilterMode(mode: Partial<FilterMode>): Promise<FilterMode> {
    return this.call('PUT', '/filter-mode', mode);
  }

  /** Every non-control route the emulator serves, as registered (`/…/:id`). */
  routes(): Promise<RouteInfo[]> {
    return this.call('GET', '/routes');
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/faults');
  }

  faults(): Promise<FaultRuleState[]> {
    return this.call('GET', '/faults');
  }

  /** Base latency added to every non-control call. */
  async setLatency(ms: number): Promise<void> {
    await this.call('PUT', '/latency', { ms });
  }

  async addSchema(schema: XdmSchema): Promise<void> {
    await this.call('POST', '/schemas', schema);
  }

  /** Bulk-creates `count` unrelated sources (base/source/target connection + flow each). */
  seedConnections(opts: { sandbox: string; count: number }): Promise<SeedResult> {
    return this.call('POST', '/seed/connections', opts);
  }

  records(filter: { inletId?: string; flowId?: string } = {}): Promise<InletRecord[]> {
    const q = new URLSearchParams();
    if (filter.inletId !== undefined) q.set('inletId', filter.inletId);
    if (filter.flowId !== undefined) q.set('flowId', filter.flowId);
    const qs = q.toString();
    return this.call('GET', `/records${qs === '' ? '' : `?${qs}`}`);
  }

  /** Every access token the IMS endpoint issued, in issue order. */
  tokens(): Promise<string[]> {
    return this.call('GET', '/tokens');
  }

  /** Invalidates every token issued so far; clients then meet 401 and must fetch a new one. */
  async expireTokens(): Promise<void> {
    await this.call('POST', '/tokens/expire');
  }
}

/** Which calls an unkind fault hits: a resource kind and/or a path, a method, a share of calls. */
export interface UnkindTarget {
  kind?: FaultRule['kind'];
  path?: string;
  /** Default depends on the fault (POST for slowCommit/commitThen504, any for listLag). */
  method?: string;
  probability?: number;
  count?: number;
  sandbox?: string;
}

function target(opts: UnkindTarget, method?: string): Omit<FaultRule, 'action'> {
  const m = opts.method ?? method;
  return {
    ...(opts.kind === undefined ? {} : { kind: opts.kind }),
    ...(opts.path === undefined ? {} : { path: opts.path }),
    ...(m === undefined ? {} : { method: m }),
    ...(opts.probability === undefined ? {} : { probability: opts.probability }),
    ...(opts.count === undefined ? {} : { count: opts.count }),
    ...(opts.sandbox === undefined ? {} : { sandbox: opts.sandbox }),
  };
}
