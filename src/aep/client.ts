/**
 * The one AEP client, one section per API over the HTTP core (http.ts).
 *
 * Contract (every method):
 * - Does I/O: activities only; workflows import at most the `AepClient` type.
 * - One HTTP attempt per call (ky `retry: 0`, a `timeout` on the response headers): Temporal's
 *   activity retry policy is the only retry loop, failures are mapped by `toAepFailure`. The
 *   exception: a refused token (401 from Platform, 401/403 from an authenticated inlet) is
 *   dropped and the call repeated once with a fresh one.
 * - `signal` is the activity's cancellation: it aborts the request, its reason rethrown unmapped.
 * - Creates are NOT idempotent on Platform (names are not unique): callers look up first
 *   (`list*` / `find*`). Gets return null on 404, deletes `'absent'` (so compensation can be
 *   retried), and PATCHes carry the etag in `If-Match` (a stale one fails as AepConflict, 412).
 * - Bearer tokens go only to the Platform URL and, when asked, to the inlet URL.
 */
import { type z } from 'zod';
import { bodyOfText, readHttpError, toAepFailure, unexpectedResponse } from './errors';
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
  return {
    ...flowServiceApi(http),
    ...catalogApi(http),
    ...dataPrepApi(http),

    /** The schema with this `$id` (or `meta:altId`); null when absent. */
    getSchema: (sandbox: string, schemaId: string, signal?: AbortSignal) => {
      const path = `data/foundation/schemaregistry/${schemaContainer(schemaId)}/schemas`;
      const headers = { accept: 'application/vnd.adobe.xed+json; version=1' };
      const more = { id: schemaId, headers };
      return http.getOne(
        S.xdmSchemaSchema,
        collection('schemaregistry', path)('getSchema', sandbox, signal, more),
      );
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

function flowServiceApi(http: AepHttp) {
  const flows = collection('flowservice', `${FLOW_SERVICE}/flows`);
  return {
    ...flowKind(http, 'Connection', S.baseConnectionSchema),
    ...flowKind(http, 'SourceConnection', S.sourceConnectionSchema),
    ...flowKind(http, 'TargetConnection', S.targetConnectionSchema),
    ...flowKind(http, 'Flow', S.flowSchema),
    /** Flow runs (`/runs`), filtered like the other lists (`flowId`, `createdAt>=…`). */
    listRuns: flowKind(http, 'Run', S.flowRunSchema).listRuns,

    flowAction(sandbox: string, id: string, action: 'enable' | 'disable', signal?: AbortSignal) {
      const call = flows(`${action}Flow`, sandbox, signal, { id, method: 'post' });
      const searchParams = new URLSearchParams({ op: action });
      const at = { path: `${call.path}/action`, route: `${call.route}/action`, searchParams };
      return http.send(S.createdSchema, { ...call, ...at });
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
  [K in keyof M & string as K extends 'list' ? `list${L}s` : `${K}${L}`]: M[K];
};

/** The calls on Flow Service kind `label` (collection `/connections` for `Connection`). */
function flowKind<L extends keyof FlowBodies, Item>(
  http: AepHttp,
  label: L,
  item: z.ZodType<Item>,
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
    async list(
      sandbox: string,
      filters: S.PropertyFilter[],
      opts?: { limit?: number },
      signal?: AbortSignal,
    ): Promise<Item[]> {
      const operation = `flowservice.list${label}s`;
      const first = new URLSearchParams(
        filters.map((f): [string, string] => ['property', encodePropertyFilter(f)]),
      );
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
  };
  const named = Object.entries(calls).map(([k, f]) => [
    k === 'list' ? `list${label}s` : `${k}${label}`,
    f,
  ]);
  return Object.fromEntries(named) as Named<L, typeof calls>;
}

function catalogApi(http: AepHttp) {
  const datasets = collection('catalog', 'data/foundation/catalog/dataSets');
  return {
    async createDataset(sandbox: string, body: S.CreateDatasetBody, signal?: AbortSignal) {
      const more = { resource: body.name, method: 'post' as const, json: body };
      const call = datasets('createDataset', sandbox, signal, more);
      const res = await http.platform(call, S.catalogRefsSchema);
      const ids = res.body.map((ref) => /^@\/dataSets\/(.+)$/.exec(ref.trim())?.[1]);
      const id = ids.find((x) => x !== undefined);
      if (!id) throw unexpectedResponse(res.status, 'no dataset id returned', call);
      return { id };
    },

    async getDataset(sandbox: string, id: string, signal?: AbortSignal) {
      const call = datasets('getDataset', sandbox, signal, { id });
      return (await http.getOne(S.datasetMapSchema, call))?.find((d) => d.id === id) ?? null;
    },

    async findDatasets(sandbox: string, q: { name: string }, signal?: AbortSignal) {
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
    deleteDataset: (sandbox: string, id: string, signal?: AbortSignal) =>
      http.deleteOne(
        datasets('deleteDataset', sandbox, signal, { id }),
        (body) => S.catalogRefsSchema.safeParse(body).data?.length === 0,
      ),
  };
}

function dataPrepApi(http: AepHttp) {
  const sets = collection('dataprep', 'data/foundation/conversion/mappingSets');
  return {
    createMappingSet(sandbox: string, body: S.CreateMappingSetBody, signal?: AbortSignal) {
      const more = { resource: body.name, method: 'post' as const, json: body };
      return http.send(S.createdMappingSetSchema, sets('createMappingSet', sandbox, signal, more));
    },

    /** `PUT /mappingSets/{id}`: the body becomes the set's next version (`version` + 1). */
    updateMappingSet(
      sandbox: string,
      id: string,
      body: S.CreateMappingSetBody,
      signal?: AbortSignal,
    ) {
      const call = sets('updateMappingSet', sandbox, signal, { id, method: 'put', json: body });
      return http.send(S.createdMappingSetSchema, call);
    },

    /** The set's latest version; null when absent. */
    getMappingSet: (sandbox: string, id: string, signal?: AbortSignal) =>
      http.getOne(S.mappingSetSchema, sets('getMappingSet', sandbox, signal, { id })),

    async findMappingSets(sandbox: string, q: { name: string }, signal?: AbortSignal) {
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

    deleteMappingSet: (sandbox: string, id: string, signal?: AbortSignal) =>
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
export function resolveNextPage(
  href: string,
  firstParams: URLSearchParams,
): { path: string; params: URLSearchParams } {
  const rel = href.startsWith('/') ? href : `/${href}`;
  const full = rel.startsWith(`/${FLOW_SERVICE}/`) ? rel : `/${FLOW_SERVICE}${rel}`;
  const url = new URL(/^https?:\/\//i.test(href) ? href : full, 'http://flowservice.invalid');
  const params = new URLSearchParams(url.search);
  for (const [k, v] of firstParams) if (!params.has(k)) params.append(k, v);
  return { path: url.pathname.replace(/^\/+/, ''), params };
}
