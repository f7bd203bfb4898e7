/**
 * Everything a route needs: resolved options, the store, tokens, faults, counters. One context per
 * running emulator, so several emulators can live in one process (tests run them in parallel).
 */
import type { FaultEngine } from './faults';
import type { EmulatorState, InletBinding, Scope } from './state';
import type { Stats } from './stats';
import type { TokenStore } from './tokens';
import type { FilterMode, RouteInfo } from './types';

export interface OrgCredentials {
  clientId: string;
  clientSecret: string;
  orgId: string;
}

/** The account of `clientId`, the first org's or another's. */
export function accountOf(opts: ResolvedOptions, clientId: string): OrgCredentials | undefined {
  return [opts, ...opts.otherOrgs].find((a) => a.clientId === clientId);
}

export interface ResolvedOptions {
  port: number;
  host: string;
  clientId: string;
  clientSecret: string;
  orgId: string;
  /** More orgs, each with its own technical account (a deployment serving several orgs). */
  otherOrgs: OrgCredentials[];
  sandboxes: string[];
  missingSandbox: 'prod' | 'error';
  tokenLifetimeSeconds: number;
  baseLatencyMs: number;
  seed: number;
  inletInvalidTokenStatus: 401 | 403;
  missingDatasetDelete: 'emptyArray' | 'notFound';
  defaultPageSize: number;
  inletBodyLimitBytes: number;
  inletReadyAfterMs: number;
  mappingSetDelete: 'allow' | 'unsupported';
  /** The filter mode at start and after a control reset. */
  filterMode: FilterMode;
}

export interface EmulatorContext {
  opts: ResolvedOptions;
  state: EmulatorState;
  tokens: TokenStore;
  faults: FaultEngine;
  stats: Stats;
  /** Base latency for every non-control call; changed at run time by the control API. */
  latencyMs: number;
  /** The origin clients reach, known once the server listens (inletUrl is built from it). */
  url: string;
  /** How list filters read values; changed at run time by the control API. */
  filterMode: FilterMode;
  /** Every route registered (method + fastify URL), for the docs drift check. */
  routes: RouteInfo[];
}

/** Per-request data set by the global hooks. */
export interface RequestEmu {
  /** Platform calls: the (org, sandbox) scope the gateway resolved. */
  scope: Scope | null;
  /** A commit-then-fail fault chosen for this request, applied once the handler answered. */
  commitThenFail: 'status500' | 'drop' | 'gateway504' | null;
  /** Body of a `commitThen504` answer, when the rule gave one. */
  failBody?: unknown;
  /** `slowCommit`: the handler runs (commits) only after this delay, whatever the client does. */
  slowCommitMs: number;
  /** `listLag`: what this request creates or deletes shows in lists this much later. */
  listLagMs: number;
  /** DCS calls: the inlet the path names, once it was found and the caller authorized. */
  inlet: InletBinding | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    emu: RequestEmu;
  }
}
