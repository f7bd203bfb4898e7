/**
 * Data Prep: mapping sets (create, versioned update with PUT, get a version, exact-name lookup
 * over all pages, tolerant delete).
 */
import { DATA_PREP_PATH, dedupeById, MAX_PAGES, type AepHttp } from './http';
import { createdMappingSetSchema, mappingSetPageSchema, mappingSetSchema } from './schemas';
import type { CreatedMappingSet, CreateMappingSetBody, DeleteOutcome, MappingSet } from './types';

/** Data Prep caps pages at 100. */
const PAGE_SIZE = 100;

export function dataPrepApi({ platform, parse }: AepHttp) {
  const base = `${DATA_PREP_PATH}/mappingSets`;
  const item = (id: string) => `${base}/${encodeURIComponent(id)}`;

  return {
    async createMappingSet(
      sandbox: string,
      body: CreateMappingSetBody,
      signal?: AbortSignal,
    ): Promise<CreatedMappingSet> {
      const ctx = { operation: 'dataprep.createMappingSet', resource: body.name };
      const res = await platform({
        ...ctx,
        method: 'post',
        path: base,
        json: body,
        sandbox,
        signal,
      });
      return parse(createdMappingSetSchema, res, ctx);
    },

    /**
     * `PUT /mappingSets/{id}`: Data Prep stores the body as the set's next version and answers
     * the set with `version` incremented.
     */
    async updateMappingSet(
      sandbox: string,
      id: string,
      body: CreateMappingSetBody,
      signal?: AbortSignal,
    ): Promise<CreatedMappingSet> {
      const ctx = { operation: 'dataprep.updateMappingSet', resource: id };
      const res = await platform({
        ...ctx,
        method: 'put',
        path: item(id),
        json: body,
        sandbox,
        signal,
      });
      return parse(createdMappingSetSchema, res, ctx);
    },

    /** The set's latest version, or `version` when given; null when absent. */
    async getMappingSet(
      sandbox: string,
      id: string,
      signal?: AbortSignal,
      version?: number,
    ): Promise<MappingSet | null> {
      const ctx = { operation: 'dataprep.getMappingSet', resource: id };
      const res = await platform({
        ...ctx,
        method: 'get',
        path: item(id),
        ...(version !== undefined
          ? { searchParams: new URLSearchParams({ version: String(version) }) }
          : {}),
        sandbox,
        signal,
        allow: [404],
      });
      if (res.status === 404) return null;
      return parse(mappingSetSchema, res, ctx);
    },

    /** Every mapping set whose name is exactly `name` (all pages). */
    async findMappingSets(
      sandbox: string,
      q: { name: string },
      signal?: AbortSignal,
    ): Promise<MappingSet[]> {
      const ctx = { operation: 'dataprep.findMappingSets', resource: q.name };
      const out: MappingSet[] = [];
      for (let start = 0, pages = 0; pages < MAX_PAGES; pages++) {
        // `limit` and `start` are both required by Data Prep.
        const params = new URLSearchParams({
          limit: String(PAGE_SIZE),
          start: String(start),
          name: q.name,
        });
        const res = await platform({
          ...ctx,
          method: 'get',
          path: base,
          searchParams: params,
          sandbox,
          signal,
        });
        const page = parse(mappingSetPageSchema, res, ctx);
        out.push(...page.data);
        // A short page ends the list, unless the server caps pages below our limit and says so
        // (`_page.limit`) or links a next page: stopping early would hide an owned mapping set.
        const pageSize = Math.min(PAGE_SIZE, page._page?.limit ?? PAGE_SIZE);
        if (page.data.length === 0) break;
        if (page.data.length < pageSize && !page._links?.next) break;
        start += page.data.length;
      }
      return dedupeById(out).filter((m) => m.name === q.name);
    },

    async deleteMappingSet(
      sandbox: string,
      id: string,
      signal?: AbortSignal,
    ): Promise<DeleteOutcome> {
      const res = await platform({
        operation: 'dataprep.deleteMappingSet',
        resource: id,
        method: 'delete',
        path: item(id),
        sandbox,
        signal,
        allow: [404],
      });
      return res.status === 404 ? 'absent' : 'deleted';
    },
  };
}
