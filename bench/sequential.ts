/**
 * The sequential baseline: what a shell script or the aepp wrapper does to provision one HTTP API
 * streaming source — the tutorial's calls one after another with plain HTTP, no lookups, no
 * retries, no compensation. Adobe's order: IMS token, schema check, dataset, base connection,
 * GET the base connection (inlet URL), source connection, target connection, mapping set, flow.
 */

export interface SequentialTarget {
  /** One origin for IMS and Platform (the emulator). */
  url: string;
  clientId: string;
  clientSecret: string;
  orgId: string;
  scopes: string;
}

export interface SequentialRequest {
  sandbox: string;
  name: string;
  schemaId: string;
  datasetName: string;
  mappings: Array<{ sourceAttribute: string; destinationXdmPath: string }>;
}

export interface SequentialResult {
  ms: number;
  calls: number;
  /** Each call, in ms since the script started (for the timeline picture). */
  steps: Array<{ label: string; startMs: number; endMs: number }>;
  flowId: string;
  inletUrl: string;
}

export const HTTP_API_SPEC = { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' };
export const DATA_LAKE_SPEC = { id: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c', version: '1.0' };
const FLOW_SPEC_MAPPING = { id: 'c1a19761-d2c7-4702-b9fa-fe91f0613e81', version: '1.0' };
const XDM_FULL = 'application/vnd.adobe.xed-full+json;version=1.0';

/** One plain HTTP call: `path` under the target's origin, JSON or form body, JSON answer. */
export type Call = (
  method: string,
  path: string,
  init?: { json?: unknown; headers?: Record<string, string>; form?: URLSearchParams },
) => Promise<unknown>;

/** A `Call` against `url` with fetch; a non-2xx answer throws with its status and body. */
export function plainCall(url: string, onCall?: (method: string, path: string) => void): Call {
  return async (method, path, init = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...init.headers,
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.form ?? (init.json === undefined ? undefined : JSON.stringify(init.json)),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    onCall?.(method, path);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
}

/** The tutorial's calls, one function each (the sequential script and the floor phase). */
export const tutorial = {
  /** An IMS access token (client credentials) and how long it lives (`expires_in` is seconds). */
  async token(call: Call, t: SequentialTarget): Promise<{ token: string; expiresInMs: number }> {
    const res = (await call('POST', '/ims/token/v3', {
      form: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: t.clientId,
        client_secret: t.clientSecret,
        scope: t.scopes,
      }),
    })) as { access_token: string; expires_in?: number };
    return { token: res.access_token, expiresInMs: (res.expires_in ?? 3600) * 1000 };
  },

  /** Platform headers of one sandbox. */
  headers(t: SequentialTarget, token: string, sandbox: string): Record<string, string> {
    return {
      authorization: `Bearer ${token}`,
      'x-api-key': t.clientId,
      'x-gw-ims-org-id': t.orgId,
      'x-sandbox-name': sandbox,
    };
  },

  /** The target XDM schema (404 throws). */
  schemaPath: (schemaId: string) =>
    `/data/foundation/schemaregistry/tenant/schemas/${encodeURIComponent(schemaId)}`,
  schemaAccept: 'application/vnd.adobe.xed+json; version=1',

  async dataset(call: Call, headers: Record<string, string>, r: SequentialRequest) {
    const refs = (await call('POST', '/data/foundation/catalog/dataSets?requestDataSource=true', {
      headers,
      json: {
        name: r.datasetName,
        schemaRef: { id: r.schemaId, contentType: 'application/vnd.adobe.xed+json;version=1' },
        fileDescription: { persisted: true, containerFormat: 'parquet', format: 'parquet' },
      },
    })) as string[];
    return (refs[0] ?? '').replace(/^@\/dataSets\//, '');
  },

  async baseConnection(call: Call, headers: Record<string, string>, name: string) {
    const base = (await call('POST', '/data/foundation/flowservice/connections', {
      headers,
      json: {
        name,
        connectionSpec: HTTP_API_SPEC,
        auth: { specName: 'Streaming Connection', params: { dataType: 'raw', name } },
      },
    })) as { id: string };
    return base.id;
  },

  /** The base connection read back: its inlet URL ('' when it has none yet). */
  async inletUrl(call: Call, headers: Record<string, string>, baseConnectionId: string) {
    const conn = (await call(
      'GET',
      `/data/foundation/flowservice/connections/${baseConnectionId}`,
      {
        headers,
      },
    )) as { items: Array<{ auth: { params: { inletUrl?: string } } }> };
    return conn.items[0]?.auth.params.inletUrl ?? '';
  },

  async sourceConnection(
    call: Call,
    headers: Record<string, string>,
    name: string,
    baseConnectionId: string,
  ) {
    const source = (await call('POST', '/data/foundation/flowservice/sourceConnections', {
      headers,
      json: { name, baseConnectionId, connectionSpec: HTTP_API_SPEC },
    })) as { id: string };
    return source.id;
  },

  async targetConnection(
    call: Call,
    headers: Record<string, string>,
    r: Pick<SequentialRequest, 'name' | 'schemaId'>,
    datasetId: string,
  ) {
    const target = (await call('POST', '/data/foundation/flowservice/targetConnections', {
      headers,
      json: {
        name: r.name,
        data: { format: 'json', schema: { id: r.schemaId, version: XDM_FULL } },
        params: { dataSetId: datasetId },
        connectionSpec: DATA_LAKE_SPEC,
      },
    })) as { id: string };
    return target.id;
  },

  /** The Data Prep mapping set (the tutorial's format), named when `name` is given. */
  async mappingSet(
    call: Call,
    headers: Record<string, string>,
    r: Pick<SequentialRequest, 'schemaId' | 'mappings'>,
    name?: string,
  ) {
    return (await call('POST', '/data/foundation/conversion/mappingSets', {
      headers,
      json: {
        ...(name === undefined ? {} : { name }),
        version: 0,
        xdmSchema: r.schemaId,
        xdmVersion: '1.0',
        mappings: r.mappings.map((m) => ({ ...m, identity: false, version: 0 })),
      },
    })) as { id: string; version: number };
  },

  /** The dataflow with the Mapping transformation. */
  async flow(
    call: Call,
    headers: Record<string, string>,
    f: {
      name: string;
      sourceConnectionId: string;
      targetConnectionId: string;
      mappingId: string;
      mappingVersion: number;
    },
  ) {
    const flow = (await call('POST', '/data/foundation/flowservice/flows', {
      headers,
      json: {
        name: f.name,
        flowSpec: FLOW_SPEC_MAPPING,
        sourceConnectionIds: [f.sourceConnectionId],
        targetConnectionIds: [f.targetConnectionId],
        transformations: [
          { name: 'Mapping', params: { mappingId: f.mappingId, mappingVersion: f.mappingVersion } },
        ],
      },
    })) as { id: string };
    return flow.id;
  },
};

export async function provisionSequentially(
  t: SequentialTarget,
  r: SequentialRequest,
): Promise<SequentialResult> {
  const started = performance.now();
  let calls = 0;
  const steps: SequentialResult['steps'] = [];
  let startMs = 0;
  const send = plainCall(t.url, (method, path) =>
    steps.push({ label: stepLabel(method, path), startMs, endMs: performance.now() - started }),
  );
  // Calls go one at a time, so the one in flight is the one that started last.
  const call: Call = (method, path, init) => {
    calls += 1;
    startMs = performance.now() - started;
    return send(method, path, init);
  };

  // 1. IMS token (a script starts without one).
  const { token } = await tutorial.token(call, t);
  const headers = tutorial.headers(t, token, r.sandbox);

  // 2. The target XDM schema exists.
  await call('GET', tutorial.schemaPath(r.schemaId), {
    headers: { ...headers, accept: tutorial.schemaAccept },
  });

  // 3. Dataset bound to the schema.
  const datasetId = await tutorial.dataset(call, headers, r);

  // 4. Base connection, then 5. read it back for the inlet URL.
  const baseId = await tutorial.baseConnection(call, headers, r.name);
  const inletUrl = await tutorial.inletUrl(call, headers, baseId);

  // 6. Source connection.
  const sourceConnectionId = await tutorial.sourceConnection(call, headers, r.name, baseId);

  // 7. Target connection to the dataset.
  const targetConnectionId = await tutorial.targetConnection(call, headers, r, datasetId);

  // 8. Data Prep mapping set (the tutorial's format).
  const mapping = await tutorial.mappingSet(call, headers, r);

  // 9. The dataflow with the Mapping transformation.
  const flowId = await tutorial.flow(call, headers, {
    name: r.name,
    sourceConnectionId,
    targetConnectionId,
    mappingId: mapping.id,
    mappingVersion: mapping.version,
  });

  return { ms: performance.now() - started, calls, steps, flowId, inletUrl };
}

/** "POST connections", "GET schemas": the call's method and its resource, without ids. */
function stepLabel(method: string, path: string): string {
  const parts = path
    .split('?')[0]!
    .split('/')
    .filter((p) => p !== '');
  const named = parts.filter((p) => /^[a-zA-Z]+$/.test(p) && p.length < 20);
  return `${method} ${named[named.length - 1] ?? path}`;
}
