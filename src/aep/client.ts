/**
 * Typed client for the AEP APIs used to provision an HTTP API streaming source.
 *
 * Contract (every method):
 * - Does I/O: call it from activities only. Workflows import at most `AepClient` as a type.
 * - One HTTP attempt per call (ky `retry: 0`, per-request `timeout`); Temporal's activity retry
 *   policy is the only retry loop. Failures are `ApplicationFailure`s typed by `toAepFailure`
 *   (4xx non-retryable, 429/5xx/network retryable, Retry-After → nextRetryDelay).
 * - The one exception: a 401 from Platform (401 or 403 from an authenticated inlet, which DCS
 *   uses for expired tokens) invalidates the cached token and repeats the call once with a fresh
 *   one (a token can expire or be revoked while cached). A second refusal is mapped as usual.
 * - The timeout bounds the wait for response headers; reading the (small) body is bounded by the
 *   activity's start-to-close timeout and cancellation.
 * - `signal` is the activity's cancellation signal: aborting it aborts the HTTP request and the
 *   abort reason is rethrown unmapped, so the activity completes as cancelled.
 * - Creates are NOT idempotent on Platform's side (names are not unique there); callers make them
 *   idempotent by looking up first (`list*` / `find*`). Gets return `null` on 404. Deletes are
 *   tolerant: 404 is `'absent'`, so compensation can be retried safely.
 * - Bearer tokens go only to the configured Platform URL and, when asked, to the inlet URL.
 */
import ky, { type KyInstance } from 'ky';
import { type z } from 'zod';
import { type Config } from '../config';
import { AepUnexpectedResponseError, readHttpError, toAepFailure } from './errors';
import {
  baseConnectionSchema,
  catalogRefsSchema,
  createdMappingSetSchema,
  createdSchema,
  datasetMapSchema,
  flowSchema,
  listPageSchema,
  mappingSetPageSchema,
  mappingSetSchema,
  singleItemSchema,
  sourceConnectionSchema,
  targetConnectionSchema,
  xdmSchemaSchema,
} from './schemas';
import { createTokenProvider, type TokenProvider } from './token';
import type {
  BaseConnection,
  CreateBaseConnectionBody,
  CreateDatasetBody,
  CreatedFlowServiceResource,
  CreatedMappingSet,
  CreateFlowBody,
  CreateMappingSetBody,
  CreateSourceConnectionBody,
  CreateTargetConnectionBody,
  Dataset,
  DeleteOutcome,
  Flow,
  FlowAction,
  InletResponse,
  ListOptions,
  MappingSet,
  PropertyFilter,
  SendToInletArgs,
  SourceConnection,
  TargetConnection,
  XdmSchema,
} from './types';

export interface AepClient {
  // Schema Registry
  /** The schema with this `$id` (or `meta:altId`), or null if the sandbox has none. */
  getSchema(sandbox: string, schemaId: string, signal?: AbortSignal): Promise<XdmSchema | null>;

  // Catalog
  createDataset(
    sandbox: string,
    body: CreateDatasetBody,
    signal?: AbortSignal,
  ): Promise<{ id: string }>;
  getDataset(sandbox: string, id: string, signal?: AbortSignal): Promise<Dataset | null>;
  /** Every dataset whose name is exactly `name` (all pages). */
  findDatasets(sandbox: string, q: { name: string }, signal?: AbortSignal): Promise<Dataset[]>;
  deleteDataset(sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome>;

  // Flow Service: base connections
  createConnection(
    sandbox: string,
    body: CreateBaseConnectionBody,
    signal?: AbortSignal,
  ): Promise<CreatedFlowServiceResource>;
  getConnection(sandbox: string, id: string, signal?: AbortSignal): Promise<BaseConnection | null>;
  listConnections(
    sandbox: string,
    filters: PropertyFilter[],
    opts?: ListOptions,
    signal?: AbortSignal,
  ): Promise<BaseConnection[]>;
  deleteConnection(sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome>;

  // Flow Service: source connections
  createSourceConnection(
    sandbox: string,
    body: CreateSourceConnectionBody,
    signal?: AbortSignal,
  ): Promise<CreatedFlowServiceResource>;
  getSourceConnection(
    sandbox: string,
    id: string,
    signal?: AbortSignal,
  ): Promise<SourceConnection | null>;
  listSourceConnections(
    sandbox: string,
    filters: PropertyFilter[],
    opts?: ListOptions,
    signal?: AbortSignal,
  ): Promise<SourceConnection[]>;
  deleteSourceConnection(sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome>;

  // Flow Service: target connections
  createTargetConnection(
    sandbox: string,
    body: CreateTargetConnectionBody,
    signal?: AbortSignal,
  ): Promise<CreatedFlowServiceResource>;
  getTargetConnection(
    sandbox: string,
    id: string,
    signal?: AbortSignal,
  ): Promise<TargetConnection | null>;
  listTargetConnections(
    sandbox: string,
    filters: PropertyFilter[],
    opts?: ListOptions,
    signal?: AbortSignal,
  ): Promise<TargetConnection[]>;
  deleteTargetConnection(sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome>;

  // Flow Service: flows
  createFlow(
    sandbox: string,
    body: CreateFlowBody,
    signal?: AbortSignal,
  ): Promise<CreatedFlowServiceResource>;
  getFlow(sandbox: string, id: string, signal?: AbortSignal): Promise<Flow | null>;
  listFlows(
    sandbox: string,
    filters: PropertyFilter[],
    opts?: ListOptions,
    signal?: AbortSignal,
  ): Promise<Flow[]>;
  deleteFlow(sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome>;
  flowAction(
    sandbox: string,
    id: string,
    action: FlowAction,
    signal?: AbortSignal,
  ): Promise<CreatedFlowServiceResource>;

  // Data Prep
  createMappingSet(
    sandbox: string,
    body: CreateMappingSetBody,
    signal?: AbortSignal,
  ): Promise<CreatedMappingSet>;
  getMappingSet(sandbox: string, id: string, signal?: AbortSignal): Promise<MappingSet | null>;
  /** Every mapping set whose name is exactly `name` (all pages). */
  findMappingSets(
    sandbox: string,
    q: { name: string },
    signal?: AbortSignal,
  ): Promise<MappingSet[]>;
  deleteMappingSet(sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome>;

  // Streaming inlet (DCS): no sandbox header, the inlet URL identifies org and sandbox.
  /** One record to the inlet; resolves for 2xx, throws a mapped failure otherwise. */
  sendToInlet(args: SendToInletArgs): Promise<InletResponse>;
}

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

const SCHEMA_ACCEPT = 'application/vnd.adobe.xed+json; version=1';
const DEFAULT_FLOW_PAGE_SIZE = 100;
/** Catalog and Data Prep cap pages at 100. */
const OFFSET_PAGE_SIZE = 100;
/** A server that keeps returning `next` forever must not keep an activity busy forever. */
const MAX_PAGES = 1_000;

type Method = 'get' | 'post' | 'delete';

interface PlatformRequest {
  operation: string;
  resource?: string;
  method: Method;
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

interface PlatformResponse {
  status: number;
  body: unknown;
}

export function createAepClient(deps: AepClientDeps): AepClient {
  const { config } = deps;
  const tokens = deps.tokens ?? createTokenProvider(deps);
  const common = {
    retry: 0,
    timeout: config.AEP_REQUEST_TIMEOUT_MS,
    throwHttpErrors: false,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  } as const;
  const platformHttp: KyInstance = ky.create({
    ...common,
    prefixUrl: config.AEP_PLATFORM_URL,
  });
  const inletHttp: KyInstance = ky.create(common);

  /** One Platform call with the four headers, the 401-refresh-once rule and failure mapping. */
  async function platform(req: PlatformRequest): Promise<PlatformResponse> {
    const context = { operation: req.operation, resource: req.resource };
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

  function parse<T>(
    schema: z.ZodType<T>,
    res: PlatformResponse,
    context: { operation: string; resource?: string },
  ): T {
    const result = schema.safeParse(res.body);
    if (result.success) return result.data;
    const why = result.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw toAepFailure(new AepUnexpectedResponseError(res.status, why), context);
  }

  // ---- Flow Service, one implementation for the four resource kinds --------------------------

  function flowServiceKind<TBody, TItem>(
    collection: string,
    label: string,
    item: z.ZodType<TItem>,
  ) {
    const path = `${FLOW_SERVICE_PATH}/${collection}`;
    const itemPath = (id: string) => `${path}/${encodeURIComponent(id)}`;
    const single = singleItemSchema(item);
    const page = listPageSchema(item);

    return {
      create: async (sandbox: string, body: TBody, signal?: AbortSignal) => {
        const operation = `flowservice.create${label}`;
        const res = await platform({
          operation,
          method: 'post',
          path,
          sandbox,
          json: body,
          signal,
        });
        return parse(createdSchema, res, { operation });
      },

      get: async (sandbox: string, id: string, signal?: AbortSignal): Promise<TItem | null> => {
        const ctx = { operation: `flowservice.get${label}`, resource: id };
        const res = await platform({
          ...ctx,
          method: 'get',
          path: itemPath(id),
          sandbox,
          signal,
          allow: [404],
        });
        if (res.status === 404) return null;
        return parse(single, res, ctx).items[0] ?? null;
      },

      list: async (
        sandbox: string,
        filters: PropertyFilter[],
        opts?: ListOptions,
        signal?: AbortSignal,
      ): Promise<TItem[]> => {
        const operation = `flowservice.list${label}s`;
        const first = new URLSearchParams();
        for (const f of filters) first.append('property', encodePropertyFilter(f));
        first.set('limit', String(opts?.limit ?? DEFAULT_FLOW_PAGE_SIZE));

        const items: TItem[] = [];
        const seen = new Set<string>();
        let next: { path: string; params: URLSearchParams } | undefined = {
          path,
          params: first,
        };
        while (next) {
          const key = `${next.path}?${next.params.toString()}`;
          if (seen.has(key) || seen.size >= MAX_PAGES) {
            throw toAepFailure(
              new AepUnexpectedResponseError(200, 'pagination does not terminate'),
              { operation },
            );
          }
          seen.add(key);
          const res = await platform({
            operation,
            method: 'get',
            path: next.path,
            searchParams: next.params,
            sandbox,
            signal,
          });
          const body = parse(page, res, { operation });
          items.push(...body.items);
          const href = body._links?.next?.href;
          next = href ? resolveNextPage(href, first) : undefined;
        }
        return items;
      },

      delete: async (sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome> => {
        const res = await platform({
          operation: `flowservice.delete${label}`,
          resource: id,
          method: 'delete',
          path: itemPath(id),
          sandbox,
          signal,
          allow: [404],
        });
        return res.status === 404 ? 'absent' : 'deleted';
      },
    };
  }

  const connections = flowServiceKind<CreateBaseConnectionBody, BaseConnection>(
    'connections',
    'Connection',
    baseConnectionSchema,
  );
  const sourceConnections = flowServiceKind<CreateSourceConnectionBody, SourceConnection>(
    'sourceConnections',
    'SourceConnection',
    sourceConnectionSchema,
  );
  const targetConnections = flowServiceKind<CreateTargetConnectionBody, TargetConnection>(
    'targetConnections',
    'TargetConnection',
    targetConnectionSchema,
  );
  const flows = flowServiceKind<CreateFlowBody, Flow>('flows', 'Flow', flowSchema);

  // ---- Catalog ----------------------------------------------------------------------------------

  async function createDataset(sandbox: string, body: CreateDatasetBody, signal?: AbortSignal) {
    const ctx = { operation: 'catalog.createDataset', resource: body.name };
    const res = await platform({
      ...ctx,
      method: 'post',
      path: `${CATALOG_PATH}/dataSets`,
      sandbox,
      json: body,
      signal,
    });
    const id = parse(catalogRefsSchema, res, ctx)
      .map(catalogRefId)
      .find((x) => x !== undefined);
    if (!id) {
      throw toAepFailure(new AepUnexpectedResponseError(res.status, 'no dataset id returned'), ctx);
    }
    return { id };
  }

  async function getDataset(sandbox: string, id: string, signal?: AbortSignal) {
    const ctx = { operation: 'catalog.getDataset', resource: id };
    const res = await platform({
      ...ctx,
      method: 'get',
      path: `${CATALOG_PATH}/dataSets/${encodeURIComponent(id)}`,
      sandbox,
      signal,
      allow: [404],
    });
    if (res.status === 404) return null;
    const all = parse(datasetMapSchema, res, ctx);
    return all.find((d) => d.id === id) ?? null;
  }

  async function findDatasets(sandbox: string, q: { name: string }, signal?: AbortSignal) {
    const ctx = { operation: 'catalog.findDatasets', resource: q.name };
    const out: Dataset[] = [];
    for (let start = 0, pages = 0; pages < MAX_PAGES; pages++) {
      const params = new URLSearchParams();
      // Catalog `property=` values are literal up to the end of the parameter (no any-of
      // splitting, no quote stripping), unlike Flow Service's: send the name as is.
      params.append('property', `name==${q.name}`);
      params.set('limit', String(OFFSET_PAGE_SIZE));
      params.set('start', String(start));
      const res = await platform({
        ...ctx,
        method: 'get',
        path: `${CATALOG_PATH}/dataSets`,
        searchParams: params,
        sandbox,
        signal,
      });
      const page = parse(datasetMapSchema, res, ctx);
      out.push(...page);
      if (page.length < OFFSET_PAGE_SIZE) break;
      start += page.length;
    }
    // Exact match on our side too: Catalog filter semantics (wildcards, quoting) vary.
    return dedupeById(out).filter((d) => d.name === q.name);
  }

  async function deleteDataset(sandbox: string, id: string, signal?: AbortSignal) {
    const ctx = { operation: 'catalog.deleteDataset', resource: id };
    const res = await platform({
      ...ctx,
      method: 'delete',
      path: `${CATALOG_PATH}/dataSets/${encodeURIComponent(id)}`,
      sandbox,
      signal,
      allow: [404],
    });
    if (res.status === 404) return 'absent' as const;
    // Catalog answers 200 `["@/dataSets/{id}"]`, or 200 `[]` when nothing matched.
    const refs = catalogRefsSchema.safeParse(res.body);
    return refs.success && refs.data.length === 0 ? ('absent' as const) : ('deleted' as const);
  }

  // ---- Data Prep --------------------------------------------------------------------------------

  const mappingSetsPath = `${DATA_PREP_PATH}/mappingSets`;

  async function findMappingSets(sandbox: string, q: { name: string }, signal?: AbortSignal) {
    const ctx = { operation: 'dataprep.findMappingSets', resource: q.name };
    const out: MappingSet[] = [];
    for (let start = 0, pages = 0; pages < MAX_PAGES; pages++) {
      // `limit` and `start` are both required by Data Prep.
      const params = new URLSearchParams({
        limit: String(OFFSET_PAGE_SIZE),
        start: String(start),
        name: q.name,
      });
      const res = await platform({
        ...ctx,
        method: 'get',
        path: mappingSetsPath,
        searchParams: params,
        sandbox,
        signal,
      });
      const page = parse(mappingSetPageSchema, res, ctx);
      out.push(...page.data);
      // A short page ends the list, unless the server caps pages below our limit and says so
      // (`_page.limit`) or links a next page: stopping early would hide an owned mapping set.
      const pageSize = Math.min(OFFSET_PAGE_SIZE, page._page?.limit ?? OFFSET_PAGE_SIZE);
      if (page.data.length === 0) break;
      if (page.data.length < pageSize && !page._links?.next) break;
      start += page.data.length;
    }
    return dedupeById(out).filter((m) => m.name === q.name);
  }

  // ---- The client -------------------------------------------------------------------------------

  return {
    async getSchema(sandbox, schemaId, signal) {
      const ctx = { operation: 'schemaregistry.getSchema', resource: schemaId };
      const res = await platform({
        ...ctx,
        method: 'get',
        path: `${SCHEMA_REGISTRY_PATH}/${schemaContainer(schemaId)}/schemas/${encodeURIComponent(schemaId)}`,
        headers: { accept: SCHEMA_ACCEPT },
        sandbox,
        signal,
        allow: [404],
      });
      if (res.status === 404) return null;
      return parse(xdmSchemaSchema, res, ctx);
    },

    createDataset,
    getDataset,
    findDatasets,
    deleteDataset,

    createConnection: connections.create,
    getConnection: connections.get,
    listConnections: connections.list,
    deleteConnection: connections.delete,

    createSourceConnection: sourceConnections.create,
    getSourceConnection: sourceConnections.get,
    listSourceConnections: sourceConnections.list,
    deleteSourceConnection: sourceConnections.delete,

    createTargetConnection: targetConnections.create,
    getTargetConnection: targetConnections.get,
    listTargetConnections: targetConnections.list,
    deleteTargetConnection: targetConnections.delete,

    createFlow: flows.create,
    getFlow: flows.get,
    listFlows: flows.list,
    deleteFlow: flows.delete,

    async flowAction(sandbox, id, action, signal) {
      const ctx = { operation: `flowservice.${action}Flow`, resource: id };
      const res = await platform({
        ...ctx,
        method: 'post',
        path: `${FLOW_SERVICE_PATH}/flows/${encodeURIComponent(id)}/action`,
        searchParams: new URLSearchParams({ op: action }),
        sandbox,
        signal,
      });
      return parse(createdSchema, res, ctx);
    },

    async createMappingSet(sandbox, body, signal) {
      const ctx = { operation: 'dataprep.createMappingSet', resource: body.name };
      const res = await platform({
        ...ctx,
        method: 'post',
        path: mappingSetsPath,
        json: body,
        sandbox,
        signal,
      });
      return parse(createdMappingSetSchema, res, ctx);
    },

    async getMappingSet(sandbox, id, signal) {
      const ctx = { operation: 'dataprep.getMappingSet', resource: id };
      const res = await platform({
        ...ctx,
        method: 'get',
        path: `${mappingSetsPath}/${encodeURIComponent(id)}`,
        sandbox,
        signal,
        allow: [404],
      });
      if (res.status === 404) return null;
      return parse(mappingSetSchema, res, ctx);
    },

    findMappingSets,

    async deleteMappingSet(sandbox, id, signal) {
      const res = await platform({
        operation: 'dataprep.deleteMappingSet',
        resource: id,
        method: 'delete',
        path: `${mappingSetsPath}/${encodeURIComponent(id)}`,
        sandbox,
        signal,
        allow: [404],
      });
      return res.status === 404 ? 'absent' : 'deleted';
    },

    async sendToInlet({ inletUrl, flowId, record, authenticated, signal }) {
      const context = { operation: 'inlet.send', resource: flowId, service: 'inlet' as const };
      try {
        const send = (token?: string) =>
          inletHttp.post(inletUrl, {
            json: record,
            ...(signal ? { signal } : {}),
            headers: {
              'x-adobe-flow-id': flowId,
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
          });
        let token = authenticated ? await tokens.getToken(signal) : undefined;
        let response = await send(token);
        // DCS answers 401 (tutorial) or 403 (batch doc) for an expired token: refresh once.
        if ((response.status === 401 || response.status === 403) && token) {
          await response.body?.cancel();
          tokens.invalidate(token);
          token = await tokens.getToken(signal);
          response = await send(token);
        }
        if (!response.ok) throw await readHttpError(response);
        // DCS answers JSON; anything else is still a 2xx the caller may want to see.
        const text = await response.text();
        let body: unknown = text;
        try {
          body = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
        } catch {
          body = text.slice(0, 2_000);
        }
        return { status: response.status, body };
      } catch (err) {
        throw toAepFailure(err, context);
      }
    },
  };
}

// ---- Helpers (exported for tests) ---------------------------------------------------------------

/**
 * `path op value` for one `property=` parameter (URLSearchParams does the URL encoding).
 * A string value is double-quoted so Platform treats it as one literal; an array is any-of.
 */
export function encodePropertyFilter(f: PropertyFilter): string {
  const op = f.op ?? '==';
  if (Array.isArray(f.value)) {
    if (f.value.length === 0) throw new TypeError(`property filter on ${f.path}: empty value list`);
    if (op !== '==' && op !== '!=') {
      throw new TypeError(`property filter on ${f.path}: ${op} does not take a list of values`);
    }
    return `${f.path}${op}${f.value.join(',')}`;
  }
  return `${f.path}${op}${quote(f.value)}`;
}

function quote(value: string): string {
  return `"${value}"`;
}

/**
 * The next list page from `_links.next.href`. The href is relative to the Flow Service base path
 * (`/connections?continuationToken=…`); absolute hrefs are accepted but only their path and
 * query are used, so the bearer token never follows a link to another host. Parameters the href
 * omits (filters, limit) are carried over from the first request.
 */
export function resolveNextPage(
  href: string,
  firstParams: URLSearchParams,
): { path: string; params: URLSearchParams } {
  let url: URL;
  if (/^https?:\/\//i.test(href)) {
    url = new URL(href);
  } else {
    const rel = href.startsWith('/') ? href : `/${href}`;
    const full = rel.startsWith(`/${FLOW_SERVICE_PATH}/`) ? rel : `/${FLOW_SERVICE_PATH}${rel}`;
    url = new URL(full, 'http://flowservice.invalid');
  }
  const params = new URLSearchParams(url.search);
  for (const [k, v] of firstParams) {
    if (!params.has(k)) params.append(k, v);
  }
  return { path: url.pathname.replace(/^\/+/, ''), params };
}

/** Adobe-owned schemas live in the global container, everything else in the tenant's. */
export function schemaContainer(schemaId: string): 'global' | 'tenant' {
  return /^https?:\/\/ns\.adobe\.com\/xdm\//i.test(schemaId) ? 'global' : 'tenant';
}

/**
 * URLSearchParams writes a space as `+`; Platform docs encode it as `%20`, which every server
 * decodes the same way (a literal `+` is already `%2B`).
 */
function queryString(params: URLSearchParams): string {
  return params.toString().replace(/\+/g, '%20');
}

function catalogRefId(ref: string): string | undefined {
  const m = /^@\/dataSets\/(.+)$/.exec(ref.trim());
  return m?.[1];
}

function dedupeById<T extends { id: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(i.id) ? false : (seen.add(i.id), true)));
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
