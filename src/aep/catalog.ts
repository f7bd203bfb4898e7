/** Catalog: datasets (create, get, exact-name lookup over all pages, tolerant delete). */
import { collection, deleteOne, getOne, offsetPages } from './calls';
import { CATALOG_PATH, unexpected, type AepHttp } from './http';
import { catalogRefsSchema, datasetMapSchema } from './schemas';
import type { CreateDatasetBody, Dataset, DeleteOutcome } from './types';

/** Catalog caps pages at 100. */
const PAGE_SIZE = 100;

export interface CatalogApi {
  createDataset(
    sandbox: string,
    body: CreateDatasetBody,
    signal?: AbortSignal,
  ): Promise<{ id: string }>;
  getDataset(sandbox: string, id: string, signal?: AbortSignal): Promise<Dataset | null>;
  /** Every dataset whose name is exactly `name` (all pages). */
  findDatasets(sandbox: string, q: { name: string }, signal?: AbortSignal): Promise<Dataset[]>;
  deleteDataset(sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome>;
}

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
          params.set('limit', String(PAGE_SIZE));
          params.set('start', String(start));
          return params;
        },
        (res) => {
          const page = http.parse(datasetMapSchema, res, call);
          return { items: page, last: page.length < PAGE_SIZE };
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
