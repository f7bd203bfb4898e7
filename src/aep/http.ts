/** The AEP client's HTTP core: a request to Adobe is an `exchange()`, on Platform `platform()`. */
import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import ky, { type KyInstance } from 'ky';
import { type z } from 'zod';
import { type Config } from '../config';
import { activeTracer } from '../telemetry';
import {
  describeIssues,
  readHttpError,
  toAepFailure,
  unexpectedResponse,
  type AepErrorContext,
} from './errors';
import type { RequestPacer } from './pacer';
import type { TokenConfig, TokenProvider } from './token';

export type AepClientConfig = TokenConfig & Pick<Config, 'AEP_PLATFORM_URL' | 'AEP_ORG_ID'>;

export interface AepClientDeps {
  config: AepClientConfig;
  /** Share one provider per worker process; built from `config` when omitted. */
  tokens?: TokenProvider;
  /** Every Platform request waits its turn there, a 429 pauses it (pacer.ts); omitted: none. */
  pacer?: RequestPacer;
  fetch?: typeof fetch;
}

/** ky as every AEP call uses it: one attempt (Temporal retries), bounded, statuses as values. */
export function aepKy(deps: {
  config: Pick<Config, 'AEP_REQUEST_TIMEOUT_MS'>;
  fetch?: typeof fetch;
}) {
  return ky.create({
    retry: 0,
    timeout: deps.config.AEP_REQUEST_TIMEOUT_MS,
    throwHttpErrors: false,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
}

/** One HTTP request to Adobe, for its span: `route` is its path with `{id}` for ids. */
export interface Exchange {
  method: string;
  route: string;
  /** The call, `<service>.<method>` (`ims.token`, `catalog.getDataset`, `inlet.send`). */
  operation: string;
  /** Non-2xx statuses that answer the call rather than fail it (404 of a lookup). */
  allow?: readonly number[] | undefined;
}

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

/** A server that keeps returning `next` forever must not keep an activity busy forever. */
export const MAX_PAGES = 1_000;
/** Catalog and Data Prep both cap a page at 100 items; offset-paged reads ask for full pages. */
export const OFFSET_PAGE_SIZE = 100;

/** What a call is about (for failures) and where it goes (`path`: relative to AEP_PLATFORM_URL). */
export interface Call {
  operation: string;
  resource?: string;
  path: string;
  /** `path` with `{id}` in place of its ids (trace spans); `path` itself when it has none. */
  route?: string;
  sandbox: string;
  signal?: AbortSignal | undefined;
  searchParams?: URLSearchParams;
  headers?: Record<string, string>;
}

interface PlatformRequest extends Call {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  json?: unknown;
  allow?: readonly number[];
}

type PlatformResponse = { status: number; body: unknown };

export type AepHttp = ReturnType<typeof createAepHttp>;

export function createAepHttp(deps: AepClientDeps & { tokens: TokenProvider }) {
  const { config, tokens, pacer } = deps;
  const inletHttp = aepKy(deps); // for the streaming inlet: no prefix URL, no Platform headers
  const platformHttp = inletHttp.extend({ prefixUrl: config.AEP_PLATFORM_URL });

  async function platform(req: PlatformRequest): Promise<PlatformResponse> {
    const context = { operation: req.operation, resource: req.resource, method: req.method };
    try {
      const send = (token: string) => sendPlatform(platformHttp, config, req, token, pacer);
      const response = await withToken(tokens, req.signal, send, [401]);
      const { status } = response;
      if (response.ok) {
        const text = await response.text();
        if (text.length === 0) return { status, body: undefined };
        try {
          return { status, body: JSON.parse(text) as unknown };
        } catch {
          throw unexpectedResponse(status, 'body is not JSON', context);
        }
      }
      const failed = await readHttpError(response);
      if (status === 429) pacer?.throttled(failed.retryAfter);
      if (req.allow?.includes(status) && !isSandboxNotFound(failed.body)) {
        return { status, body: failed.body };
      }
      throw failed;
    } catch (err) {
      throw toAepFailure(err, context);
    }
  }

  /** GET one resource, parsed by `schema`; null when absent (404: an unknown sandbox still fails). */
  async function getOne<T>(schema: z.ZodType<T>, call: Call): Promise<T | null> {
    const res = await platform({ ...call, method: 'get', allow: [404] });
    return res.status === 404 ? null : parse(schema, res, call);
  }

  async function send<T>(
    schema: z.ZodType<T>,
    call: Call & { method: 'post' | 'put' | 'patch'; json?: unknown },
  ): Promise<T> {
    return parse(schema, await platform(call), call);
  }

  /** A tolerant DELETE: a 404, or an answer that `absent` says matched nothing, is `'absent'`. */
  async function deleteOne(
    call: Call,
    absent: (body: unknown) => boolean = () => false,
  ): Promise<'deleted' | 'absent'> {
    const res = await platform({ ...call, method: 'delete', allow: [404] });
    return res.status === 404 || absent(res.body) ? 'absent' : 'deleted';
  }

  /** Every item of an offset-paged list, each id once, MAX_PAGES at most. */
  async function offsetPages<T extends { id: string }>(
    call: Call,
    query: (page: { limit: string; start: string }) => Record<string, string>,
    read: (res: PlatformResponse) => { items: T[]; last: boolean },
  ): Promise<T[]> {
    const out = new Map<string, T>();
    for (let start = 0, pages = 0; pages < MAX_PAGES; pages++) {
      const params = query({ limit: String(OFFSET_PAGE_SIZE), start: String(start) });
      const searchParams = new URLSearchParams(params);
      const page = read(await platform({ ...call, method: 'get', searchParams }));
      for (const item of page.items) if (!out.has(item.id)) out.set(item.id, item);
      if (page.last) break;
      start += page.items.length;
    }
    return [...out.values()];
  }

  return { platform, parse, getOne, send, deleteOne, offsetPages, inletHttp, tokens };
}

async function sendPlatform(
  http: KyInstance,
  config: AepClientConfig,
  req: PlatformRequest,
  token: string,
  pacer: RequestPacer | undefined,
): Promise<Response> {
  await pacer?.take(req.signal);
  const { method, operation, allow } = req;
  return exchange({ method, route: req.route ?? req.path, operation, allow }, (requestId) =>
    http(req.path, {
      method,
      ...(req.searchParams ? { searchParams: queryString(req.searchParams) } : {}),
      ...(req.json !== undefined ? { json: req.json } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      headers: {
        ...req.headers,
        ...requestId,
        authorization: `Bearer ${token}`,
        'x-api-key': config.AEP_CLIENT_ID,
        'x-gw-ims-org-id': config.AEP_ORG_ID,
        'x-sandbox-name': req.sandbox,
      },
    }),
  );
}

/** The body parsed by `schema`; a mismatch is an `AepUnexpectedResponse`. */
function parse<T>(schema: z.ZodType<T>, res: PlatformResponse, context: AepErrorContext): T {
  const result = schema.safeParse(res.body);
  if (result.success) return result.data;
  throw unexpectedResponse(res.status, describeIssues(result.error), context);
}

/** `send` with a token; a `refused` status drops it, once (it may expire or be revoked cached). */
export async function withToken(
  tokens: TokenProvider,
  signal: AbortSignal | undefined,
  send: (token: string) => Promise<Response>,
  refused: readonly number[],
): Promise<Response> {
  const token = await tokens.getToken(signal);
  const response = await send(token);
  if (!refused.includes(response.status)) return response;
  await response.body?.cancel();
  tokens.invalidate(token);
  return send(await tokens.getToken(signal));
}

/** The calls on the collection at `path`, each named `<service>.<method>` (failures say which). */
export function collection(service: string, path: string) {
  const call = (
    method: string,
    sandbox: string,
    signal?: AbortSignal,
    resource?: string,
  ): Call => ({
    operation: `${service}.${method}`,
    resource,
    path,
    sandbox,
    signal,
  });
  const item = (method: string, id: string, sandbox: string, signal?: AbortSignal): Call => ({
    ...call(method, sandbox, signal, id),
    path: `${path}/${encodeURIComponent(id)}`,
    route: `${path}/{id}`,
  });
  return { path, call, item };
}

/** A space as `%20`, as Platform docs write it (URLSearchParams writes `+`), which all decode. */
function queryString(params: URLSearchParams): string {
  return params.toString().replace(/\+/g, '%20');
}

/** An unknown sandbox's 404 must fail, or a tolerant delete would report success for nothing. */
function isSandboxNotFound(body: unknown): boolean {
  const type = (body as { type?: unknown } | null | undefined)?.type;
  return typeof type === 'string' && /-2100-404\/?$/.test(type);
}
