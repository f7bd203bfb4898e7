/** Catalog: datasets (create, get, exact-name lookup over all pages, tolerant delete). */
import type { CatalogApi } from './api';
import { OFFSET_PAGE_SIZE, collection, deleteOne, getOne, offsetPages } from './calls';
import { CATALOG_PATH, unexpected, type AepHttp } from './http';
import { catalogRefsSchema, datasetMapSchema } from './schemas';

export function catalogApi(http: AepHttp): CatalogApi {
  const datasets = collection('catalog', `${CATALOG_PATH}/dataSets`);

  return {
    async createDataset(sandbox, body, signal) {
      const call = datasets.call('createDataset', sandbox, signal, body.name);
      const res = await http.platform({ ...call, method: 'post', json: body });
      const id = http
        .parse(catalogRefsSchema, res, call)
        .map(catalogRefId)
        .find((x) => x !== undefined);
      if (!id) unexpected(res.status, 'no dataset id returned', call);
      return { id };
    },

    async getDataset(sandbox, id, signal) {
      const found = await getOne(
        http,
        datasetMapSchema,
        datasets.item('getDataset', id, sandbox, signal),
      );
      return found?.find((d) => d.id === id) ?? null;
    },

    async findDatasets(sandbox, q, signal) {
      const call = datasets.call('findDatasets', sandbox, signal, q.name);
      const found = await offsetPages(
        http,
        call,
        (start) => {
          const params = new URLSearchParams();
          // Catalog `property=` values are literal up to the end of the parameter (no any-of
          // splitting, no quote stripping), unlike Flow Service's: send the name as is.
          params.append('property', `name==${q.name}`);
          params.set('limit', String(OFFSET_PAGE_SIZE));
          params.set('start', String(start));
          return params;
        },
        (res) => {
          const page = http.parse(datasetMapSchema, res, call);
          return { items: page, last: page.length < OFFSET_PAGE_SIZE };
        },
      );
      // Exact match on our side too: Catalog filter semantics (wildcards, quoting) vary.
      return found.filter((d) => d.name === q.name);
    },

    async deleteDataset(sandbox, id, signal) {
      // Catalog answers 200 `["@/dataSets/{id}"]`, or 200 `[]` when nothing matched.
      return deleteOne(http, datasets.item('deleteDataset', id, sandbox, signal), (body) => {
        const refs = catalogRefsSchema.safeParse(body);
        return refs.success && refs.data.length === 0;
      });
    },
  };
}

function catalogRefId(ref: string): string | undefined {
  return /^@\/dataSets\/(.+)$/.exec(ref.trim())?.[1];
}
