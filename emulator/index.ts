/**
 * The AEP emulator: IMS, Flow Service, Catalog, Schema Registry, Data Prep and the DCS streaming
 * inlet on one loopback origin, plus a control API. Start it in-process with `startEmulator`, or
 * standalone with `npm run emulator`. See docs/emulator.md.
 */
import { randomInt } from 'node:crypto';
import type { EmulatorContext, ResolvedOptions } from './context';
import { EmulatorControl } from './control';
import { FaultEngine } from './faults';
import { buildServer } from './server';
import { EmulatorState } from './state';
import { Stats } from './stats';
import { TokenStore } from './tokens';
import type { FilterMode, XdmSchema } from './types';
import fixtures from './fixtures/schemas.json';

export interface EmulatorOptions {
  /** Default 0 (random free port). */
  port?: number;
  /** Default '127.0.0.1'. Loopback only: any other address is refused. */
  host?: string;
  /** Default 'emulator-client-id' (also the only accepted x-api-key). */
  clientId?: string;
  /** Default 'emulator-client-secret'. */
  clientSecret?: string;
  /** Default 'EMULATOR0000000000000000@AdobeOrg'. */
  orgId?: string;
  /** More orgs, each with its own client id and secret (its x-api-key); default none. */
  otherOrgs?: { clientId: string; clientSecret: string; orgId: string }[];
  /** Default ['prod', 'dev']; an unknown x-sandbox-name → 404 FLOW-2100-404. */
  sandboxes?: string[];
  /** Missing x-sandbox-name: 'prod' (docs, default) or 'error' (→ FLOW-2105-400). */
  missingSandbox?: 'prod' | 'error';
  /** Default 86399. */
  tokenLifetimeSeconds?: number;
  /** Default 0; added to every non-control call. */
  baseLatencyMs?: number;
  /** PRNG seed for fault probabilities (reproducible chaos); random when absent. */
  seed?: number;
  /** Extra schemas besides the seeded fixture. */
  schemas?: XdmSchema[];
  /** Authenticated inlet with a bad/expired token: 403 (batch doc, default) or 401 (tutorial). */
  inletInvalidTokenStatus?: 401 | 403;
  /** DELETE of an unknown dataset: 200 `[]` (default) or 404. */
  missingDatasetDelete?: 'emptyArray' | 'notFound';
  /** Flow Service list page size when `limit` is absent. Default 100. */
  defaultPageSize?: number;
  /** DCS request body limit. Default 1 MiB. */
  inletBodyLimitBytes?: number;
  /**
   * A base connection's GET omits `inletUrl`/`inletId` for this long after its creation (default
   * 0). Adobe documents no such delay (UNCONFIRMED); clients must still wait for the URL, and this
   * lets tests prove they do.
   */
  inletReadyAfterMs?: number;
  /**
   * `DELETE /mappingSets/{id}` (absent from Adobe's Data Prep spec and docs): `'allow'` (default,
   * 204; the product's teardown uses it) or `'unsupported'` (405, as an unrouted method).
   */
  mappingSetDelete?: 'allow' | 'unsupported';
  /** Filter value reading: `'literal'` (default), `'raw'` or `'strict'`; see `FilterMode`. */
  filterQuoting?: FilterMode['quoting'];
  /** `name` filters: `'exact'` (default) or `'caseInsensitive'`. */
  nameMatch?: FilterMode['nameMatch'];
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:41234 — IMS, Platform, DCS and control all on this one origin. */
  url: string;
  port: number;
  credentials: { clientId: string; clientSecret: string; orgId: string };
  control: EmulatorControl;
  close(): Promise<void>;
}

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|::1|localhost)$/;

/** The schemas every emulator starts with (emulator/fixtures/schemas.json). */
export function fixtureSchemas(): XdmSchema[] {
  return structuredClone(fixtures as unknown as XdmSchema[]);
}

export function resolveOptions(opts: EmulatorOptions = {}): ResolvedOptions {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.test(host)) {
    throw new Error(`The emulator listens on loopback only; refusing host ${host}`);
  }
  return {
    port: opts.port ?? 0,
    host,
    clientId: opts.clientId ?? 'emulator-client-id',
    clientSecret: opts.clientSecret ?? 'emulator-client-secret',
    orgId: opts.orgId ?? 'EMULATOR0000000000000000@AdobeOrg',
    otherOrgs: opts.otherOrgs ?? [],
    sandboxes: opts.sandboxes ?? ['prod', 'dev'],
    missingSandbox: opts.missingSandbox ?? 'prod',
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? 86399,
    baseLatencyMs: opts.baseLatencyMs ?? 0,
    seed: opts.seed ?? randomInt(2 ** 31),
    inletInvalidTokenStatus: opts.inletInvalidTokenStatus ?? 403,
    missingDatasetDelete: opts.missingDatasetDelete ?? 'emptyArray',
    defaultPageSize: opts.defaultPageSize ?? 100,
    inletBodyLimitBytes: opts.inletBodyLimitBytes ?? 1024 * 1024,
    inletReadyAfterMs: opts.inletReadyAfterMs ?? 0,
    mappingSetDelete: opts.mappingSetDelete ?? 'allow',
    filterMode: { quoting: opts.filterQuoting ?? 'literal', nameMatch: opts.nameMatch ?? 'exact' },
  };
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const resolved = resolveOptions(opts);
  const ctx: EmulatorContext = {
    opts: resolved,
    state: new EmulatorState([...fixtureSchemas(), ...(opts.schemas ?? [])]),
    tokens: new TokenStore(),
    faults: new FaultEngine(resolved.seed),
    stats: new Stats(),
    latencyMs: resolved.baseLatencyMs,
    url: '',
    filterMode: { ...resolved.filterMode },
    routes: [],
  };
  const app = await buildServer(ctx);
  await app.listen({ port: resolved.port, host: resolved.host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('emulator: no TCP address');
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  ctx.url = `http://${hostPart}:${address.port}`;
  let closed = false;
  return {
    url: ctx.url,
    port: address.port,
    credentials: {
      clientId: resolved.clientId,
      clientSecret: resolved.clientSecret,
      orgId: resolved.orgId,
    },
    control: new EmulatorControl(ctx.url),
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

export { EmulatorControl } from './control';
export type * from './types';
