/**
 * The client against the real AEP emulator (emulator): the provisioning chain, deletes,
 * paging, exact name filters, token expiry and injected faults.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createAepClient, nameFilter, type AepClient } from '../../src/aep/client';
import { AEP_IDS, XDM_DATASET_CONTENT_TYPE, XDM_FULL_CONTENT_TYPE } from '../../src/aep/constants';
import { aepFailureDetails } from '../../src/aep/errors';
import { createTokenProvider, type TokenProvider } from '../../src/aep/http';
import { Secret } from '../../src/config/fields';
import type { CreateBaseConnectionBody } from '../../src/aep/schemas';
import { startEmulator } from '../../emulator';
import { FailureType } from '../../src/shared/names';
import { rejectionOf } from './helpers';

const SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';
const SANDBOX = 'prod';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

let emu: Emulator;
let tokens: TokenProvider;
let aep: AepClient;

function configFor(e: Emulator) {
  return {
    AEP_PLATFORM_URL: e.url,
    AEP_IMS_URL: e.url,
    AEP_CLIENT_ID: e.credentials.clientId,
    AEP_CLIENT_SECRET: new Secret(e.credentials.clientSecret),
    AEP_ORG_ID: e.credentials.orgId,
    AEP_SCOPES: 'openid,AdobeID,read_organizations,additional_info.projectedProductContext,session',
    AEP_REQUEST_TIMEOUT_MS: 5_000,
  };
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  tokens = createTokenProvider({ config: configFor(emu) });
  aep = createAepClient({ config: configFor(emu), tokens });
});
afterAll(async () => {
  await emu?.close();
});
afterEach(async () => {
  await emu.control.clearFaults();
});

let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

const baseConnectionBody = (
  name: string,
  opts: { dataType?: 'xdm' | 'raw'; authenticationRequired?: boolean; description?: string } = {},
): CreateBaseConnectionBody => ({
  name,
  ...(opts.description ? { description: opts.description } : {}),
  connectionSpec: { id: AEP_IDS.httpApiConnectionSpec, version: '1.0' },
  auth: {
    specName: 'Streaming Connection',
    params: {
      dataType: opts.dataType ?? 'raw',
      ...(opts.authenticationRequired ? { authenticationRequired: true } : {}),
    },
  },
});

/** Platform may publish the inlet URL shortly after creation: re-read until it is there. */
/** A Flow Service resource as the emulator stores it (the client reads these kinds by list only). */
async function stored(kind: 'sourceConnection' | 'targetConnection', id: string) {
  return (await emu.control.resources({ kind, sandbox: SANDBOX })).find((r) => r.id === id);
}

async function waitForInletUrl(id: string): Promise<{ inletUrl: string; inletId?: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const conn = await aep.getConnection(SANDBOX, id);
    const params = conn?.auth?.params;
    if (params?.inletUrl)
      return { inletUrl: params.inletUrl, ...(params.inletId ? { inletId: params.inletId } : {}) };
    if (Date.now() > deadline) throw new Error(`inletUrl of ${id} never appeared`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function expectFailure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await rejectionOf(() => p);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

test('schema lookup: the seeded tenant schema exists, an unknown one is null', async () => {
  const schema = await aep.getSchema(SANDBOX, SCHEMA_ID);
  expect(schema?.$id).toBe(SCHEMA_ID);
  expect(typeof schema?.title).toBe('string');
  expect(await aep.getSchema(SANDBOX, 'https://ns.adobe.com/acme/schemas/doesnotexist')).toBeNull();
});

test('happy path: the whole provisioning chain, inlet send, then deletes and 404 → absent', async () => {
  const name = unique('chain');

  // Target side: dataset bound to the seeded schema.
  const { id: datasetId } = await aep.createDataset(SANDBOX, {
    name,
    description: 'client chain test',
    schemaRef: { id: SCHEMA_ID, contentType: XDM_DATASET_CONTENT_TYPE },
  });
  expect(datasetId).toMatch(/^[0-9a-f]{24}$/);
  const dataset = await aep.getDataset(SANDBOX, datasetId);
  expect(dataset).toMatchObject({ id: datasetId, name, schemaRef: { id: SCHEMA_ID } });
  expect((await aep.findDatasets(SANDBOX, { name })).map((d) => d.id)).toEqual([datasetId]);

  // Source side: authenticated raw base connection, its inlet, the source connection.
  const base = await aep.createConnection(
    SANDBOX,
    baseConnectionBody(name, { dataType: 'raw', authenticationRequired: true }),
  );
  expect(base.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(base.etag).toMatch(/^".+"$/);
  const { inletUrl, inletId } = await waitForInletUrl(base.id);
  expect(inletUrl.startsWith(`${emu.url}/collection/`)).toBe(true);
  expect(inletId && inletUrl.endsWith(inletId)).toBe(true);
  const conn = await aep.getConnection(SANDBOX, base.id);
  expect(conn?.auth?.params).toMatchObject({ authenticationRequired: true, dataType: 'raw' });

  const source = await aep.createSourceConnection(SANDBOX, {
    name,
    baseConnectionId: base.id,
    connectionSpec: { id: AEP_IDS.httpApiConnectionSpec, version: '1.0' },
    data: { format: 'json' },
  });
  expect(await stored('sourceConnection', source.id)).toMatchObject({
    id: source.id,
    body: { baseConnectionId: base.id },
  });

  const target = await aep.createTargetConnection(SANDBOX, {
    name,
    data: { format: 'json', schema: { id: SCHEMA_ID, version: XDM_FULL_CONTENT_TYPE } },
    params: { dataSetId: datasetId },
    connectionSpec: { id: AEP_IDS.dataLakeConnectionSpec, version: '1.0' },
  });
  expect(await stored('targetConnection', target.id)).toMatchObject({
    id: target.id,
    body: { params: { dataSetId: datasetId } },
  });

  const mapping = await aep.createMappingSet(SANDBOX, {
    name,
    version: 0,
    xdmSchema: SCHEMA_ID,
    xdmVersion: '1.0',
    mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id', identity: false, version: 0 }],
  });
  expect(mapping.version).toBe(0);
  expect(await aep.getMappingSet(SANDBOX, mapping.id)).toMatchObject({ id: mapping.id });
  expect((await aep.findMappingSets(SANDBOX, { name })).map((m) => m.id)).toEqual([mapping.id]);

  const flow = await aep.createFlow(SANDBOX, {
    name,
    flowSpec: { id: AEP_IDS.streamingMappingFlowSpec, version: '1.0' },
    sourceConnectionIds: [source.id],
    targetConnectionIds: [target.id],
    transformations: [{ name: 'Mapping', params: { mappingId: mapping.id, mappingVersion: 0 } }],
  });
  const gotFlow = await aep.getFlow(SANDBOX, flow.id);
  expect(gotFlow).toMatchObject({
    id: flow.id,
    name,
    sourceConnectionIds: [source.id],
    targetConnectionIds: [target.id],
  });
  expect((await aep.listFlows(SANDBOX, [{ path: 'name', value: name }])).map((f) => f.id)).toEqual([
    flow.id,
  ]);
  expect(
    (await aep.listFlows(SANDBOX, [{ path: 'sourceConnectionIds[]', value: [source.id] }])).map(
      (f) => f.id,
    ),
  ).toEqual([flow.id]);

  // The authenticated inlet takes a record with a token and refuses one without.
  const sent = await aep.sendToInlet({
    inletUrl,
    flowId: flow.id,
    record: { id: 'r1', firstName: 'Ada' },
    authenticated: true,
  });
  expect(sent.status).toBe(200);
  expect(sent.body).toMatchObject({ inletId });
  // Tokens expired on Adobe's side: the inlet refuses the cached one, the client refreshes once.
  await emu.control.expireTokens();
  const imsBefore = (await emu.control.stats()).requests['POST /ims/token/v3'] ?? 0;
  const resent = await aep.sendToInlet({
    inletUrl,
    flowId: flow.id,
    record: { id: 'r1b', firstName: 'Ada' },
    authenticated: true,
  });
  expect(resent.status).toBe(200);
  expect(((await emu.control.stats()).requests['POST /ims/token/v3'] ?? 0) - imsBefore).toBe(1);

  const refused = await expectFailure(
    aep.sendToInlet({ inletUrl, flowId: flow.id, record: { id: 'r2' }, authenticated: false }),
  );
  expect(refused.type).toBe(FailureType.AepUnauthorized);
  expect(refused.nonRetryable).toBe(true);

  // Teardown in dependency order; every delete is tolerant of a second run.
  const deletes = [
    () => aep.deleteFlow(SANDBOX, flow.id),
    () => aep.deleteSourceConnection(SANDBOX, source.id),
    () => aep.deleteTargetConnection(SANDBOX, target.id),
    () => aep.deleteConnection(SANDBOX, base.id),
    () => aep.deleteMappingSet(SANDBOX, mapping.id),
    () => aep.deleteDataset(SANDBOX, datasetId),
  ];
  for (const del of deletes) expect(await del()).toBe('deleted');
  for (const del of deletes) expect(await del()).toBe('absent');

  expect(await aep.getFlow(SANDBOX, flow.id)).toBeNull();
  expect(await stored('sourceConnection', source.id)).toBeUndefined();
  expect(await stored('targetConnection', target.id)).toBeUndefined();
  expect(await aep.getConnection(SANDBOX, base.id)).toBeNull();
  expect(await aep.getMappingSet(SANDBOX, mapping.id)).toBeNull();
  expect(await aep.getDataset(SANDBOX, datasetId)).toBeNull();

  const leftovers = (await emu.control.resources({ sandbox: SANDBOX })).filter(
    (r) => r.kind !== 'schema' && r.name === name,
  );
  expect(leftovers).toEqual([]);
});

test('a base connection used by a flow cannot be deleted first (AepBadRequest, retryable: the flow may be on its way out)', async () => {
  const name = unique('order');
  const base = await aep.createConnection(SANDBOX, baseConnectionBody(name));
  const source = await aep.createSourceConnection(SANDBOX, {
    name,
    baseConnectionId: base.id,
    connectionSpec: { id: AEP_IDS.httpApiConnectionSpec, version: '1.0' },
  });
  const { id: datasetId } = await aep.createDataset(SANDBOX, {
    name,
    schemaRef: { id: SCHEMA_ID, contentType: XDM_DATASET_CONTENT_TYPE },
  });
  const target = await aep.createTargetConnection(SANDBOX, {
    name,
    data: { schema: { id: SCHEMA_ID, version: XDM_FULL_CONTENT_TYPE } },
    params: { dataSetId: datasetId },
    connectionSpec: { id: AEP_IDS.dataLakeConnectionSpec, version: '1.0' },
  });
  const flow = await aep.createFlow(SANDBOX, {
    name,
    flowSpec: { id: AEP_IDS.streamingFlowSpec, version: '1.0' },
    sourceConnectionIds: [source.id],
    targetConnectionIds: [target.id],
  });
  const f = await expectFailure(aep.deleteConnection(SANDBOX, base.id));
  expect(f.type).toBe(FailureType.AepBadRequest);
  expect(f.nonRetryable).toBe(false);
  expect(f.message).toContain('1418-400');

  expect(await aep.deleteFlow(SANDBOX, flow.id)).toBe('deleted');
  expect(await aep.deleteSourceConnection(SANDBOX, source.id)).toBe('deleted');
  expect(await aep.deleteTargetConnection(SANDBOX, target.id)).toBe('deleted');
  expect(await aep.deleteConnection(SANDBOX, base.id)).toBe('deleted');
  expect(await aep.deleteDataset(SANDBOX, datasetId)).toBe('deleted');
});

test('paging: more items than one page are all listed, each once', async () => {
  const marker = unique('paging');
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const name = `${marker}-${String(i).padStart(2, '0')}`;
    ids.push(
      (await aep.createConnection(SANDBOX, baseConnectionBody(name, { description: marker }))).id,
    );
  }
  const before =
    (await emu.control.stats()).requests['GET /data/foundation/flowservice/connections'] ?? 0;
  const listed = await aep.listConnections(SANDBOX, [{ path: 'description', value: marker }], {
    limit: 5,
  });
  const after =
    (await emu.control.stats()).requests['GET /data/foundation/flowservice/connections'] ?? 0;
  expect(listed.map((c) => c.id).sort()).toEqual([...ids].sort());
  expect(after - before).toBe(3);

  // Any-of (array) values are sent unquoted and comma-joined.
  const some = await aep.listConnections(SANDBOX, [{ path: 'id', value: [ids[0]!, ids[11]!] }]);
  expect(some.map((c) => c.id).sort()).toEqual([ids[0], ids[11]].sort());

  for (const id of ids) expect(await aep.deleteConnection(SANDBOX, id)).toBe('deleted');
});

test('paging: Catalog and Data Prep finds walk past their 100-item pages', async () => {
  const name = unique('many');
  const datasetIds = new Set<string>();
  const mappingIds = new Set<string>();
  for (let i = 0; i < 105; i++) {
    datasetIds.add(
      (
        await aep.createDataset(SANDBOX, {
          name,
          schemaRef: { id: SCHEMA_ID, contentType: XDM_DATASET_CONTENT_TYPE },
        })
      ).id,
    );
    mappingIds.add(
      (
        await aep.createMappingSet(SANDBOX, {
          name,
          version: 0,
          xdmSchema: SCHEMA_ID,
          xdmVersion: '1.0',
          mappings: [
            { sourceAttribute: 'a', destinationXdmPath: '_id', identity: false, version: 0 },
          ],
        })
      ).id,
    );
  }
  const datasets = await aep.findDatasets(SANDBOX, { name });
  expect(new Set(datasets.map((d) => d.id))).toEqual(datasetIds);
  const mappings = await aep.findMappingSets(SANDBOX, { name });
  expect(new Set(mappings.map((m) => m.id))).toEqual(mappingIds);

  for (const id of datasetIds) await aep.deleteDataset(SANDBOX, id);
  for (const id of mappingIds) await aep.deleteMappingSet(SANDBOX, id);
});

test('names with quotes, commas, &, == and unicode are found exactly', async () => {
  const tag = unique('odd');
  const names = [
    `${tag} a, b`,
    `${tag} "quoted"`,
    `${tag} x & y`,
    `${tag} k==v`,
    `${tag} ünïcødé ✓ 名前`,
    `${tag} a`, // a decoy: a prefix of the first name, and one of its comma-split parts
  ];
  const byName = new Map<string, { base: string; dataset: string; mapping: string }>();
  for (const name of names) {
    const base = (await aep.createConnection(SANDBOX, baseConnectionBody(name))).id;
    const dataset = (
      await aep.createDataset(SANDBOX, {
        name,
        schemaRef: { id: SCHEMA_ID, contentType: XDM_DATASET_CONTENT_TYPE },
      })
    ).id;
    const mapping = (
      await aep.createMappingSet(SANDBOX, {
        name,
        version: 0,
        xdmSchema: SCHEMA_ID,
        xdmVersion: '1.0',
        mappings: [
          { sourceAttribute: 'a', destinationXdmPath: '_id', identity: false, version: 0 },
        ],
      })
    ).id;
    byName.set(name, { base, dataset, mapping });
  }
  for (const [name, ids] of byName) {
    // A name with `,` or `"` is not expressible the same way under both filter readings: it is
    // left out of the filter and matched on our side (what every lookup of the activities does).
    const conns = (await aep.listConnections(SANDBOX, nameFilter(name))).filter(
      (c) => c.name === name,
    );
    expect(conns.map((c) => [c.id, c.name])).toEqual([[ids.base, name]]);
    expect((await aep.findDatasets(SANDBOX, { name })).map((d) => d.id)).toEqual([ids.dataset]);
    expect((await aep.findMappingSets(SANDBOX, { name })).map((m) => m.id)).toEqual([ids.mapping]);
  }
  for (const ids of byName.values()) {
    await aep.deleteConnection(SANDBOX, ids.base);
    await aep.deleteDataset(SANDBOX, ids.dataset);
    await aep.deleteMappingSet(SANDBOX, ids.mapping);
  }
});

test('an expired token costs one refresh and the call succeeds', async () => {
  await aep.listFlows(SANDBOX, []); // token cached
  const imsBefore = (await emu.control.stats()).requests['POST /ims/token/v3'] ?? 0;
  await emu.control.expireTokens();
  const flows = await aep.listFlows(SANDBOX, [{ path: 'name', value: unique('none') }]);
  expect(flows).toEqual([]);
  const stats = await emu.control.stats();
  expect((stats.requests['POST /ims/token/v3'] ?? 0) - imsBefore).toBe(1);
});

test('a short-lived token is refreshed before it expires (no 401 round trip)', async () => {
  const shortEmu = await startEmulator({ port: 0, tokenLifetimeSeconds: 1 });
  try {
    const client = createAepClient({ config: configFor(shortEmu) });
    await client.listFlows(SANDBOX, []);
    await new Promise((r) => setTimeout(r, 1_000)); // past the 10% margin (0.9 s)
    await client.listFlows(SANDBOX, []);
    const stats = await shortEmu.control.stats();
    expect(stats.requests['POST /ims/token/v3']).toBe(2);
    expect(stats.requests['GET /data/foundation/flowservice/flows']).toBe(2);
  } finally {
    await shortEmu.close();
  }
});

test('wrong credentials → AepUnauthorized, non-retryable', async () => {
  const bad = createAepClient({
    config: { ...configFor(emu), AEP_CLIENT_SECRET: new Secret('wrong-secret') },
  });
  const f = await expectFailure(bad.listFlows(SANDBOX, []));
  expect(f.type).toBe(FailureType.AepUnauthorized);
  expect(f.nonRetryable).toBe(true);
  expect(f.message).not.toContain('wrong-secret');
});

describe('injected faults surface as typed failures', () => {
  const connectionsPath = '/data/foundation/flowservice/connections';

  test('503 with Retry-After → AepServerError, retryable, nextRetryDelay; the next call works', async () => {
    await emu.control.addFault({
      method: 'POST',
      path: connectionsPath,
      count: 1,
      action: { type: 'status', status: 503, retryAfterSeconds: 4 },
    });
    const name = unique('fault503');
    const f = await expectFailure(aep.createConnection(SANDBOX, baseConnectionBody(name)));
    expect(f.type).toBe(FailureType.AepServerError);
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBe(4_000);
    expect(aepFailureDetails(f)).toMatchObject({
      status: 503,
      operation: 'flowservice.createConnection',
    });
    expect(await aep.listConnections(SANDBOX, [{ path: 'name', value: name }])).toEqual([]);
    const { id } = await aep.createConnection(SANDBOX, baseConnectionBody(name));
    expect(await aep.deleteConnection(SANDBOX, id)).toBe('deleted');
  });

  test('500 → AepServerError, retryable, no nextRetryDelay', async () => {
    await emu.control.addFault({
      method: 'GET',
      path: '/data/foundation/flowservice/flows',
      count: 1,
      action: { type: 'status', status: 500 },
    });
    const f = await expectFailure(aep.listFlows(SANDBOX, []));
    expect(f.type).toBe(FailureType.AepServerError);
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBeUndefined();
  });

  test('429 with Retry-After → AepRateLimited, retryable, nextRetryDelay', async () => {
    await emu.control.addFault({
      path: '/data/foundation/catalog/**',
      count: 1,
      action: { type: 'status', status: 429, retryAfterSeconds: 7 },
    });
    const f = await expectFailure(aep.findDatasets(SANDBOX, { name: 'anything' }));
    expect(f.type).toBe(FailureType.AepRateLimited);
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBe(7_000);
  });

  test('a dropped connection → AepNetworkError, retryable', async () => {
    await emu.control.addFault({
      path: '/data/foundation/conversion/mappingSets',
      count: 1,
      action: { type: 'drop' },
    });
    const f = await expectFailure(aep.findMappingSets(SANDBOX, { name: 'anything' }));
    expect(f.type).toBe(FailureType.AepNetworkError);
    expect(f.nonRetryable).toBe(false);
    expect(aepFailureDetails(f)?.status).toBeNull();
  });

  test('commit-then-fail: the create fails retryably but the resource exists (callers must look up first)', async () => {
    await emu.control.addFault({
      method: 'POST',
      path: connectionsPath,
      count: 1,
      action: { type: 'commitThenFail', mode: 'status500' },
    });
    const name = unique('ctf');
    const f = await expectFailure(aep.createConnection(SANDBOX, baseConnectionBody(name)));
    expect(f.type).toBe(FailureType.AepServerError);
    expect(f.nonRetryable).toBe(false);
    const found = await aep.listConnections(SANDBOX, [{ path: 'name', value: name }]);
    expect(found).toHaveLength(1);
    expect(await aep.deleteConnection(SANDBOX, found[0]!.id)).toBe('deleted');
  });

  test('latency beyond the request timeout → AepNetworkError (TIMEOUT)', async () => {
    const impatient = createAepClient({
      config: { ...configFor(emu), AEP_REQUEST_TIMEOUT_MS: 200 },
      tokens,
    });
    await emu.control.addFault({
      path: '/data/foundation/flowservice/flows',
      count: 1,
      action: { type: 'latency', ms: 1_000 },
    });
    const f = await expectFailure(impatient.listFlows(SANDBOX, []));
    expect(f.type).toBe(FailureType.AepNetworkError);
    expect(aepFailureDetails(f)?.code).toBe('TIMEOUT');
  });
});
