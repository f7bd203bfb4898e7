/**
 * Replays every curl of Adobe's HTTP API streaming tutorial (the seed the project started from,
 * kept outside this repository, in the steering repository's shared/seeds/) in order against the
 * emulator, chaining the ids each answer returns into the next request, and
 * checks each documented status and body shape. Placeholders: {TENANT}=acme, {SANDBOX_NAME}=prod,
 * {SOURCE_ID} = a source id of ours; hosts platform.adobe.io / dcs.adobedc.net = the emulator.
 */
import type { RunningEmulator } from '../../emulator';
import { http, Platform, SCHEMA_ID, useEmulator } from './helpers';

let emu: RunningEmulator;
// The tutorial fetches its own token (step 1), so the helper's client is not used.
let api: Platform;
useEmulator({}, (s) => ({ emu } = s));

const ETAG_RE = /^"[0-9a-f]{8}-0000-0200-0000-[0-9a-f]{12}"$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Ids returned along the way, as the tutorial's reader would copy them. */
const ids: Record<string, string> = {};

const connectionRequest = (name: string, params: Record<string, unknown>) => ({
  name,
  description: 'ACME streaming connection for customer data',
  connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' },
  auth: { specName: 'Streaming Connection', params },
});

function expectCreated(res: { status: number; body: { id: string; etag: string } }) {
  expect(res.status).toBe(201);
  expect(Object.keys(res.body).sort()).toEqual(['etag', 'id']);
  expect(res.body.id).toMatch(UUID_RE);
  expect(res.body.etag).toMatch(ETAG_RE);
}

test('0. IMS: client-credentials token', async () => {
  const res = await http(`${emu.url}/ims/token/v3`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    raw: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.credentials.clientId,
      client_secret: emu.credentials.clientSecret,
      scope: 'openid,AdobeID,read_organizations,additional_info.projectedProductContext,session',
    }).toString(),
  });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    access_token: expect.any(String),
    token_type: 'bearer',
    expires_in: 86399,
  });
  expect(res.body.access_token.length).toBeGreaterThanOrEqual(32);
  api = new Platform(emu, res.body.access_token, 'prod');
});

test('1. POST /connections — unauthenticated base connection, XDM and raw', async () => {
  const xdm = await api.post(
    '/data/foundation/flowservice/connections',
    connectionRequest('ACME Streaming Connection XDM Data', { dataType: 'xdm' }),
  );
  expectCreated(xdm);
  ids.xdmBase = xdm.body.id;
  const raw = await api.post(
    '/data/foundation/flowservice/connections',
    connectionRequest('ACME Streaming Connection Raw Data', { dataType: 'raw' }),
  );
  expectCreated(raw);
  ids.rawBase = raw.body.id;
  expect(raw.body.id).not.toBe(xdm.body.id);
});

test('2. POST /connections — authenticated base connection, XDM and raw', async () => {
  const xdm = await api.post(
    '/data/foundation/flowservice/connections',
    connectionRequest('ACME Streaming Connection XDM Data Authenticated', {
      sourceId: 'acme-source-xdm',
      dataType: 'xdm',
      name: 'Sample connection',
      authenticationRequired: true,
    }),
  );
  expectCreated(xdm);
  ids.authXdmBase = xdm.body.id;
  const raw = await api.post(
    '/data/foundation/flowservice/connections',
    connectionRequest('ACME Streaming Connection Raw Data Authenticated', {
      sourceId: 'Sample connection',
      dataType: 'raw',
      name: 'Sample connection',
      authenticationRequired: true,
    }),
  );
  expectCreated(raw);
  ids.authRawBase = raw.body.id;
});

test('3. GET /connections/{BASE_CONNECTION_ID} — the streaming endpoint URL', async () => {
  const res = await api.get(`/data/foundation/flowservice/connections/${ids.xdmBase}`);
  expect(res.status).toBe(200);
  expect(res.body.items).toHaveLength(1);
  const item = res.body.items[0];
  expect(item).toMatchObject({
    id: ids.xdmBase,
    createdAt: expect.any(Number),
    updatedAt: expect.any(Number),
    createdBy: expect.any(String),
    updatedBy: expect.any(String),
    createdClient: emu.credentials.clientId,
    updatedClient: emu.credentials.clientId,
    sandboxId: expect.stringMatching(UUID_RE),
    sandboxName: 'prod',
    imsOrgId: emu.credentials.orgId,
    name: 'ACME Streaming Connection XDM Data',
    description: 'ACME streaming connection for customer data',
    connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' },
    state: 'enabled',
    auth: {
      specName: 'Streaming Connection',
      params: {
        sourceId: 'ACME Streaming Connection XDM Data',
        authenticationRequired: false,
        dataType: 'xdm',
        name: 'ACME Streaming Connection XDM Data',
      },
    },
  });
  expect(item.version).toBe(item.etag);
  expect(item.etag).toMatch(ETAG_RE);
  const { inletId, inletUrl } = item.auth.params;
  expect(inletId).toMatch(/^[0-9a-f]{64}$/);
  expect(inletUrl).toBe(`${emu.url}/collection/${inletId}`);
  ids.xdmInlet = inletId;

  const auth = await api.get(`/data/foundation/flowservice/connections/${ids.authXdmBase}`);
  expect(auth.body.items[0].auth.params).toMatchObject({
    sourceId: 'acme-source-xdm',
    name: 'Sample connection',
    authenticationRequired: true,
  });
  ids.authXdmInlet = auth.body.items[0].auth.params.inletId;
  const raw = await api.get(`/data/foundation/flowservice/connections/${ids.rawBase}`);
  ids.rawInlet = raw.body.items[0].auth.params.inletId;
  expect(ids.rawInlet).not.toBe(ids.xdmInlet);
});

test('4. POST /sourceConnections', async () => {
  const res = await api.post('/data/foundation/flowservice/sourceConnections', {
    name: 'ACME Streaming Source Connection for Customer Data',
    description: 'A streaming source connection for ACME XDM Customer Data',
    baseConnectionId: ids.xdmBase,
    connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' },
  });
  expectCreated(res);
  ids.source = res.body.id;
});

test('5. target schema exists (Schema Registry) and a target dataset is created (Catalog)', async () => {
  const schema = await api.get(
    `/data/foundation/schemaregistry/tenant/schemas/${encodeURIComponent(SCHEMA_ID)}`,
    {
      accept: 'application/vnd.adobe.xed-full+json; version=1',
    },
  );
  expect(schema.status).toBe(200);
  expect(schema.body.$id).toBe(SCHEMA_ID);
  expect(schema.body['meta:altId']).toBe(
    '_acme.schemas.7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1',
  );

  const ds = await api.post('/data/foundation/catalog/dataSets?requestDataSource=true', {
    name: 'ACME Streaming Dataset',
    schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
  });
  expect(ds.status).toBe(201);
  expect(ds.body).toEqual([expect.stringMatching(/^@\/dataSets\/[0-9a-f]{24}$/)]);
  ids.dataset = ds.body[0].replace('@/dataSets/', '');
});

test('6. POST /targetConnections (data lake)', async () => {
  const res = await api.post('/data/foundation/flowservice/targetConnections', {
    name: 'ACME Streaming Target Connection',
    description: 'ACME Streaming Target Connection',
    data: { schema: { id: SCHEMA_ID, version: 'application/vnd.adobe.xed-full+json;version=1.0' } },
    params: { dataSetId: ids.dataset },
    connectionSpec: { id: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c', version: '1.0' },
  });
  expectCreated(res);
  ids.target = res.body.id;
});

test('7. POST /data/foundation/mappingSets (the tutorial path) → 200', async () => {
  const res = await api.post('/data/foundation/mappingSets', {
    version: 0,
    xdmSchema: SCHEMA_ID,
    xdmVersion: '1.0',
    mappings: [
      {
        destinationXdmPath: 'person.name.firstName',
        sourceAttribute: 'firstName',
        identity: false,
        version: 0,
      },
      {
        destinationXdmPath: 'person.name.lastName',
        sourceAttribute: 'lastName',
        identity: false,
        version: 0,
      },
    ],
  });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    id: expect.stringMatching(/^[0-9a-f]{32}$/),
    version: 0,
    createdDate: expect.any(Number),
    modifiedDate: expect.any(Number),
    createdBy: expect.any(String),
    modifiedBy: expect.any(String),
  });
  ids.mapping = res.body.id;
  // The same set is visible on Data Prep's documented path.
  const got = await api.get(`/data/foundation/conversion/mappingSets/${ids.mapping}`);
  expect(got.status).toBe(200);
  expect(
    got.body.mappings.map((m: { destinationXdmPath: string }) => m.destinationXdmPath),
  ).toEqual(['person.name.firstName', 'person.name.lastName']);
});

test('8. POST /flows — without and with transformations', async () => {
  const plain = await api.post('/data/foundation/flowservice/flows', {
    name: 'ACME Streaming Dataflow',
    description: 'ACME streaming dataflow for customer data',
    flowSpec: { id: 'd8a6f005-7eaf-4153-983e-e8574508b877', version: '1.0' },
    sourceConnectionIds: [ids.source],
    targetConnectionIds: [ids.target],
  });
  expectCreated(plain);
  ids.flow = plain.body.id;

  const mapped = await api.post('/data/foundation/flowservice/flows', {
    name: 'ACME Streaming Dataflow with mapping',
    description: 'with transformations',
    flowSpec: { id: 'c1a19761-d2c7-4702-b9fa-fe91f0613e81', version: '1.0' },
    sourceConnectionIds: [ids.source],
    targetConnectionIds: [ids.target],
    transformations: [{ name: 'Mapping', params: { mappingId: ids.mapping, mappingVersion: 0 } }],
  });
  expectCreated(mapped);
  ids.mappedFlow = mapped.body.id;

  const got = await api.get(`/data/foundation/flowservice/flows/${ids.mappedFlow}`);
  expect(got.body.items[0]).toMatchObject({
    state: 'enabled',
    sourceConnectionIds: [ids.source],
    targetConnectionIds: [ids.target],
    transformations: [{ name: 'Mapping', params: { mappingId: ids.mapping, mappingVersion: 0 } }],
  });
});

test('9. POST /collection/{inletId} — XDM record', async () => {
  const res = await http(`${emu.url}/collection/${ids.xdmInlet}`, {
    method: 'POST',
    headers: { 'x-adobe-flow-id': ids.flow! },
    body: {
      header: {
        schemaRef: {
          id: SCHEMA_ID,
          contentType: 'application/vnd.adobe.xed-full-notext+json; version=1.0',
        },
        flowId: ids.flow,
        datasetId: ids.dataset,
      },
      body: {
        xdmMeta: {
          schemaRef: {
            id: SCHEMA_ID,
            contentType: 'application/vnd.adobe.xed-full-notext+json; version=1.0',
          },
        },
        xdmEntity: {
          _id: 'http-source-connector-acme-01',
          person: { name: { firstName: 'suman', lastName: 'nolan' } },
          workEmail: { primary: true, address: 'suman@acme.com', type: 'work', status: 'active' },
        },
      },
    },
  });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    inletId: ids.xdmInlet,
    xactionId: expect.stringMatching(/^\d+:\d+:\d+$/),
    receivedTimeMs: expect.any(Number),
  });
  const records = await emu.control.records({ inletId: ids.xdmInlet });
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({
    flowId: ids.flow,
    xactionId: res.body.xactionId,
    dataType: 'xdm',
  });
});

test('10. POST /collection/{inletId} — raw record', async () => {
  // The tutorial's raw example names a flow (1f086c23-…) it never creates; a raw record must be
  // routed by a flow on the raw base connection, so the chain gets one (mapping raw → XDM).
  const source = await api.post('/data/foundation/flowservice/sourceConnections', {
    name: 'ACME raw source',
    baseConnectionId: ids.rawBase,
    connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' },
  });
  const flow = await api.post('/data/foundation/flowservice/flows', {
    name: 'ACME raw dataflow',
    flowSpec: { id: 'c1a19761-d2c7-4702-b9fa-fe91f0613e81', version: '1.0' },
    sourceConnectionIds: [source.body.id],
    targetConnectionIds: [ids.target],
    transformations: [{ name: 'Mapping', params: { mappingId: ids.mapping, mappingVersion: 0 } }],
  });
  expect(flow.status).toBe(201);
  const res = await http(`${emu.url}/collection/${ids.rawInlet}`, {
    method: 'POST',
    headers: { 'x-adobe-flow-id': flow.body.id },
    body: {
      name: 'Johnson Smith',
      location: {
        city: 'Seattle',
        country: 'United State of America',
        address: '3692 Main Street',
      },
      gender: 'Male',
      birthday: { year: 1984, month: 6, day: 9 },
    },
  });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    inletId: ids.rawInlet,
    xactionId: expect.any(String),
    receivedTimeMs: expect.any(Number),
  });
  const records = await emu.control.records({ flowId: flow.body.id });
  expect(records.map((r) => r.message)).toEqual([
    expect.objectContaining({ name: 'Johnson Smith' }),
  ]);
});

test('11. appendix: authenticated inlet without Authorization → 401 with a string status', async () => {
  const res = await http(`${emu.url}/collection/${ids.authXdmInlet}`, {
    method: 'POST',
    body: { header: {}, body: {} },
  });
  expect(res.status).toBe(401);
  expect(res.body).toEqual({
    type: 'https://ns.adobe.com/adobecloud/problem/data-collection-service-authorization',
    status: '401',
    title: 'Authorization',
    report: { message: `[${ids.authXdmInlet}] Ims service token is empty` },
  });
});
