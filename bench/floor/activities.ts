/**
 * The floor's activities: one per AEP call of the tutorial, plain HTTP (bench/sequential.ts's
 * calls), one IMS token per worker process kept at module level until shortly before it expires,
 * and one read of what a re-run must find (a local activity in the workflow). No lookups by
 * ownership, no attempt deadlines, no response schemas, no logging: the plainest activities that
 * do the same calls.
 */
import {
  DATA_LAKE_SPEC,
  HTTP_API_SPEC,
  plainCall,
  tutorial,
  type SequentialRequest,
  type SequentialTarget,
} from '../sequential';

export type FloorRequest = SequentialRequest;

/** What the read found by name: each kind's id, or undefined. */
export interface Existing {
  schemaFound: boolean;
  baseConnectionId?: string;
  targetConnectionId?: string;
  mappingSetId?: string;
  flowId?: string;
  datasetId?: string;
}

type Named = { id: string; name?: string };

/** The id of the first item named exactly `name`. */
const idNamed = (items: Named[], name: string) => items.find((i) => i.name === name)?.id;

export function createFloorActivities(t: SequentialTarget) {
  const call = plainCall(t.url);
  let token: { value: Promise<string>; until: number } | undefined;
  /** Headers with the process's token; a new one a minute before it expires (or after a failure). */
  const headers = async (sandbox: string) => {
    if (!token || Date.now() > token.until) {
      const value = tutorial.token(call, t).then(({ token: value, expiresInMs }) => {
        if (token) token.until = Date.now() + expiresInMs - 60_000;
        return value;
      });
      token = { value, until: Number.POSITIVE_INFINITY };
      void value.catch(() => (token = undefined));
    }
    return tutorial.headers(t, await token.value, sandbox);
  };
  const flowService = (kind: string, name: string, spec?: string) => {
    const q = new URLSearchParams({ property: `name==${name}` });
    if (spec) q.append('property', `connectionSpec.id==${spec}`);
    q.set('limit', '100');
    return `/data/foundation/flowservice/${kind}?${q.toString()}`;
  };

  return {
    /**
     * What a re-run must find, all at once (the product's plan reads the same six): the schema,
     * and base connection, target connection, mapping set, flow and dataset by name.
     */
    async readExisting(r: FloorRequest): Promise<Existing> {
      const h = await headers(r.sandbox);
      const list = async (path: string) =>
        ((await call('GET', path, { headers: h })) as { items: Named[] }).items;
      const [schemaFound, bases, targets, mappingSets, flows, datasets] = await Promise.all([
        call('GET', tutorial.schemaPath(r.schemaId), {
          headers: { ...h, accept: tutorial.schemaAccept },
        }).then(
          () => true,
          (err: Error) => (/ → 404:/.test(err.message) ? false : Promise.reject(err)),
        ),
        list(flowService('connections', r.name, HTTP_API_SPEC.id)),
        list(flowService('targetConnections', r.name, DATA_LAKE_SPEC.id)),
        call(
          'GET',
          `/data/foundation/conversion/mappingSets?${new URLSearchParams({ limit: '100', start: '0', name: r.name }).toString()}`,
          { headers: h },
        ).then((page) => (page as { data: Named[] }).data),
        list(flowService('flows', r.name)),
        call(
          'GET',
          `/data/foundation/catalog/dataSets?${new URLSearchParams({ property: `name==${r.datasetName}`, limit: '100', start: '0' }).toString()}`,
          { headers: h },
        ).then((map) =>
          Object.entries((map ?? {}) as Record<string, { name?: string }>).map(([id, d]) => ({
            id,
            name: d.name,
          })),
        ),
      ]);
      return {
        schemaFound,
        baseConnectionId: idNamed(bases, r.name),
        targetConnectionId: idNamed(targets, r.name),
        mappingSetId: idNamed(mappingSets, r.name),
        flowId: idNamed(flows, r.name),
        datasetId: idNamed(datasets, r.datasetName),
      };
    },

    async createDataset(r: FloorRequest): Promise<string> {
      return tutorial.dataset(call, await headers(r.sandbox), r);
    },

    async createBaseConnection(r: FloorRequest): Promise<string> {
      return tutorial.baseConnection(call, await headers(r.sandbox), r.name);
    },

    /** The inlet URL; none yet is an error, so the default retry policy waits for it. */
    async getInletUrl(r: { sandbox: string; baseConnectionId: string }): Promise<string> {
      const url = await tutorial.inletUrl(call, await headers(r.sandbox), r.baseConnectionId);
      if (url === '') throw new Error(`base connection ${r.baseConnectionId} has no inlet yet`);
      return url;
    },

    async createSourceConnection(r: FloorRequest & { baseConnectionId: string }): Promise<string> {
      return tutorial.sourceConnection(call, await headers(r.sandbox), r.name, r.baseConnectionId);
    },

    async createTargetConnection(r: FloorRequest & { datasetId: string }): Promise<string> {
      return tutorial.targetConnection(call, await headers(r.sandbox), r, r.datasetId);
    },

    async createMappingSet(r: FloorRequest): Promise<{ id: string; version: number }> {
      return tutorial.mappingSet(call, await headers(r.sandbox), r, r.name);
    },

    async createFlow(f: {
      sandbox: string;
      name: string;
      sourceConnectionId: string;
      targetConnectionId: string;
      mappingId: string;
      mappingVersion: number;
    }): Promise<string> {
      return tutorial.flow(call, await headers(f.sandbox), f);
    },
  };
}

export type FloorActivities = ReturnType<typeof createFloorActivities>;
