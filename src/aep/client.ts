/**
 * The one AEP client, one API per section over the HTTP core (http.ts).
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
import { bodyOfText, readHttpError, toAepFailure, unexpectedResponse } from './errors';
import { flowServiceApi } from './flow-service';
import {
  OFFSET_PAGE_SIZE,
  collection,
  createAepHttp,
  exchange,
  withToken,
  type AepClientDeps,
  type AepHttp,
} from './http';
import {
  catalogRefsSchema,
  createdMappingSetSchema,
  datasetMapSchema,
  mappingSetPageSchema,
  mappingSetSchema,
  xdmSchemaSchema,
} from './schemas';
import { createTokenProvider } from './token';
import type { CreateDatasetBody, CreateMappingSetBody, SendToInletArgs } from './schemas';

export type AepClient = ReturnType<typeof createAepClient>;
export type { AepClientConfig } from './http';
export { nameFilter, encodePropertyFilter, resolveNextPage } from './flow-service';

export function createAepClient(deps: AepClientDeps) {
  const http = createAepHttp({ ...deps, tokens: deps.tokens ?? createTokenProvider(deps) });
  const { inletHttp, tokens } = http;
  return {
    ...flowServiceApi(http),
    ...catalogApi(http),
    ...dataPrepApi(http),

    /** The schema with this `$id` (or `meta:altId`); null when absent. */
    async getSchema(sandbox: string, schemaId: string, signal?: AbortSignal) {
      return http.getOne(xdmSchemaSchema, {
        operation: 'schemaregistry.getSchema',
        resource: schemaId,
        path: `data/foundation/schemaregistry/${schemaContainer(schemaId)}/schemas/${encodeURIComponent(schemaId)}`,
        route: `data/foundation/schemaregistry/${schemaContainer(schemaId)}/schemas/{id}`,
        headers: { accept: 'application/vnd.adobe.xed+json; version=1' },
        sandbox,
        signal,
      });
    },

    /** One record to the inlet (DCS): no sandbox header (the URL says org and sandbox). */
    async sendToInlet({ inletUrl, flowId, record, authenticated, signal }: SendToInletArgs) {
      const context = { operation: 'inlet.send', resource: flowId };
      const route = { method: 'post', route: 'collection/{id}', operation: context.operation };
      try {
        const send = (token?: string) =>
          exchange(route, (requestId) =>
            inletHttp.post(inletUrl, {
              json: record,
              ...(signal ? { signal } : {}),
              headers: {
                ...requestId,
                'x-adobe-flow-id': flowId,
                ...(token ? { authorization: `Bearer ${token}` } : {}),
              },
            }),
          );
        // DCS answers 401 (tutorial) or 403 (batch doc) for an expired token.
        const response = authenticated
          ? await withToken(tokens, signal, send, [401, 403])
          : await send();
        if (!response.ok) throw await readHttpError(response);
        return { status: response.status, body: bodyOfText(await response.text()) };
      } catch (err) {
        throw toAepFailure(err, context);
      }
    },
  };
}

/** Adobe-owned schemas live in the global container, everything else in the tenant's. */
export function schemaContainer(schemaId: string): 'global' | 'tenant' {
  return /^https?:\/\/ns\.adobe\.com\/xdm\//i.test(schemaId) ? 'global' : 'tenant';
}

function catalogApi(http: AepHttp) {
  const datasets = collection('catalog', 'data/foundation/catalog/dataSets');
  return {
    async createDataset(sandbox: string, body: CreateDatasetBody, signal?: AbortSignal) {
      const call = datasets.call('createDataset', sandbox, signal, body.name);
      const res = await http.platform({ ...call, method: 'post', json: body });
      const id = http
        .parse(catalogRefsSchema, res, call)
        .map((ref) => /^@\/dataSets\/(.+)$/.exec(ref.trim())?.[1])
        .find((x) => x !== undefined);
      if (!id) throw unexpectedResponse(res.status, 'no dataset id returned', call);
      return { id };
    },

    async getDataset(sandbox: string, id: string, signal?: AbortSignal) {
      const call = datasets.item('getDataset', id, sandbox, signal);
      const found = await http.getOne(datasetMapSchema, call);
      return found?.find((d) => d.id === id) ?? null;
    },

    async findDatasets(sandbox: string, q: { name: string }, signal?: AbortSignal) {
      const call = datasets.call('findDatasets', sandbox, signal, q.name);
      const found = await http.offsetPages(
        call,
        // Catalog `property=` values are literal up to the end of the parameter (no any-of
        // splitting, no quote stripping), unlike Flow Service's: send the name as is.
        ({ limit, start }) => ({ property: `name==${q.name}`, limit, start }),
        (res) => {
          const page = http.parse(datasetMapSchema, res, call);
          return { items: page, last: page.length < OFFSET_PAGE_SIZE };
        },
      );
      // Exact match on our side too: Catalog filter semantics (wildcards, quoting) vary.
      return found.filter((d) => d.name === q.name);
    },

    async deleteDataset(sandbox: string, id: string, signal?: AbortSignal) {
      // Catalog answers 200 `["@/dataSets/{id}"]`, or 200 `[]` when nothing matched.
      return http.deleteOne(datasets.item('deleteDataset', id, sandbox, signal), (body) => {
        const refs = catalogRefsSchema.safeParse(body);
        return refs.success && refs.data.length === 0;
      });
    },
  };
}

function dataPrepApi(http: AepHttp) {
  const mappingSets = collection('dataprep', 'data/foundation/conversion/mappingSets');
  return {
    async createMappingSet(sandbox: string, body: CreateMappingSetBody, signal?: AbortSignal) {
      const call = mappingSets.call('createMappingSet', sandbox, signal, body.name);
      return http.send(createdMappingSetSchema, { ...call, method: 'post', json: body });
    },

    /** `PUT /mappingSets/{id}`: the body becomes the set's next version (`version` + 1). */
    async updateMappingSet(
      sandbox: string,
      id: string,
      body: CreateMappingSetBody,
      signal?: AbortSignal,
    ) {
      const call = mappingSets.item('updateMappingSet', id, sandbox, signal);
      return http.send(createdMappingSetSchema, { ...call, method: 'put', json: body });
    },

    /** The set's latest version; null when absent. */
    async getMappingSet(sandbox: string, id: string, signal?: AbortSignal) {
      return http.getOne(mappingSetSchema, mappingSets.item('getMappingSet', id, sandbox, signal));
    },

    async findMappingSets(sandbox: string, q: { name: string }, signal?: AbortSignal) {
      const call = mappingSets.call('findMappingSets', sandbox, signal, q.name);
      const found = await http.offsetPages(
        call,
        // `limit` and `start` are both required by Data Prep.
        (page) => ({ ...page, name: q.name }),
        (res) => {
          const page = http.parse(mappingSetPageSchema, res, call);
          // A short page ends the list, unless the server caps pages below our limit and says so
          // (`_page.limit`) or links a next page: stopping early would hide an owned mapping set.
          const pageSize = Math.min(OFFSET_PAGE_SIZE, page._page?.limit ?? OFFSET_PAGE_SIZE);
          const last =
            page.data.length === 0 || (page.data.length < pageSize && !page._links?.next);
          return { items: page.data, last };
        },
      );
      return found.filter((m) => m.name === q.name);
    },

    async deleteMappingSet(sandbox: string, id: string, signal?: AbortSignal) {
      return http.deleteOne(mappingSets.item('deleteMappingSet', id, sandbox, signal));
    },
  };
}
