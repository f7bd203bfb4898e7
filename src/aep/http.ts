/** The AEP client's HTTP core: a request to Adobe is an `exchange()`, on Platform `platform()`. */
import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import ky from 'ky';
import { type z } from 'zod';
import { type Config } from '../config';
import { activeTracer } from '../telemetry';
import { describeIssues, readHttpError, toAepFailure, unexpectedResponse } from './errors';
import type { RequestPacer } from './pacer';
import { imsTokenSchema } from './schemas';

export type TokenConfig = Pick<
  Config,
  'AEP_IMS_URL' | 'AEP_CLIENT_ID' | 'AEP_CLIENT_SECRET' | 'AEP_SCOPES' | 'AEP_REQUEST_TIMEOUT_MS'
>;
export type AepClientConfig = TokenConfig & Pick<Config, 'AEP_PLATFORM_URL' | 'AEP_ORG_ID'>;

export interface AepClientDeps {
  config: AepClientConfig;
  /** Share one provider per worker process; built from `config` when omitted. */
  tokens?: TokenProvider;
  /** Every Platform request waits its turn there, a 429 pauses it (pacer.ts); omitted: none. */
  pacer?: RequestPacer;
  fetch?: typeof fetch;
}

export interface TokenProvider {
  /** A valid access token. `signal` only abandons this caller's wait, not the shared request. */
  getToken(signal?: AbortSignal): Promise<string>;
  /** Forget `token` if it is the cached one (so N callers refused with it cause one refresh). */
  invalidate(token: string): void;
}

/** One attempt (Temporal retries), bounded, statuses as values. */
export function aepKy(deps: {
  config: Pick<Config, 'AEP_REQUEST_TIMEOUT_MS'>;
  fetch?: typeof fetch;
}) {
  const timeout = deps.config.AEP_REQUEST_TIMEOUT_MS;
  return ky.create({ retry: 0, timeout, throwHttpErrors: false, fetch: deps.fetch });
}

/**
 * One HTTP request to Adobe, for its span: `route` is its path with `{id}` for ids, `operation`
 * the call (`catalog.getDataset`), `allow` the non-2xx statuses that answer it (404 of a lookup).
 */
export type Exchange = Pick<Call, 'operation' | 'allow'> & { method: string; route: string };

/** One request, its own `x-request-id` (what Adobe support asks for); a span when traced. */
export async function exchange(
  x: Exchange,
  send: (headers: { 'x-request-id': string }) => Promise<Response>,
): Promise<Response> {
  const headers = { 'x-request-id': randomUUID() };
  const tracer = activeTracer();
  if (!tracer || !trace.getActiveSpan()) return send(headers);
  const method = x.method.toUpperCase();
  const span = tracer.startSpan(`${method} ${x.route}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': method,
      'url.template': x.route,
      'aep.operation': x.operation,
      'aep.sent_request_id': headers['x-request-id'],
    },
  });
  try {
    const response = await send(headers);
    span.setAttribute('http.response.status_code', response.status);
    const adobeId = response.headers.get('x-request-id');
    if (adobeId) span.setAttribute('aep.request_id', adobeId);
    if (!response.ok && !x.allow?.includes(response.status)) {
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    return response;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    throw err;
  } finally {
    span.end();
  }
}

/** `send` with a token; a `refused` status drops it, once (it may expire or be revoked cached). */
export async function withToken(
  tokens: TokenProvider,
  signal: AbortSignal | undefined,
  refused: readonly number[],
  send: (token: string) => Promise<Response>,
): Promise<Response> {
  const token = await tokens.getToken(signal);
  const response = await send(token);
  if (!refused.includes(response.status)) return response;
  await response.body?.cancel();
  tokens.invalidate(token);
  return send(await tokens.getToken(signal));
}

/**
 * IMS tokens (`POST {AEP_IMS_URL}/ims/token/v3`): one provider per worker process, the token in
 * its memory only (never in Temporal), cached until `min(5 min, 10% of its lifetime)` before
 * expiry; concurrent callers share one IMS request. IMS refusing the credentials (400/401/403) is
 * `AepUnauthorized`, non-retryable. `now` (ms since epoch): tests move time past the margin.
 */
export function createTokenProvider(deps: {
  config: TokenConfig;
  fetch?: typeof fetch;
  now?: () => number;
}): TokenProvider {
  const { config, now = Date.now } = deps;
  const http = aepKy(deps);
  let cached: { value: string; refreshAt: number } | undefined;
  let inFlight: Promise<NonNullable<typeof cached>> | undefined;

  async function requestToken() {
    try {
      const requestedAt = now();
      const route = { method: 'post', route: 'ims/token/v3', operation: 'ims.token' };
      const response = await exchange(route, (requestId) =>
        http.post(`${config.AEP_IMS_URL.replace(/\/+$/, '')}/ims/token/v3`, {
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: config.AEP_CLIENT_ID,
            client_secret: config.AEP_CLIENT_SECRET.reveal(),
            scope: config.AEP_SCOPES,
          }),
          headers: { accept: 'application/json', ...requestId },
        }),
      );
      if (!response.ok) throw await readHttpError(response);
      const body = imsTokenSchema.parse(await response.json());
      // `expires_in` is seconds for /ims/token/v3 (the JWT-era milliseconds do not apply).
      const lifetimeMs = body.expires_in * 1000;
      const margin = Math.min(5 * 60_000, lifetimeMs * 0.1);
      return { value: body.access_token, refreshAt: requestedAt + lifetimeMs - margin };
    } catch (err) {
      throw toAepFailure(err, { operation: 'ims.token', service: 'ims' });
    }
  }

  return {
    async getToken(signal) {
      signal?.throwIfAborted();
      if (cached && now() < cached.refreshAt) return cached.value;
      const shared = (inFlight ??= requestToken()
        .then((t) => (cached = t))
        .finally(() => (inFlight = undefined)));
      if (!signal) return (await shared).value;
      return new Promise<string>((resolve, reject) => {
        const onAbort = () => reject(signal.reason as Error);
        signal.addEventListener('abort', onAbort, { once: true });
        const settled = shared.finally(() => signal.removeEventListener('abort', onAbort));
        settled.then((t) => resolve(t.value), reject);
      });
    },
    invalidate(token) {
      if (cached?.value === token) cached = undefined;
    },
  };
}

/** A server that keeps returning `next` forever must not keep an activity busy forever. */
export const MAX_PAGES = 1_000;
/** Catalog and Data Prep both cap a page at 100 items; offset-paged reads ask for full pages. */
export const OFFSET_PAGE_SIZE = 100;

/** A Platform request: what it is about (for failures) and where it goes. */
export interface Call {
  operation: string;
  resource?: string | undefined;
  /** Relative to AEP_PLATFORM_URL; `route`: it with `{id}` in place of its ids (spans). */
  path: string;
  route?: string;
  sandbox: string;
  signal?: AbortSignal | undefined;
  method?: 'get' | 'post' | 'put' | 'patch' | 'delete';
  searchParams?: URLSearchParams;
  headers?: Record<string, string>;
  json?: unknown;
  allow?: readonly number[] | undefined;
}

/** A call on the collection at `path`, or on its item `id`, named `<service>.<method>`. */
export function collection(service: string, path: string) {
  type More = Partial<Call> & { id?: string };
  return (method: string, sandbox: string, signal?: AbortSignal, { id, ...more }: More = {}) =>
    ({
      operation: `${service}.${method}`,
      resource: id,
      path: id === undefined ? path : `${path}/${encodeURIComponent(id)}`,
      route: id === undefined ? path : `${path}/{id}`,
      sandbox,
      signal,
      ...more,
    }) satisfies Call;
}

export type AepHttp = ReturnType<typeof createAepHttp>;

export function createAepHttp(deps: AepClientDeps) {
  const { config, pacer } = deps;
  const tokens = deps.tokens ?? createTokenProvider(deps);
  const inletHttp = aepKy(deps); // no prefix URL, no Platform headers
  const platformHttp = inletHttp.extend({
    prefixUrl: config.AEP_PLATFORM_URL,
    headers: { 'x-api-key': config.AEP_CLIENT_ID, 'x-gw-ims-org-id': config.AEP_ORG_ID },
  });

  /** `body` is parsed by `schema` on a 2xx; on an allowed status it is the error body as read. */
  async function platform<T = unknown>(req: Call, schema?: z.ZodType<T>) {
    const { operation, resource, method = 'get', signal } = req;
    const context = { operation, resource, method };
    try {
      const response = await withToken(tokens, signal, [401], async (token) => {
        await pacer?.take(signal);
        return exchange({ ...req, method, route: req.route ?? req.path }, (requestId) =>
          platformHttp(req.path, {
            method,
            // A space as `%20`, as Platform docs write it (URLSearchParams writes `+`).
            searchParams: req.searchParams?.toString().replace(/\+/g, '%20'),
            json: req.json,
            signal,
            headers: {
              ...req.headers,
              ...requestId,
              authorization: `Bearer ${token}`,
              'x-sandbox-name': req.sandbox,
            },
          }),
        );
      });
      const { status } = response;
      if (!response.ok) {
        const failed = await readHttpError(response);
        if (status === 429) pacer?.throttled(failed.retryAfter);
        // An unknown sandbox's 404 fails, or a tolerant delete would report success for nothing.
        const type = (failed.body as { type?: unknown } | undefined)?.type;
        const noSandbox = typeof type === 'string' && /-2100-404\/?$/.test(type);
        if (!req.allow?.includes(status) || noSandbox) throw failed;
        return { status, body: failed.body as T };
      }
      const text = await response.text();
      let body: unknown;
      try {
        body = text.length === 0 ? undefined : (JSON.parse(text) as unknown);
      } catch {
        throw unexpectedResponse(status, 'body is not JSON', context);
      }
      const parsed = schema ? schema.safeParse(body) : { success: true as const, data: body as T };
      if (!parsed.success) throw unexpectedResponse(status, describeIssues(parsed.error), context);
      return { status, body: parsed.data };
    } catch (err) {
      throw toAepFailure(err, context);
    }
  }

  return {
    platform,
    inletHttp,
    tokens,
    send: async <T>(schema: z.ZodType<T>, call: Call) => (await platform(call, schema)).body,
    /** GET one resource; null when absent (404: an unknown sandbox still fails). */
    getOne: async <T>(schema: z.ZodType<T>, call: Call): Promise<T | null> => {
      const res = await platform({ ...call, allow: [404] }, schema);
      return res.status === 404 ? null : res.body;
    },
    /** A tolerant DELETE: a 404, or an answer that `absent` says matched nothing, is `'absent'`. */
    deleteOne: async (
      call: Call,
      absent = (_: unknown) => false,
    ): Promise<'deleted' | 'absent'> => {
      const res = await platform({ ...call, method: 'delete', allow: [404] });
      return res.status === 404 || absent(res.body) ? 'absent' : 'deleted';
    },
  };
}

/** Every item of an offset-paged list, each id once, MAX_PAGES at most. */
export async function offsetPages<P, T extends { id: string }>(
  http: AepHttp,
  call: Call,
  schema: z.ZodType<P>,
  query: (page: { limit: string; start: string }) => Record<string, string>,
  read: (page: P) => { items: T[]; last: boolean },
): Promise<T[]> {
  const out = new Map<string, T>();
  for (let start = 0, pages = 0; pages < MAX_PAGES; pages++) {
    const params = query({ limit: String(OFFSET_PAGE_SIZE), start: String(start) });
    const page = read(
      await http.send(schema, { ...call, searchParams: new URLSearchParams(params) }),
    );
    for (const item of page.items) if (!out.has(item.id)) out.set(item.id, item);
    if (page.last) break;
    start += page.items.length;
  }
  return [...out.values()];
}
