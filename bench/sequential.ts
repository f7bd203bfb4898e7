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

const HTTP_API_SPEC = { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' };
const DATA_LAKE_SPEC = { id: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c', version: '1.0' };
const FLOW_SPEC_MAPPING = { id: 'c1a19761-d2c7-4702-b9fa-fe91f0613e81', version: '1.0' };
const XDM_FULL = 'application/vnd.adobe.xed-full+json;version=1.0';

export async function provisionSequentially(
  t: SequentialTarget,
  r: SequentialRequest,
): Promise<SequentialResult> {
  const started = performance.now();
  let calls = 0;
  const steps: SequentialResult['steps'] = [];
  const call = async (
    method: string,
    path: string,
    init: { json?: unknown; headers?: Record<string, string>; form?: URLSearchParams } = {},
  ): Promise<unknown> => {
    calls += 1;
    const startMs = performance.now() - started;
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: {
        ...init.headers,
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.form ?? (init.json === undefined ? undefined : JSON.stringify(init.json)),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    steps.push({ label: stepLabel(method, path), startMs, endMs: performance.now() - started });
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };

  // 1. IMS token (a script starts without one).
  const token = (await call('POST', '/ims/token/v3', {
    form: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: t.clientId,
      client_secret: t.clientSecret,
      scope: t.scopes,
    }),
  })) as { access_token: string };
  const headers = {
    authorization: `Bearer ${token.access_token}`,
    'x-api-key': t.clientId,
    'x-gw-ims-org-id': t.orgId,
    'x-sandbox-name': r.sandbox,
  };

  // 2. The target XDM schema exists.
  await call(
    'GET',
    `/data/foundation/schemaregistry/tenant/schemas/${encodeURIComponent(r.schemaId)}`,
    { headers: { ...headers, accept: 'application/vnd.adobe.xed+json; version=1' } },
  );

  // 3. Dataset bound to the schema.
  const datasetRefs = (await call(
    'POST',
    '/data/foundation/catalog/dataSets?requestDataSource=true',
    {
      headers,
      json: {
        name: r.datasetName,
        schemaRef: { id: r.schemaId, contentType: 'application/vnd.adobe.xed+json;version=1' },
        fileDescription: { persisted: true, containerFormat: 'parquet', format: 'parquet' },
      },
    },
  )) as string[];
  const datasetId = (datasetRefs[0] ?? '').replace(/^@\/dataSets\//, '');

  // 4. Base connection, then 5. read it back for the inlet URL.
  const base = (await call('POST', '/data/foundation/flowservice/connections', {
    headers,
    json: {
      name: r.name,
      connectionSpec: HTTP_API_SPEC,
      auth: { specName: 'Streaming Connection', params: { dataType: 'raw', name: r.name } },
    },
  })) as { id: string };
  const conn = (await call('GET', `/data/foundation/flowservice/connections/${base.id}`, {
    headers,
  })) as { items: Array<{ auth: { params: { inletUrl: string } } }> };
  const inletUrl = conn.items[0]?.auth.params.inletUrl ?? '';

  // 6. Source connection.
  const source = (await call('POST', '/data/foundation/flowservice/sourceConnections', {
    headers,
    json: { name: r.name, baseConnectionId: base.id, connectionSpec: HTTP_API_SPEC },
  })) as { id: string };

  // 7. Target connection to the dataset.
  const target = (await call('POST', '/data/foundation/flowservice/targetConnections', {
    headers,
    json: {
      name: r.name,
      data: { format: 'json', schema: { id: r.schemaId, version: XDM_FULL } },
      params: { dataSetId: datasetId },
      connectionSpec: DATA_LAKE_SPEC,
    },
  })) as { id: string };

  // 8. Data Prep mapping set (the tutorial's format).
  const mapping = (await call('POST', '/data/foundation/conversion/mappingSets', {
    headers,
    json: {
      version: 0,
      xdmSchema: r.schemaId,
      xdmVersion: '1.0',
      mappings: r.mappings.map((m) => ({ ...m, identity: false, version: 0 })),
    },
  })) as { id: string; version: number };

  // 9. The dataflow with the Mapping transformation.
  const flow = (await call('POST', '/data/foundation/flowservice/flows', {
    headers,
    json: {
      name: r.name,
      flowSpec: FLOW_SPEC_MAPPING,
      sourceConnectionIds: [source.id],
      targetConnectionIds: [target.id],
      transformations: [
        { name: 'Mapping', params: { mappingId: mapping.id, mappingVersion: mapping.version } },
      ],
    },
  })) as { id: string };

  return { ms: performance.now() - started, calls, steps, flowId: flow.id, inletUrl };
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
