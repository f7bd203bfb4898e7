/**
 * Conformance: the request/response examples of Adobe's API docs and OpenAPI specs, replayed in
 * order against every endpoint the emulator serves. Each step sends the documented request (body,
 * headers, query) and checks the documented status, the keys of the documented response and,
 * for errors, the documented error shape. Ids returned by one step feed the next, as a reader of
 * the docs would copy them. Sources are named per step (paths in AdobeDocs/experience-platform.en,
 * specs in AdobeDocs/experience-platform-apis static/swagger-specs). The last step checks that
 * every route the emulator registers was called, so a route added without a step fails here.
 */
import type { RunningEmulator } from '../../emulator';
import {
  CATALOG,
  DATA_LAKE_SPEC,
  DATAPREP,
  FLOW,
  FLOW_SPEC_MAPPING,
  FLOW_SPEC_PLAIN,
  HTTP_API_SPEC,
  http,
  type Json,
  type Platform,
  type Res,
  SCHEMA_ID,
  SCHEMAS,
  useEmulator,
} from './helpers';

let emu: RunningEmulator;
let api: Platform;
useEmulator({}, (s) => ({ emu, api } = s));

/** Ids copied from earlier answers. */
const ids: Record<string, string> = {};

/** Every dotted path (`items.0.auth.params.inletUrl`) must exist in the body. */
function expectKeys(body: Json, paths: string[]): void {
  const missing = paths.filter((p) => {
    let node: Json = body;
    for (const part of p.split('.')) {
      if (node === null || typeof node !== 'object' || !(part in node)) return true;
      node = node[part];
    }
    return false;
  });
  expect({ missing }).toEqual({ missing: [] });
}

function expectStatus(res: Res, status: number): void {
  expect({ status: res.status, body: res.status === status ? undefined : res.body }).toEqual({
    status,
    body: undefined,
  });
}

/** Flow Service problem body (labels tutorial, error catalog). */
function expectFlowError(res: Res, code: string): void {
  expectStatus(res, Number(code.split('-')[1]));
  expect(res.body.type).toBe(`https://ns.adobe.com/aep/errors/FLOW-${code}`);
  expectKeys(res.body, [
    'title',
    'status',
    'report.detailed-message',
    'report.request-id',
    'errorMessage',
    'errorDetails',
  ]);
}

const AUDIT = ['id', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy', 'createdClient'];
const SCOPE = ['sandboxId', 'sandboxName', 'imsOrgId'];

describe('IMS and gateway (ServerToServerAuthentication/ims, landing/troubleshooting.md)', () => {
  test('POST /ims/token/v3 → 200 {access_token, token_type, expires_in}', async () => {
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
    expectStatus(res, 200);
    expectKeys(res.body, ['access_token', 'token_type', 'expires_in']);
    expect(res.body.token_type).toBe('bearer');
  });

  test('no Authorization → 403 {error_code: 403010, message}', async () => {
    const h = api.headers();
    delete h.authorization;
    const res = await http(`${emu.url}${FLOW}/connections`, { headers: h });
    expectStatus(res, 403);
    expect(res.body).toEqual({ error_code: '403010', message: 'Oauth token is missing.' });
  });
});

describe('Catalog (catalog/api/create-dataset.md, delete-object.md; catalog.yaml)', () => {
  test('POST /dataSets?requestDataSource=true → 201 ["@/dataSets/{id}"]', async () => {
    const res = await api.post(`${CATALOG}/dataSets?requestDataSource=true`, {
      name: 'LoyaltyMembersDataset',
      schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
      fileDescription: { persisted: true, containerFormat: 'parquet', format: 'parquet' },
    });
    expectStatus(res, 201);
    expect(res.body).toEqual([expect.stringMatching(/^@\/dataSets\/[0-9a-f]{24}$/)]);
    ids.dataset = String(res.body[0]).replace('@/dataSets/', '');
  });

  test('GET /dataSets/{id} → 200 {<id>: dataset}', async () => {
    const res = await api.get(`${CATALOG}/dataSets/${ids.dataset}`);
    expectStatus(res, 200);
    expectKeys(res.body[ids.dataset!], [
      'name',
      'imsOrg',
      'version',
      'created',
      'updated',
      'createdClient',
      'createdUser',
      'updatedUser',
      'tags.adobe/pqs/table',
      'schemaRef.id',
      'schemaRef.contentType',
      'files',
      'classification.dataBehavior',
      'classification.managedBy',
    ]);
  });

  test('GET /dataSets?limit=&properties= → 200 {<id>: {…projected}}', async () => {
    const res = await api.get(`${CATALOG}/dataSets?limit=5&properties=name,schemaRef`);
    expectStatus(res, 200);
    expect(Object.keys(res.body[ids.dataset!]).sort()).toEqual(['name', 'schemaRef']);
  });
});

describe('Schema Registry (xdm/api/schemas.md, troubleshooting-guide.md; schema-registry.yaml)', () => {
  test('GET /tenant/schemas/{encoded $id} with Accept xed-full → 200 schema', async () => {
    const res = await api.get(`${SCHEMAS}/tenant/schemas/${encodeURIComponent(SCHEMA_ID)}`, {
      accept: 'application/vnd.adobe.xed-full+json; version=1',
    });
    expectStatus(res, 200);
    expectKeys(res.body, ['$id', 'meta:altId', 'title', 'type']);
  });

  test('GET /tenant/schemas with Accept xed-id → 200 {results, _page, _links}', async () => {
    const res = await api.get(`${SCHEMAS}/tenant/schemas`, {
      accept: 'application/vnd.adobe.xed-id+json',
    });
    expectStatus(res, 200);
    expectKeys(res.body, ['results.0.$id', 'results.0.meta:altId', 'results.0.title', '_page']);
    expectKeys(res.body, ['_links']);
  });

  test('unknown schema → 404 XDM-1010-404 (http:// type, report.detailed-message)', async () => {
    const res = await api.get(`${SCHEMAS}/tenant/schemas/_acme.schemas.nope`, {
      accept: 'application/vnd.adobe.xed+json; version=1',
    });
    expectStatus(res, 404);
    expect(res.body.type).toBe('http://ns.adobe.com/aep/errors/XDM-1010-404');
    expectKeys(res.body, ['title', 'status', 'report.detailed-message', 'detail']);
  });

  test('lookup without Accept → 400 XDM-1007-400 (schema-registry.yaml acceptErrorLookup)', async () => {
    const res = await api.get(`${SCHEMAS}/tenant/schemas/${encodeURIComponent(SCHEMA_ID)}`);
    expectStatus(res, 400);
    expect(res.body.type).toBe('http://ns.adobe.com/aep/errors/XDM-1007-400');
  });

  test('GET /tenant/schemas/ (trailing slash, as aepp builds it) → the list, not a lookup', async () => {
    // Not in Adobe's docs (they write `/tenant/schemas`); aepp's getSchemas sends the slash.
    const res = await api.get(`${SCHEMAS}/tenant/schemas/`, {
      accept: 'application/vnd.adobe.xed-id+json',
    });
    expectStatus(res, 200);
    expectKeys(res.body, ['results.0.$id', 'results.0.meta:altId', '_page.count', '_links']);
    expect(res.body.results.map((r: Json) => r.$id)).toContain(SCHEMA_ID);
  });

  describe('global container (getting-started.md#container: list and lookup only)', () => {
    /** The emulator holds no Adobe library: one global schema is registered for these steps. */
    const GLOBAL_ID = 'https://ns.adobe.com/xdm/schemas/conformance-global';
    const GLOBAL_ALT_ID = '_xdm.schemas.conformance-global';

    beforeAll(async () => {
      await emu.control.addSchema({
        $id: GLOBAL_ID,
        'meta:altId': GLOBAL_ALT_ID,
        'meta:containerId': 'global',
        title: 'Conformance Global Schema',
        type: 'object',
        properties: { _id: { type: 'string' } },
      });
    });

    test('GET /global/schemas/{encoded $id} with Accept xed-full → 200 schema', async () => {
      const res = await api.get(`${SCHEMAS}/global/schemas/${encodeURIComponent(GLOBAL_ID)}`, {
        accept: 'application/vnd.adobe.xed-full+json; version=1',
      });
      expectStatus(res, 200);
      expectKeys(res.body, ['$id', 'meta:altId', 'title', 'type']);
      expect(res.body.$id).toBe(GLOBAL_ID);
    });

    test('a tenant schema asked for under /global → 404 XDM-1010-404 (wrong container)', async () => {
      const res = await api.get(`${SCHEMAS}/global/schemas/${encodeURIComponent(SCHEMA_ID)}`, {
        accept: 'application/vnd.adobe.xed+json; version=1',
      });
      expectStatus(res, 404);
      expect(res.body.type).toBe('http://ns.adobe.com/aep/errors/XDM-1010-404');
      expectKeys(res.body, ['title', 'status', 'report.detailed-message', 'detail']);
    });

    test('GET /global/schemas with Accept xed-id → 200 {results, _page, _links}, global only', async () => {
      const res = await api.get(`${SCHEMAS}/global/schemas`, {
        accept: 'application/vnd.adobe.xed-id+json',
      });
      expectStatus(res, 200);
      expectKeys(res.body, ['results.0.$id', 'results.0.meta:altId', 'results.0.title']);
      expectKeys(res.body, ['results.0.version', '_page.count', '_links']);
      const listed = res.body.results.map((r: Json) => r.$id);
      expect(listed).toContain(GLOBAL_ID);
      expect(listed).not.toContain(SCHEMA_ID);
    });

    test('list without Accept → 400 XDM-1006-400 (schema-registry.yaml acceptErrorList)', async () => {
      const res = await api.get(`${SCHEMAS}/global/schemas`);
      expectStatus(res, 400);
      expect(res.body.type).toBe('http://ns.adobe.com/aep/errors/XDM-1006-400');
      expectKeys(res.body, ['title', 'status', 'report.detailed-message', 'detail']);
    });

    test('GET /global/schemas/ (trailing slash) → the same list', async () => {
      const res = await api.get(`${SCHEMAS}/global/schemas/`, {
        accept: 'application/vnd.adobe.xed-id+json',
      });
      expectStatus(res, 200);
      const listed = res.body.results.map((r: Json) => r.$id);
      expect(listed).toContain(GLOBAL_ID);
      expect(listed).not.toContain(SCHEMA_ID);
    });
  });
});

describe('Data Prep (data-prep/api/mapping-set.md; data-prep.yaml)', () => {
  const body = {
    outputSchema: {
      schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed-full+json;version=1' },
    },
    mappings: [
      {
        sourceType: 'ATTRIBUTE',
        source: 'id',
        destination: '_id',
        name: 'id',
        description: 'Identifier field',
      },
      { sourceType: 'ATTRIBUTE', source: 'firstName', destination: 'person.name.firstName' },
    ],
  };

  /** What every mapping-set answer carries: its id, version and timestamps. */
  const MAPPING_SET_STAMP = ['id', 'version', 'createdDate', 'modifiedDate'];

  test('POST /mappingSets → 200 {id, version, createdDate, modifiedDate, createdBy, modifiedBy}', async () => {
    const res = await api.post(`${DATAPREP}/mappingSets`, body);
    expectStatus(res, 200);
    expectKeys(res.body, [...MAPPING_SET_STAMP, 'createdBy', 'modifiedBy']);
    expect(res.body.version).toBe(0);
    ids.mapping = res.body.id;
  });

  test('GET /mappingSets/{id} → 200 full set', async () => {
    const res = await api.get(`${DATAPREP}/mappingSets/${ids.mapping}`);
    expectStatus(res, 200);
    expectKeys(res.body, [
      'id',
      'version',
      'status',
      'outputSchema.schemaRef.id',
      'mappings.0.sourceType',
      'mappings.0.source',
      'mappings.0.destination',
      'mappings.0.identity',
      'mappings.0.id',
    ]);
  });

  test('PUT /mappingSets/{id} → 200, version 1', async () => {
    const res = await api.put(`${DATAPREP}/mappingSets/${ids.mapping}`, body);
    expectStatus(res, 200);
    expect(res.body.version).toBe(1);
  });

  test('GET /mappingSets?limit=&start= → 200 {data, _page, _links}', async () => {
    const res = await api.get(`${DATAPREP}/mappingSets?limit=10&start=0`);
    expectStatus(res, 200);
    expectKeys(res.body, ['data', '_page.count', '_page.limit', '_links']);
  });

  test('the tutorial alias POST /data/foundation/mappingSets (legacy body) → 200', async () => {
    const res = await api.post('/data/foundation/mappingSets', {
      version: 0,
      xdmSchema: SCHEMA_ID,
      xdmVersion: '1.0',
      mappings: [
        { destinationXdmPath: 'person.name.firstName', sourceAttribute: 'firstName', version: 0 },
      ],
    });
    expectStatus(res, 200);
    expectKeys(res.body, ['id', 'version']);
    ids.legacyMapping = res.body.id;
  });

  // The tutorial only POSTs on the alias; a client that keeps its base path reads and updates there.
  const ALIAS = '/data/foundation/mappingSets';

  test('alias GET /mappingSets/{id} → 200, the legacy body in both vocabularies', async () => {
    const res = await api.get(`${ALIAS}/${ids.legacyMapping}`);
    expectStatus(res, 200);
    expectKeys(res.body, [
      ...MAPPING_SET_STAMP,
      'outputSchema.schemaRef.id',
      'xdmSchema',
      'mappings.0.sourceAttribute',
      'mappings.0.destinationXdmPath',
      'mappings.0.source',
      'mappings.0.destination',
      'mappings.0.sourceType',
    ]);
    expect(res.body.outputSchema.schemaRef.id).toBe(SCHEMA_ID);
  });

  test('alias PUT /mappingSets/{id} → 200, version 1; ?version=0 is the earlier one', async () => {
    const res = await api.put(`${ALIAS}/${ids.legacyMapping}`, {
      version: 0,
      xdmSchema: SCHEMA_ID,
      xdmVersion: '1.0',
      mappings: [
        { destinationXdmPath: 'person.name.firstName', sourceAttribute: 'firstName', version: 0 },
        { destinationXdmPath: 'person.name.lastName', sourceAttribute: 'lastName', version: 0 },
      ],
    });
    expectStatus(res, 200);
    expectKeys(res.body, ['id', 'version', 'modifiedDate', 'mappings.1.destination']);
    expect(res.body.version).toBe(1);
    const first = await api.get(`${ALIAS}/${ids.legacyMapping}?version=0`);
    expectStatus(first, 200);
    expect(first.body.mappings).toHaveLength(1);
  });

  test('alias PUT with a destination outside the output schema → 400 (data-prep.yaml)', async () => {
    // Adobe documents the status only ("An invalid request was sent"); no error body is published.
    const res = await api.put(`${ALIAS}/${ids.legacyMapping}`, {
      xdmSchema: SCHEMA_ID,
      mappings: [{ destinationXdmPath: 'person.noSuchField', sourceAttribute: 'x' }],
    });
    expectStatus(res, 400);
  });

  test('alias GET /mappingSets?limit=&start= → 200 {data, _page, _links}', async () => {
    const res = await api.get(`${ALIAS}?limit=10&start=0`);
    expectStatus(res, 200);
    expectKeys(res.body, ['data', '_page.count', '_page.limit', '_links']);
    expect(res.body.data.map((m: Json) => m.id)).toEqual(
      expect.arrayContaining([ids.mapping, ids.legacyMapping]),
    );
  });
});

describe('Flow Service (sources/tutorials/api/create/streaming/http.md; flow-service.yaml)', () => {
  test('GET /connectionSpecs/{HTTP API} → 200 {items:[{id, name, providerId, version, authSpec}]}', async () => {
    const res = await api.get(`${FLOW}/connectionSpecs/${HTTP_API_SPEC}`);
    expectStatus(res, 200);
    expectKeys(res.body, ['items.0.id', 'items.0.name', 'items.0.providerId', 'items.0.version']);
    expectKeys(res.body, ['items.0.authSpec', 'items.0.attributes']);
  });

  test('GET /connectionSpecs?property=id==A,B → both', async () => {
    const res = await api.get(
      `${FLOW}/connectionSpecs?property=id==${HTTP_API_SPEC},${DATA_LAKE_SPEC}`,
    );
    expectStatus(res, 200);
    expect(res.body.items).toHaveLength(2);
  });

  test('GET /flowSpecs?property=id== → the streaming flow spec with its keys', async () => {
    const res = await api.get(`${FLOW}/flowSpecs?property=id==${FLOW_SPEC_PLAIN}`);
    expectStatus(res, 200);
    expectKeys(res.body, [
      'items.0.id',
      'items.0.name',
      'items.0.providerId',
      'items.0.version',
      'items.0.sourceConnectionSpecIds',
      'items.0.targetConnectionSpecIds',
      'items.0.attributes',
    ]);
    const one = await api.get(`${FLOW}/flowSpecs/${FLOW_SPEC_MAPPING}`);
    expectStatus(one, 200);
    expectKeys(one.body, ['items.0.transformationSpecs.0.name']);
  });

  test('POST /connections (XDM, non-authenticated) → 201 {id, etag}', async () => {
    const res = await api.post(`${FLOW}/connections`, {
      name: 'ACME Streaming Connection XDM Data',
      description: 'ACME streaming connection for customer data',
      connectionSpec: { id: HTTP_API_SPEC, version: '1.0' },
      auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } },
    });
    expectStatus(res, 201);
    expectKeys(res.body, ['id', 'etag']);
    ids.base = res.body.id;
  });

  test('GET /connections/{id} → 200 {items:[…auth.params.inletUrl, inletId…]}', async () => {
    const res = await api.get(`${FLOW}/connections/${ids.base}`);
    expectStatus(res, 200);
    expectKeys(
      res.body.items[0],
      [
        ...AUDIT,
        ...SCOPE,
        'name',
        'description',
        'connectionSpec.id',
        'connectionSpec.version',
        'state',
        'auth.specName',
        'auth.params.sourceId',
        'auth.params.inletUrl',
        'auth.params.authenticationRequired',
        'auth.params.inletId',
        'auth.params.dataType',
        'auth.params.name',
        'version',
        'etag',
      ].map(String),
    );
    ids.inletUrl = res.body.items[0].auth.params.inletUrl;
    ids.baseEtag = res.body.items[0].etag;
  });

  test('PATCH /connections/{id} with unquoted If-Match (update.md) → 200 {id, etag}', async () => {
    const res = await api.patch(
      `${FLOW}/connections/${ids.base}`,
      [{ op: 'replace', path: '/description', value: 'updated' }],
      { 'if-match': ids.baseEtag!.replace(/"/g, '') },
    );
    expectStatus(res, 200);
    expectKeys(res.body, ['id', 'etag']);
  });

  test('GET /connections?property=connectionSpec.id== → {items, _links}', async () => {
    const res = await api.get(`${FLOW}/connections?property=connectionSpec.id==${HTTP_API_SPEC}`);
    expectStatus(res, 200);
    expectKeys(res.body, ['items.0.id', '_links']);
  });

  test('POST /sourceConnections → 201; GET → baseConnectionId, inheritedAttributes', async () => {
    const res = await api.post(`${FLOW}/sourceConnections`, {
      name: 'ACME Streaming Source Connection for Customer Data',
      description: 'ACME streaming source connection for customer data',
      baseConnectionId: ids.base,
      connectionSpec: { id: HTTP_API_SPEC, version: '1.0' },
    });
    expectStatus(res, 201);
    ids.source = res.body.id;
    const got = await api.get(`${FLOW}/sourceConnections/${ids.source}`);
    expectStatus(got, 200);
    expectKeys(got.body.items[0], [
      ...AUDIT,
      'state',
      'baseConnectionId',
      'params',
      'connectionSpec.id',
      'version',
      'etag',
      'inheritedAttributes.baseConnection.id',
    ]);
    const list = await api.get(`${FLOW}/sourceConnections?property=baseConnectionId==${ids.base}`);
    expectKeys(list.body, ['items.0.id', '_links']);
  });

  test('POST /targetConnections (data lake) → 201; GET → params.dataSetId, data.schema', async () => {
    const res = await api.post(`${FLOW}/targetConnections`, {
      name: 'ACME Streaming Target Connection',
      description: 'ACME streaming target connection',
      data: {
        schema: { id: SCHEMA_ID, version: 'application/vnd.adobe.xed-full+json;version=1.0' },
      },
      params: { dataSetId: ids.dataset },
      connectionSpec: { id: DATA_LAKE_SPEC, version: '1.0' },
    });
    expectStatus(res, 201);
    ids.target = res.body.id;
    const got = await api.get(`${FLOW}/targetConnections/${ids.target}`);
    expectKeys(got.body.items[0], [
      ...AUDIT,
      'params.dataSetId',
      'data.schema.id',
      'connectionSpec.id',
      'etag',
    ]);
    expectKeys((await api.get(`${FLOW}/targetConnections`)).body, ['items', '_links']);
  });

  test('PATCH /sourceConnections/{id}: one JSON-Patch object, If-Match = etag (filter.md) → 200 {id, etag}', async () => {
    const url = `${FLOW}/sourceConnections/${ids.source}`;
    const before = (await api.get(url)).body.items[0];
    const res = await api.patch(
      url,
      { op: 'add', path: '/description', value: 'ACME streaming source connection, updated' },
      { 'if-match': before.etag },
    );
    expectStatus(res, 200);
    expect(res.body).toEqual({ id: ids.source, etag: expect.any(String) });
    expect(res.body.etag).not.toBe(before.etag);
    const after = (await api.get(url)).body.items[0];
    expect(after).toMatchObject({
      description: 'ACME streaming source connection, updated',
      etag: res.body.etag,
    });
    // The etag read before the update is stale now (flow-service-errors.md).
    expectFlowError(
      await api.patch(url, [{ op: 'replace', path: '/description', value: 'x' }], {
        'if-match': before.etag,
      }),
      '1404-412',
    );
  });

  test('PATCH /targetConnections/{id}: array body, quoted If-Match (edit-destination.md) → 200 {id, etag}', async () => {
    const url = `${FLOW}/targetConnections/${ids.target}`;
    const ops = [{ op: 'replace', path: '/description', value: 'ACME target connection, updated' }];
    // If-Match is required on PATCH (flow-service.yaml): without it → 1403-400.
    expectFlowError(await api.patch(url, ops), '1403-400');
    const before = (await api.get(url)).body.items[0];
    expect(before.etag).toMatch(/^".+"$/);
    const res = await api.patch(url, ops, { 'if-match': before.etag });
    expectStatus(res, 200);
    expect(res.body).toEqual({ id: ids.target, etag: expect.any(String) });
    const after = (await api.get(url)).body.items[0];
    expect(after).toMatchObject({
      description: 'ACME target connection, updated',
      etag: res.body.etag,
      params: { dataSetId: ids.dataset },
    });
  });

  test('POST /flows (with Mapping) → 201 {id, etag}', async () => {
    const res = await api.post(`${FLOW}/flows`, {
      name: 'ACME Streaming Dataflow',
      description: 'ACME streaming dataflow for customer data',
      flowSpec: { id: FLOW_SPEC_MAPPING, version: '1.0' },
      sourceConnectionIds: [ids.source],
      targetConnectionIds: [ids.target],
      transformations: [{ name: 'Mapping', params: { mappingId: ids.mapping, mappingVersion: 0 } }],
    });
    expectStatus(res, 201);
    expectKeys(res.body, ['id', 'etag']);
    ids.flow = res.body.id;
    ids.flowEtag = res.body.etag;
  });

  test('GET /flows/{id} → the FlowItemDTO keys', async () => {
    const res = await api.get(`${FLOW}/flows/${ids.flow}`);
    expectStatus(res, 200);
    expectKeys(res.body.items[0], [
      ...AUDIT,
      ...SCOPE,
      'name',
      'description',
      'flowSpec.id',
      'state',
      'version',
      'etag',
      'sourceConnectionIds.0',
      'targetConnectionIds.0',
      'inheritedAttributes.properties.isSourceFlow',
      'inheritedAttributes.sourceConnections.0.id',
      'inheritedAttributes.targetConnections.0.id',
      'transformations.0.params.mappingId',
      'runs',
      'lastOperation.operation',
    ]);
  });

  test('GET /flows?property=…&count=true → {count} (sort-and-filter.md)', async () => {
    const res = await api.get(`${FLOW}/flows?property=state==enabled&count=true`);
    expectStatus(res, 200);
    expect(res.body).toEqual({ count: expect.any(Number) });
  });

  test('GET /runs?property=flowId== (monitor.md) → 200 {items}', async () => {
    const res = await api.get(`${FLOW}/runs?property=flowId==${ids.flow}`);
    expectStatus(res, 200);
    expectKeys(res.body, ['items', '_links']);
    expectFlowError(await api.get(`${FLOW}/runs/${ids.flow}`), '1101-404');
  });

  test('PATCH /flows/{id} with quoted If-Match (update-dataflows.md) → 200 {id, etag}', async () => {
    const res = await api.patch(
      `${FLOW}/flows/${ids.flow}`,
      [{ op: 'replace', path: '/name', value: 'ACME Streaming Dataflow v2' }],
      { 'if-match': ids.flowEtag! },
    );
    expectStatus(res, 200);
    expectKeys(res.body, ['id', 'etag']);
  });

  test('PATCH errors: no If-Match → 1403-400; stale → 1404-412', async () => {
    expectFlowError(
      await api.patch(`${FLOW}/flows/${ids.flow}`, [
        { op: 'add', path: '/description', value: 'x' },
      ]),
      '1403-400',
    );
    expectFlowError(
      await api.patch(
        `${FLOW}/flows/${ids.flow}`,
        [{ op: 'add', path: '/description', value: 'x' }],
        { 'if-match': ids.flowEtag! },
      ),
      '1404-412',
    );
  });

  test('POST /flows/{id}/action?op=disable, then enable → 200 {id, etag}', async () => {
    for (const op of ['disable', 'enable']) {
      const res = await api.post(`${FLOW}/flows/${ids.flow}/action?op=${op}`);
      expectStatus(res, 200);
      expectKeys(res.body, ['id', 'etag']);
    }
  });

  test('list errors: limit with count → 1401-400; ~ → 1440-400', async () => {
    expectFlowError(await api.get(`${FLOW}/flows?limit=1&count=true`), '1401-400');
    expectFlowError(await api.get(`${FLOW}/flows?property=name~x`), '1440-400');
  });

  test('base connection used by a flow: DELETE → 1418-400 (delete.md)', async () => {
    expectFlowError(await api.delete(`${FLOW}/connections/${ids.base}`), '1418-400');
  });
});

/** The XDM single-message body of streaming-record-data.md, for the flow created below. */
const message = (entity: Record<string, unknown>) => ({
  header: {
    schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed-full+json;version=1.0' },
    imsOrgId: emu.credentials.orgId,
    datasetId: ids.dataset,
    flowId: ids.flow,
    source: { name: 'conformance' },
  },
  body: {
    xdmMeta: {
      schemaRef: {
        id: SCHEMA_ID,
        contentType: 'application/vnd.adobe.xed-full+json;version=1.0',
      },
    },
    xdmEntity: entity,
  },
});

describe('DCS (ingestion/tutorials/streaming-record-data.md, streaming-multiple-messages.md)', () => {
  test('POST /collection/{inletId} → 200 {inletId, xactionId, receivedTimeMs}', async () => {
    const res = await http(ids.inletUrl!, { method: 'POST', body: message({ _id: 'c-1' }) });
    expectStatus(res, 200);
    expectKeys(res.body, ['inletId', 'xactionId', 'receivedTimeMs', 'syncValidation.skipped']);
  });

  test('?syncValidation=true with an invalid record → 400 Invalid XDM Message Format', async () => {
    const res = await http(`${ids.inletUrl}?syncValidation=true`, {
      method: 'POST',
      body: message({ _id: 'c-2', workEmail: { primary: 'yes' } }),
    });
    expectStatus(res, 400);
    expect(res.body).toMatchObject({ status: 400, title: 'Invalid XDM Message Format' });
    expectKeys(res.body, ['type', 'report.message', 'report.cause._streamingValidation.0']);
  });

  test('POST /collection/batch/{inletId} → 207 {inletId, batchId, receivedTimeMs, responses}', async () => {
    const url = ids.inletUrl!.replace('/collection/', '/collection/batch/');
    const res = await http(url, {
      method: 'POST',
      body: { messages: [message({ _id: 'b-1' }), { header: {}, body: {} }] },
    });
    expectStatus(res, 207);
    expectKeys(res.body, ['inletId', 'batchId', 'receivedTimeMs', 'responses.0.xactionId']);
    expect(res.body.responses[1]).toMatchObject({ statusCode: 400, message: expect.any(String) });
  });
});

describe('teardown (delete-dataflows.md, delete.md, delete-object.md)', () => {
  test('DELETE flow → 204; GET → 404 FLOW-1439-404 (labels.md body)', async () => {
    expectStatus(await api.delete(`${FLOW}/flows/${ids.flow}`), 204);
    expectFlowError(await api.get(`${FLOW}/flows/${ids.flow}`), '1439-404');
  });

  test('DELETE source, target connection → 204; then the base connection → 204', async () => {
    expectStatus(await api.delete(`${FLOW}/sourceConnections/${ids.source}`), 204);
    expectStatus(await api.delete(`${FLOW}/targetConnections/${ids.target}`), 204);
    expectStatus(await api.delete(`${FLOW}/connections/${ids.base}`), 204);
    expectFlowError(await api.get(`${FLOW}/connections/${ids.base}`), '1101-404');
  });

  test('DELETE mapping sets → 204 (aepp; not in Adobe reference); dataset → 200 ["@/dataSets/{id}"]', async () => {
    expectStatus(await api.delete(`${DATAPREP}/mappingSets/${ids.mapping}`), 204);
    expectStatus(await api.delete(`/data/foundation/mappingSets/${ids.legacyMapping}`), 204);
    const res = await api.delete(`${CATALOG}/dataSets/${ids.dataset}`);
    expectStatus(res, 200);
    expect(res.body).toEqual([`@/dataSets/${ids.dataset}`]);
    expectStatus(await api.get(`${CATALOG}/dataSets/${ids.dataset}`), 404);
  });

  test('unknown inlet → 404 with the DCS problem shape', async () => {
    const res = await http(ids.inletUrl!, { method: 'POST', body: message({ _id: 'late' }) });
    expectStatus(res, 404);
    expectKeys(res.body, ['type', 'status', 'title', 'report.message']);
  });
});

describe('coverage', () => {
  test('every route the emulator registers was called by a step above', async () => {
    const called = new Set(Object.keys((await emu.control.stats()).requests));
    const routes = (await emu.control.routes()).map((r) => `${r.method} ${r.url}`);
    expect(routes.length).toBeGreaterThan(40);
    const uncalled = routes.filter((key) => !called.has(key));
    expect({ uncalled }).toEqual({ uncalled: [] });
  });
});
