import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { unwatchFile, watchFile } from 'node:fs';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProvisioningClient } from '../client';
import { readKeyFile, type ApiConfig, type ApiKeyEntry } from '../config';
import { visibilityQuery } from '../operations/visibility';
import { sandboxName } from '../request';
import { WorkflowType } from '../shared/names';
import { ApiProblem, invalid, RETRY_AFTER } from './problems';

/**
 * Who may call what: API keys scoped to sandboxes, codec keys for `/codec` only, the rate limits
 * (per key and kind of request, else per address). Only each key's sha256 is configured; a
 * presented key's hash is compared with every one in constant time, without early exit (keys are
 * 32 random bytes: a fast hash is enough).
 */

export interface Principal {
  /** The key's id from API_KEYS or API_CODEC_KEYS, or `anonymous` (API_ALLOW_ANONYMOUS). */
  id: string;
  sandboxes: string[] | '*';
  /** A key of API_CODEC_KEYS: it opens `/codec` and nothing else. */
  codecOnly?: true;
  /** A key of scope `read`: no change (PUT, DELETE). */
  readOnly?: true;
}

const UNAUTHORIZED = {
  missing: 'Send Authorization: Bearer <API key>',
  malformed: 'The Authorization header must be: Bearer <API key>',
  unknown: 'The API key is not known',
  expired: 'The API key has expired',
};

type Identified =
  { ok: true; principal: Principal } | { ok: false; reason: keyof typeof UNAUTHORIZED };

/** What a request spends: each kind has its own per-key budget, the setting of its size. */
const BUDGETS = {
  reads: 'API_RATE_LIMIT_PER_MINUTE',
  changes: 'API_RATE_LIMIT_CHANGES_PER_MINUTE',
  plans: 'API_RATE_LIMIT_PLANS_PER_MINUTE',
  codec: 'API_RATE_LIMIT_CODEC_PER_MINUTE',
} as const satisfies Record<string, keyof ApiConfig>;
type Budget = keyof typeof BUDGETS;

/** The route's budget, else `/codec`'s, else reads for GET and HEAD and changes for the rest. */
function budgetOf(request: FastifyRequest): Budget {
  const { budget, codec } = request.routeOptions.config;
  const read = request.method === 'GET' || request.method === 'HEAD';
  return budget ?? (codec ? 'codec' : read ? 'reads' : 'changes');
}

declare module 'fastify' {
  interface FastifyRequest {
    identified?: Identified;
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Reachable without an API key (health, readiness, OpenAPI); `principal` set by a valid one. */
    public?: boolean;
    /** The codec endpoint: a codec key or a key for every sandbox (none: API_CODEC_ANONYMOUS). */
    codec?: boolean;
    /** The budget the route spends when not the one of its method (see budgetOf). */
    budget?: Budget;
  }
}

export const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export function createAuthenticator(
  keys: ApiKeyEntry[],
  allowAnonymous: boolean,
  codecKeys: ApiKeyEntry[] = [],
) {
  const entry = (k: ApiKeyEntry, principal: Principal) => ({
    principal,
    expires: k.expires,
    digest: Buffer.from(k.sha256, 'hex'),
  });
  const hashes = [
    ...keys.map((k) =>
      entry(k, { id: k.id, sandboxes: k.sandboxes, readOnly: k.readOnly || undefined }),
    ),
    ...codecKeys.map((k) => entry(k, { id: k.id, sandboxes: [], codecOnly: true })),
  ];
  return function identify(authorization: string | undefined): Identified {
    if (authorization === undefined || authorization === '') {
      return allowAnonymous
        ? { ok: true, principal: { id: 'anonymous', sandboxes: '*' } }
        : { ok: false, reason: 'missing' };
    }
    const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/.exec(authorization);
    if (!m) return { ok: false, reason: 'malformed' };
    const presented = Buffer.from(sha256Hex(m[1]!), 'hex');
    const found = hashes.filter((h) => timingSafeEqual(presented, h.digest))[0];
    if (!found) return { ok: false, reason: 'unknown' };
    const expired = found.expires && found.expires.getTime() <= Date.now();
    return expired ? { ok: false, reason: 'expired' } : { ok: true, principal: found.principal };
  };
}

/** A new key and its entry of API_KEYS (scope `codec`: of API_CODEC_KEYS), `aep-stream api-key`. */
export function newApiKey(
  id: string,
  scope: string[] | '*' | 'codec',
  { readOnly, expires }: { readOnly?: boolean; expires?: Date } = {},
): { key: string; entry: string } {
  const key = `aeps_${randomBytes(32).toString('base64url')}`;
  const entry = `${id}:${sha256Hex(key)}`;
  if (scope === 'codec') return { key, entry };
  const options = [readOnly && 'read', expires && `expires=${expires.toISOString()}`].filter(
    Boolean,
  );
  const tail = options.length > 0 ? `:${options.join(',')}` : '';
  return { key, entry: `${entry}:${scope === '*' ? '*' : scope.join('|')}${tail}` };
}

/** Route options: reachable without a key and without the rate limit. */
export const publicRoute = { config: { public: true, rateLimit: false } } as const;

const forbidden = (what: string, detail: string) =>
  new ApiProblem(403, 'Forbidden', `This API key may not ${what}`, detail);

export async function registerAccess(app: FastifyInstance, config: ApiConfig): Promise<void> {
  const identify = keyring(app, config);
  // Computed once: the rate limiter keys on it, the hook below enforces it.
  const who = (request: FastifyRequest) =>
    (request.identified ??= identify()(request.headers.authorization));

  await app.register(rateLimit, {
    global: true,
    max: (request) => config[BUDGETS[budgetOf(request)]],
    timeWindow: 60_000,
    hook: 'onRequest',
    keyGenerator: (request) => {
      const w = who(request);
      return `${budgetOf(request)}:${w.ok ? `key:${w.principal.id}` : `addr:${request.ip}`}`;
    },
    errorResponseBuilder: (request, { max, after }) => {
      const budget = budgetOf(request);
      return new ApiProblem(
        429,
        'RateLimited',
        'Too many requests',
        `At most ${max} ${budget} per minute per API key (${BUDGETS[budget]}); retry after ${after}`,
      );
    },
  });

  app.addHook('onRequest', async (request) => {
    const { public: open, codec } = request.routeOptions.config;
    const w = who(request);
    if (open) {
      // No key needed; a valid API key still names its caller (/readyz then tells more).
      if (w.ok && !w.principal.codecOnly) request.principal = w.principal;
      return;
    }
    // Payloads belong to no sandbox: decrypting them takes a codec key or a key for every
    // sandbox, or none with API_CODEC_ANONYMOUS (loopback only).
    if (codec && !(w.ok && (w.principal.sandboxes === '*' || w.principal.codecOnly))) {
      if (config.API_CODEC_ANONYMOUS) {
        request.principal = { id: 'codec-anonymous', sandboxes: '*' };
        return;
      }
      if (w.ok) {
        throw forbidden(
          'use the codec endpoint',
          `key ${w.principal.id} is scoped to ${(w.principal.sandboxes as string[]).join(', ')}; payloads belong to no sandbox, so the codec takes a codec key (API_CODEC_KEYS) or a key for every sandbox (*)`,
        );
      }
    }
    if (!codec && w.ok && w.principal.codecOnly) {
      throw forbidden(
        'call the API',
        `key ${w.principal.id} is a codec key (API_CODEC_KEYS): it opens /codec only`,
      );
    }
    if (!w.ok) {
      throw new ApiProblem(
        401,
        'Unauthorized',
        'A valid API key is required',
        UNAUTHORIZED[w.reason],
        {},
        { 'www-authenticate': 'Bearer realm="aep-stream"' },
      );
    }
    if (w.principal.readOnly && budgetOf(request) === 'changes') {
      throw forbidden('change sources', `key ${w.principal.id} has scope read`);
    }
    request.principal = w.principal;
    request.log.info({ apiKeyId: w.principal.id }, 'authenticated');
  });
}

/**
 * The authenticator of API_KEYS and API_KEYS_FILE, re-read when the file changes and on SIGHUP; an
 * unreadable file or entry revokes what it held (logged), so a botched edit keeps no revoked key.
 */
function keyring(app: FastifyInstance, config: ApiConfig) {
  const { API_KEYS, API_ALLOW_ANONYMOUS: anonymous, API_CODEC_KEYS: codecKeys } = config;
  const build = (fileKeys: ApiKeyEntry[]) =>
    createAuthenticator([...API_KEYS, ...fileKeys], anonymous, codecKeys);
  const file = config.API_KEYS_FILE;
  let identify = build(file?.entries ?? []);
  if (file) {
    const reload = () => {
      const { entries, problems } = readKeyFile(file.path);
      for (const problem of problems) app.log.error({ problem }, 'API_KEYS_FILE: entry skipped');
      identify = build(entries);
      app.log.info({ keys: entries.map((k) => k.id) }, 'API_KEYS_FILE re-read');
    };
    watchFile(file.path, { interval: 1000, persistent: false }, reload);
    process.on('SIGHUP', reload);
    app.addHook('onClose', async () => {
      unwatchFile(file.path, reload);
      process.off('SIGHUP', reload);
    });
  }
  return () => identify;
}

/** The caller's key may touch `sandbox`, and `sandbox` is a sandbox name; throws otherwise. */
export function authorize(request: FastifyRequest, sandbox: string): void {
  const p = request.principal!;
  if (p.sandboxes !== '*' && !p.sandboxes.includes(sandbox)) {
    throw forbidden('touch this sandbox', `key ${p.id} is scoped to ${p.sandboxes.join(', ')}`);
  }
  const ok = sandboxName.safeParse(sandbox);
  if (!ok.success) throw invalid([ok.error.issues[0]!.message]);
}

/**
 * Refuses a change while the key has API_MAX_OPEN_OPERATIONS_PER_KEY runs open, counted by
 * visibility (AepApiKeyId): shared by every instance, kept over restarts, lagging about a second.
 */
export function openOperationsCap(client: ProvisioningClient, config: ApiConfig) {
  const max = config.API_MAX_OPEN_OPERATIONS_PER_KEY;
  const types = [WorkflowType.provision, WorkflowType.deprovision];
  return async (request: FastifyRequest) => {
    const id = request.principal!.id;
    const query = visibilityQuery({ types, execution: 'Running', apiKeyId: id });
    const { count } = await client.client.workflow.count(query);
    if (count < max) return;
    throw new ApiProblem(
      429,
      'TooManyOpenOperations',
      'Too many operations of this key are running',
      `key ${id} has ${count} provisionings and teardowns running, at most ${max} (API_MAX_OPEN_OPERATIONS_PER_KEY); retry once some have ended`,
      {},
      { 'retry-after': RETRY_AFTER },
    );
  };
}
