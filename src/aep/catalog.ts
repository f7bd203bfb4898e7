/** Catalog: datasets (create, get, exact-name lookup over all pages, tolerant delete). */
import { CATALOG_PATH, dedupeById, MAX_PAGES, unexpected, type AepHttp } from './http';
import { catalogRefsSchema, datasetMapSchema } from './schemas';
import type { CreateDatasetBody, Dataset, DeleteOutcome } from './types';

/** Catalog caps pages at 100. */
const PAGE_SIZE = 100;

export function catalogApi({ platform, parse }: AepHttp) {
  const datasets = `${CATALOG_PATH}/dataSets`;
  const item = (id: string) => `${datasets}/${encodeURIComponent(id)}`;

  return {
    async createDataset(
      sandbox: string,
      body: CreateDatasetBody,
      signal?: AbortSignal,
    ): Promise<{ id: string }> {
      const ctx = { operation: 'catalog.createDataset', resource: body.name };
      const res = await platform({
        ...ctx,
        method: 'post',
        path: datasets,
        sandbox,
        json: body,
        signal,
      });
      const id = parse(catalogRefsSchema, res, ctx)
        .map(catalogRefId)
        .find((x) => x !== undefined);
      if (!id) unexpected(res.status, 'no dataset id returned', ctx);
      return { id };
    },

    async getDataset(sandbox: string, id: string, signal?: AbortSignal): Promise<Dataset | null> {
      const ctx = { operation: 'catalog.getDataset', resource: id };
      const res = await platform({
        ...ctx,
        method: 'get',
        path: item(id),
        sandbox,
        signal,
        allow: [404],
      });
      if (res.status === 404) return null;
      return parse(datasetMapSchema, res, ctx).find((d) => d.id === id) ?? null;
    },

    async findDatasets(
      sandbox: string,
      q: { name: string },
      signal?: AbortSignal,
    ): Promise<Dataset[]> {
      const ctx = { operation: 'catalog.findDatasets', resource: q.name };
      const out: Dataset[] = [];
      for (let start = 0, pages = 0; pages < MAX_PAGES; pages++) {
        const params = new URLSearchParams();
        // Catalog `property=` values are literal up to the end of the parameter (no any-of
        // splitting, no quote stripping), unlike Flow Service's: send the name as is.
        params.append('property', `name==${q.name}`);
        params.set('limit', String(PAGE_SIZE));
        params.set('start', String(start));
        const res = await platform({
          ...ctx,
          method: 'get',
          path: datasets,
          searchParams: params,
          sandbox,
          signal,
        });
        const page = parse(datasetMapSchema, res, ctx);
        out.push(...page);
        if (page.length < PAGE_SIZE) break;
        start += page.length;
      }
      // Exact match on our side too: Catalog filter semantics (wildcards, quoting) vary.
      return dedupeById(out).filter((d) => d.name === q.name);
    },

    async deleteDataset(sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome> {
      const ctx = { operation: 'catalog.deleteDataset', resource: id };
      const res = await platform({
        ...ctx,
        method: 'delete',
        path: item(id),
        sandbox,
        signal,
        allow: [404],
      });
      if (res.status === 404) return 'absent';
      // Catalog answers 200 `["@/dataSets/{id}"]`, or 200 `[]` when nothing matched.
      const refs = catalogRefsSchema.safeParse(res.body);
      return refs.success && refs.data.length === 0 ? 'absent' : 'deleted';
    },
  };
}

function catalogRefId(ref: string): string | undefined {
  return /^@\/dataSets\/(.+)$/.exec(ref.trim())?.[1];
}
