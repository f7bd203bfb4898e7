/**
 * The one AEP client, one section per API over the HTTP core (http.ts). Contract (every method):
 * - Does I/O: activities only; workflows import at most the `AepClient` type.
 * - One HTTP attempt per call (ky `retry: 0`, a `timeout` on the response headers): Temporal's
 *   activity retry policy is the only retry loop, failures are mapped by `toAepFailure`. The
 *   exception: a refused token (401 from Platform, 401/403 from an authenticated inlet) is
 *   dropped and the call repeated once with a fresh one.
 * - `signal` is the activity's cancellation: it aborts the request, its reason rethrown unmapped.
 * - Creates are NOT idempotent on Platform (names are not unique): callers look up first
 *   (`find*`). Gets return null on 404, deletes `'absent'` (so compensation can be retried), and
 *   PATCHes carry the etag in `If-Match` (a stale one fails as AepConflict, 412).
 * - Bearer tokens go only to the Platform URL and, when asked, to the inlet URL.
 */
import { type z } from 'zod';
import type { ResourceKind } from '../shared/model';
import { SPEC } from './constants';
import { bodyOfText, isInvalidQueryValue, readHttpError, toAepFailure } from './errors';
import { unexpectedResponse } from './errors';
import { MAX_PAGES, OFFSET_PAGE_SIZE, collection, createAepHttp, exchange } from './http';
import { offsetPages, withToken, type AepClientDeps, type AepHttp } from './http';
import * as S from './schemas';
import { encodePropertyFilter } from './schemas';

export type AepClient = ReturnType<typeof createAepClient>;
export type { AepClientConfig } from './http';
export { encodePropertyFilter, nameFilter } from './schemas';

const FLOW_SERVICE = 'data/foundation/flowservice';

export function createAepClient(deps: AepClientDeps) {
  const http = createAepHttp(deps);
  const { inletHttp, tokens } = http;
  const httpApi = SPEC.httpApiConnection.id;
  const lake = SPEC.dataLake.id;
  /** Each resource kind's create, get, delete and `find` (by exact name). */
  const kinds = {
    baseConnection: flowKind(http, 'Connection', S.baseConnectionSchema, httpApi),
    sourceConnection: flowKind(http, 'SourceConnection', S.sourceConnectionSchema, httpApi),
    targetConnection: flowKind(http, 'TargetConnection', S.targetConnectionSchema, lake),
    flow: flowKind(http, 'Flow', S.flowSchema),
    mappingSet: dataPrepApi(http),
    dataset: catalogApi(http),
  } satisfies Record<ResourceKind, object>;
  const flows = collection('flowservice', `${FLOW_SERVICE}/flows`);
  return {
    kinds,
    ...named('Connection', kinds.baseConnection),
    ...named('SourceConnection', kinds.sourceConnection),
    ...named('TargetConnection', kinds.targetConnection),
    ...named('Flow', kinds.flow),
    ...named('MappingSet', kinds.mappingSet),
    ...named('Dataset', kinds.dataset),
    /** Flow runs (`/runs`), filtered like the other lists (`flowId`, `createdAt>=…`). */
    listRuns: flowKind(http, 'Run', S.flowRunSchema).list,

    flowAction(sandbox: string, id: string, action: 'enable' | 'disable', signal?: AbortSignal) {
      const call = flows(`${action}Flow`, sandbox, signal, { id, method: 'post' });
      const searchParams = new URLSearchParams({ op: action });
      const at = { path: `${call.path}/action`, route: `${call.route}/action`, searchParams };
      return http.send(S.createdSchema, { ...call, ...at });
    },

    /** The schema with this `$id` (or `meta:altId`); null when absent. */
    getSchema: (sandbox: string, schemaId: string, signal?: AbortSignal) => {
      const path = `data/foundation/schemaregistry/${schemaContainer(schemaId)}/schemas`;
      const headers = { accept: 'application/vnd.adobe.xed+json; version=1' };
      const schemas = collection('schemaregistry', path);
      const call = schemas('getSchema', sandbox, signal, { id: schemaId, headers });
      return http.getOne(S.xdmSchemaSchema, call);
    },

    /** One record to the inlet (DCS): no sandbox header (the URL says org and sandbox). */
    async sendToInlet({ inletUrl, flowId, record, authenticated, signal }: S.SendToInletArgs) {
      const operation = 'inlet.send';
      try {
        const post = (token?: string) =>
          exchange({ method: 'post', route: 'collection/{id}', operation }, (requestId) =>
            inletHttp.post(inletUrl, {
              json: record,
              signal,
              headers: {
                ...requestId,
                'x-adobe-flow-id': flowId,
                ...(token ? { authorization: `Bearer ${token}` } : {}),
              },
            }),
          );
        // DCS answers 401 (tutorial) or 403 (batch doc) for an expired token.
        const response = authenticated
          ? await withToken(tokens, signal, [401, 403], post)
          : await post();
        if (!response.ok) throw await readHttpError(response);
        return { status: response.status, body: bodyOfText(await response.text()) };
      } catch (err) {
        throw toAepFailure(err, { operation, resource: flowId });
      }
    },
  };
}

/** What creates each Flow Service kind. */
interface FlowBodies {
  Connection: S.CreateBaseConnectionBody;
  SourceConnection: S.CreateSourceConnectionBody;
  TargetConnection: S.CreateTargetConnectionBody;
  Flow: S.CreateFlowBody;
  Run: never;
}

/** `create` on kind `Flow` is `createFlow`, `list` is `listFlows`. */
type Named<L extends string, M> = {
  [K in keyof M & string as K extends 'list' | 'find' ? `${K}${L}s` : `${K}${L}`]: M[K];
};

function named<L extends string, M extends object>(label: L, calls: M) {
  const plural = (k: string) => (k === 'list' || k === 'find' ? 's' : '');
  const entries = Object.entries(calls as Record<string, unknown>).map(([k, f]) => [
    `${k}${label}${plural(k)}`,
    f,
  ]);
  return Object.fromEntries(entries) as Named<L, M>;
}

/**
 * The calls on Flow Service kind `label` (collection `/connections` for `Connection`); `find`
 * lists those of connection spec `spec`.
 */
function flowKind<L extends keyof FlowBodies, Item extends { id: string; name?: string }>(
  http: AepHttp,
  label: L,
  item: z.ZodType<Item>,
  spec?: string,
) {
  const path = `${FLOW_SERVICE}/${label[0]!.toLowerCase()}${label.slice(1)}s`;
  const kind = collection('flowservice', path);
  const page = S.listPageSchema(item);
  const calls = {
    create(sandbox: string, body: FlowBodies[L], signal?: AbortSignal) {
      const call = kind(`create${label}`, sandbox, signal, { method: 'post', json: body });
      return http.send(S.createdSchema, call);
    },

    async get(sandbox: string, id: string, signal?: AbortSignal): Promise<Item | null> {
      const found = await http.getOne(page, kind(`get${label}`, sandbox, signal, { id }));
      return found?.items[0] ?? null;
    },

    /** Every page; `opts.limit` is only the page size asked of Platform. */
    list: async (
      sandbox: string,
      filters: S.PropertyFilter[],
      opts?: { limit?: number },
      signal?: AbortSignal,
    ): Promise<Item[]> => {
      const operation = `flowservice.list${label}s`;
      const first = new URLSearchParams();
      for (const f of filters) first.append('property', encodePropertyFilter(f));
      first.set('limit', String(opts?.limit ?? 100));
      const items: Item[] = [];
      const seen = new Set<string>();
      for (let next = { path, params: first }; ;) {
        const key = `${next.path}?${next.params.toString()}`;
        if (seen.has(key) || seen.size >= MAX_PAGES) {
          throw unexpectedResponse(200, 'pagination does not terminate', { operation });
        }
        seen.add(key);
        const call = { operation, path: next.path, route: path, sandbox, signal };
        const body = await http.send(page, { ...call, searchParams: next.params });
        items.push(...body.items);
        const href = body._links?.next?.href;
        if (!href) return items;
        next = resolveNextPage(href, first);
      }
    },

    patch(sandbox: string, id: string, etag: string, ops: S.JsonPatchOp[], signal?: AbortSignal) {
      const more = { id, method: 'patch' as const, json: ops, headers: { 'if-match': etag } };
      return http.send(S.createdSchema, kind(`patch${label}`, sandbox, signal, more));
    },

    delete: (sandbox: string, id: string, signal?: AbortSignal) =>
      http.deleteOne(kind(`delete${label}`, sandbox, signal, { id })),

    /** Listed without the name filter when Flow Service refuses it: names are matched here. */
    async find(sandbox: string, q: { name: string }, signal?: AbortSignal) {
      const more = spec ? [{ path: 'connectionSpec.id', value: spec }] : [];
      const filters = [...S.nameFilter(q.name), ...more];
      const found = await calls.list(sandbox, filters, undefined, signal).catch((err: unknown) => {
        if (filters.length === more.length || !isInvalidQueryValue(err)) throw err;
        return calls.list(sandbox, more, undefined, signal);
      });
      return found.filter((i) => i.name === q.name);
    },
  };
  return calls;
}

function catalogApi(http: AepHttp) {
  const datasets = collection('catalog', 'data/foundation/catalog/dataSets');
  return {
    async create(sandbox: string, body: S.CreateDatasetBody, signal?: AbortSignal) {
      const more = { resource: body.name, method: 'post' as const, json: body };
      const call = datasets('createDataset', sandbox, signal, more);
      const res = await http.platform(call, S.catalogRefsSchema);
      const id = res.body.map((ref) => /^@\/dataSets\/(.+)$/.exec(ref.trim())?.[1]).find(Boolean);
      if (!id) throw unexpectedResponse(res.status, 'no dataset id returned', call);
      return { id };
    },

    async get(sandbox: string, id: string, signal?: AbortSignal) {
      const call = datasets('getDataset', sandbox, signal, { id });
      return (await http.getOne(S.datasetMapSchema, call))?.find((d) => d.id === id) ?? null;
    },

    async find(sandbox: string, q: { name: string }, signal?: AbortSignal) {
      const found = await offsetPages(
        http,
        datasets('findDatasets', sandbox, signal, { resource: q.name }),
        S.datasetMapSchema,
        // Catalog `property=` values are literal up to the end of the parameter (no any-of
        // splitting, no quote stripping), unlike Flow Service's: send the name as is.
        ({ limit, start }) => ({ property: `name==${q.name}`, limit, start }),
        (page) => ({ items: page, last: page.length < OFFSET_PAGE_SIZE }),
      );
      // Exact match on our side too: Catalog filter semantics (wildcards, quoting) vary.
      return found.filter((d) => d.name === q.name);
    },

    /** Catalog answers 200 `["@/dataSets/{id}"]`, or 200 `[]` when nothing matched. */
    delete: (sandbox: string, id: string, signal?: AbortSignal) =>
      http.deleteOne(
        datasets('deleteDataset', sandbox, signal, { id }),
        (body) => S.catalogRefsSchema.safeParse(body).data?.length === 0,
      ),
  };
}

function dataPrepApi(http: AepHttp) {
  const sets = collection('dataprep', 'data/foundation/conversion/mappingSets');
  return {
    create(sandbox: string, body: S.CreateMappingSetBody, signal?: AbortSignal) {
      const more = { resource: body.name, method: 'post' as const, json: body };
      return http.send(S.createdMappingSetSchema, sets('createMappingSet', sandbox, signal, more));
    },

    /** `PUT /mappingSets/{id}`: the body becomes the set's next version (`version` + 1). */
    update(sandbox: string, id: string, body: S.CreateMappingSetBody, signal?: AbortSignal) {
      const call = sets('updateMappingSet', sandbox, signal, { id, method: 'put', json: body });
      return http.send(S.createdMappingSetSchema, call);
    },

    /** The set's latest version; null when absent. */
    get: (sandbox: string, id: string, signal?: AbortSignal) =>
      http.getOne(S.mappingSetSchema, sets('getMappingSet', sandbox, signal, { id })),

    async find(sandbox: string, q: { name: string }, signal?: AbortSignal) {
      const found = await offsetPages(
        http,
        sets('findMappingSets', sandbox, signal, { resource: q.name }),
        S.mappingSetPageSchema,
        // `limit` and `start` are both required by Data Prep.
        (page) => ({ ...page, name: q.name }),
        ({ data, _page, _links }) => {
          // A short page ends the list, unless the server caps pages below our limit and says so
          // (`_page.limit`) or links a next page: stopping early would hide an owned mapping set.
          const size = Math.min(OFFSET_PAGE_SIZE, _page?.limit ?? OFFSET_PAGE_SIZE);
          return { items: data, last: !data.length || (data.length < size && !_links?.next) };
        },
      );
      return found.filter((m) => m.name === q.name);
    },

    delete: (sandbox: string, id: string, signal?: AbortSignal) =>
      http.deleteOne(sets('deleteMappingSet', sandbox, signal, { id })),
  };
}

/** Adobe-owned schemas live in the global container, everything else in the tenant's. */
export function schemaContainer(schemaId: string): 'global' | 'tenant' {
  return /^https?:\/\/ns\.adobe\.com\/xdm\//i.test(schemaId) ? 'global' : 'tenant';
}

/**
 * The next page from `_links.next.href`: of an absolute href only path and query are used, so the
 * token never follows a link to another host; parameters it omits are carried over from the first.
 */
export function resolveNextPage(href: string, firstParams: URLSearchParams) {
  const rel = href.startsWith('/') ? href : `/${href}`;
  const full = rel.startsWith(`/${FLOW_SERVICE}/`) ? rel : `/${FLOW_SERVICE}${rel}`;
  const url = new URL(/^https?:\/\//i.test(href) ? href : full, 'http://flowservice.invalid');
  const params = new URLSearchParams(url.search);
  for (const [k, v] of firstParams) if (!params.has(k)) params.append(k, v);
  return { path: url.pathname.replace(/^\/+/, ''), params };
}
