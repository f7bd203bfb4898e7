/**
 * The one HTTP core of the AEP client: every Platform call goes through `platform()` (the four
 * Platform headers, the 401-refresh-once rule, failure mapping by `toAepFailure`), and every
 * response body through `parse()` (zod, loose: unknown fields are kept).
 */
import ky, { type KyInstance } from 'ky';
import { type z } from 'zod';
import { type Config } from '../config';
import { toAepFailure } from './errors';
import { AepUnexpectedResponseError, describeIssues, readHttpError } from './http-errors';
import { createTokenProvider, type TokenProvider } from './token';

export type AepClientConfig = Pick<
  Config,
  | 'AEP_PLATFORM_URL'
  | 'AEP_IMS_URL'
  | 'AEP_CLIENT_ID'
  | 'AEP_CLIENT_SECRET'
  | 'AEP_ORG_ID'
  | 'AEP_SCOPES'
  | 'AEP_REQUEST_TIMEOUT_MS'
>;

export interface AepClientDeps {
  config: AepClientConfig;
  /** Share one provider per worker process; built from `config` when omitted. */
  tokens?: TokenProvider;
  fetch?: typeof fetch;
}

export const FLOW_SERVICE_PATH = 'data/foundation/flowservice';
export const CATALOG_PATH = 'data/foundation/catalog';
export const SCHEMA_REGISTRY_PATH = 'data/foundation/schemaregistry';
export const DATA_PREP_PATH = 'data/foundation/conversion';

/** A server that keeps returning `next` forever must not keep an activity busy forever. */
export const MAX_PAGES = 1_000;

export interface CallContext {
  operation: string;
  resource?: string;
}

export interface PlatformRequest extends CallContext {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Relative to AEP_PLATFORM_URL, without leading slash. */
  path: string;
  sandbox: string;
  searchParams?: URLSearchParams;
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Non-2xx statuses returned as values instead of failures (404 for gets and deletes). */
  allow?: readonly number[];
}

export interface PlatformResponse {
  status: number;
  body: unknown;
}

export interface AepHttp {
  platform: (req: PlatformRequest) => Promise<PlatformResponse>;
  parse: <T>(schema: z.ZodType<T>, res: PlatformResponse, context: CallContext) => T;
  /** For the streaming inlet: no prefix URL, no Platform headers. */
  inletHttp: KyInstance;
  tokens: TokenProvider;
}

export function createAepHttp(deps: AepClientDeps): AepHttp {
  const { config } = deps;
  const tokens = deps.tokens ?? createTokenProvider(deps);
  const common = {
    retry: 0,
    timeout: config.AEP_REQUEST_TIMEOUT_MS,
    throwHttpErrors: false,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  } as const;
  const platformHttp: KyInstance = ky.create({ ...common, prefixUrl: config.AEP_PLATFORM_URL });
  const inletHttp: KyInstance = ky.create(common);

  async function platform(req: PlatformRequest): Promise<PlatformResponse> {
    const context = { operation: req.operation, resource: req.resource, method: req.method };
    try {
      const send = (token: string) =>
        platformHttp(req.path, {
          method: req.method,
          ...(req.searchParams ? { searchParams: queryString(req.searchParams) } : {}),
          ...(req.json !== undefined ? { json: req.json } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
          headers: {
            ...req.headers,
            authorization: `Bearer ${token}`,
            'x-api-key': config.AEP_CLIENT_ID,
            'x-gw-ims-org-id': config.AEP_ORG_ID,
            'x-sandbox-name': req.sandbox,
          },
        });
      let token = await tokens.getToken(req.signal);
      let response = await send(token);
      if (response.status === 401) {
        await response.body?.cancel();
        tokens.invalidate(token);
        token = await tokens.getToken(req.signal);
        response = await send(token);
      }
      if (response.ok) return { status: response.status, body: await readJson(response) };
      const failed = await readHttpError(response);
      if (req.allow?.includes(response.status) && !isSandboxNotFound(failed.body)) {
        return { status: response.status, body: failed.body };
      }
      throw failed;
    } catch (err) {
      throw toAepFailure(err, context);
    }
  }

  function parse<T>(schema: z.ZodType<T>, res: PlatformResponse, context: CallContext): T {
    const result = schema.safeParse(res.body);
    if (result.success) return result.data;
    const why = describeIssues(result.error);
    throw toAepFailure(new AepUnexpectedResponseError(res.status, why), context);
  }

  return { platform, parse, inletHttp, tokens };
}

/** A 2xx whose body is wrong in a way no schema can say (no id returned, endless paging). */
export function unexpected(status: number, why: string, context: CallContext): never {
  throw toAepFailure(new AepUnexpectedResponseError(status, why), context);
}

/**
 * URLSearchParams writes a space as `+`; Platform docs encode it as `%20`, which every server
 * decodes the same way (a literal `+` is already `%2B`).
 */
function queryString(params: URLSearchParams): string {
  return params.toString().replace(/\+/g, '%20');
}

/**
 * A 404 caused by an unknown sandbox (`FLOW-2100-404`) is a misconfiguration, not "this resource
 * is absent": it must fail loudly, or a tolerant delete would report success for nothing.
 */
function isSandboxNotFound(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const type = (body as { type?: unknown }).type;
  return typeof type === 'string' && /-2100-404\/?$/.test(type);
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AepUnexpectedResponseError(response.status, 'body is not JSON');
  }
}
