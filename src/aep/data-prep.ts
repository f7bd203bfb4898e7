/**
 * Data Prep: mapping sets (create, versioned update with PUT, get a version, exact-name lookup
 * over all pages, tolerant delete).
 */
import type { DataPrepApi } from './api';
import { OFFSET_PAGE_SIZE, collection, deleteOne, getOne, offsetPages, send } from './calls';
import { DATA_PREP_PATH, type AepHttp } from './http';
import { createdMappingSetSchema, mappingSetPageSchema, mappingSetSchema } from './schemas';

export function dataPrepApi(http: AepHttp): DataPrepApi {
  const mappingSets = collection('dataprep', `${DATA_PREP_PATH}/mappingSets`);

  return {
    async createMappingSet(sandbox, body, signal) {
      const call = mappingSets.call('createMappingSet', sandbox, signal, body.name);
      return send(http, createdMappingSetSchema, { ...call, method: 'post', json: body });
    },

    async updateMappingSet(sandbox, id, body, signal) {
      const call = mappingSets.item('updateMappingSet', id, sandbox, signal);
      return send(http, createdMappingSetSchema, { ...call, method: 'put', json: body });
    },

    async getMappingSet(sandbox, id, signal, version) {
      const call = mappingSets.item('getMappingSet', id, sandbox, signal);
      return getOne(
        http,
        mappingSetSchema,
        version !== undefined
          ? { ...call, searchParams: new URLSearchParams({ version: String(version) }) }
          : call,
      );
    },

    async findMappingSets(sandbox, q, signal) {
      const call = mappingSets.call('findMappingSets', sandbox, signal, q.name);
      const found = await offsetPages(
        http,
        call,
        // `limit` and `start` are both required by Data Prep.
        (start) =>
          new URLSearchParams({
            limit: String(OFFSET_PAGE_SIZE),
            start: String(start),
            name: q.name,
          }),
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

    async deleteMappingSet(sandbox, id, signal) {
      return deleteOne(http, mappingSets.item('deleteMappingSet', id, sandbox, signal));
    },
  };
}
