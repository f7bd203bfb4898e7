/**
 * In-place updates, as the product will soon make them (Adobe's update-dataflows, update
 * accounts and mapping-set docs): Data Prep PUT stores a new version; a flow's PATCH repoints its
 * Mapping transformation, renames, re-describes, guarded by If-Match; flows are enabled and
 * disabled through the action endpoint; connections' descriptions are patched.
 */
import {
  CATALOG,
  connectionBody,
  DATA_LAKE_SPEC,
  DATAPREP,
  FLOW,
  FLOW_SPEC_MAPPING,
  HTTP_API_SPEC,
  type Platform,
  SCHEMA_ID,
  unique,
  useEmulator,
} from './helpers';

let api: Platform;
useEmulator({}, (s) => ({ api } = s));

const mappingBody = (destinations: string[]) => ({
  outputSchema: {
    schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed-full+json;version=1' },
  },
  mappings: destinations.map((destination) => ({
    sourceType: 'ATTRIBUTE',
    source: destination.split('.').pop(),
    destination,
  })),
});

async function mappingSet(destinations = ['_id']): Promise<string> {
  const res = await api.post(`${DATAPREP}/mappingSets`, mappingBody(destinations));
  expect(res.status).toBe(200);
  return res.body.id as string;
}

/** base → source → dataset → target → mapping set → flow with the mapping flow spec. */
async function mappedFlow(name: string) {
  const base = await api.post(`${FLOW}/connections`, connectionBody(name));
  const source = await api.post(`${FLOW}/sourceConnections`, {
    name: `${name} source`,
    baseConnectionId: base.body.id,
    connectionSpec: { id: HTTP_API_SPEC, version: '1.0' },
  });
  const ds = await api.post(`${CATALOG}/dataSets`, {
    name: `${name} dataset`,
    schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
  });
  const target = await api.post(`${FLOW}/targetConnections`, {
    name: `${name} target`,
    data: { schema: { id: SCHEMA_ID, version: 'application/vnd.adobe.xed-full+json;version=1' } },
    params: { dataSetId: String(ds.body[0]).replace('@/dataSets/', '') },
    connectionSpec: { id: DATA_LAKE_SPEC, version: '1.0' },
  });
  const mappingId = await mappingSet();
  const flow = await api.post(`${FLOW}/flows`, {
    name: `${name} flow`,
    flowSpec: { id: FLOW_SPEC_MAPPING, version: '1.0' },
    sourceConnectionIds: [source.body.id],
    targetConnectionIds: [target.body.id],
    transformations: [{ name: 'Mapping', params: { mappingId, mappingVersion: 0 } }],
  });
  expect(flow.status).toBe(201);
  return {
    baseId: base.body.id as string,
    sourceId: source.body.id as string,
    targetId: target.body.id as string,
    mappingId,
    flowId: flow.body.id as string,
    etag: flow.body.etag as string,
  };
}

const flowOf = async (id: string) => (await api.get(`${FLOW}/flows/${id}`)).body.items[0];

describe('Data Prep versions', () => {
  test('PUT /mappingSets/{id} stores version 1; GET ?version=N returns that version', async () => {
    const id = await mappingSet(['_id']);
    const put = await api.put(
      `${DATAPREP}/mappingSets/${id}`,
      mappingBody(['_id', 'person.name.firstName']),
    );
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id, version: 1 });
    const current = await api.get(`${DATAPREP}/mappingSets/${id}`);
    expect(current.body.version).toBe(1);
    expect(current.body.mappings).toHaveLength(2);
    const v0 = await api.get(`${DATAPREP}/mappingSets/${id}?version=0`);
    expect(v0.status).toBe(200);
    expect(v0.body).toMatchObject({ id, version: 0 });
    expect(v0.body.mappings).toHaveLength(1);
    const v1 = await api.get(`${DATAPREP}/mappingSets/${id}?version=1`);
    expect(v1.body.version).toBe(1);
    expect((await api.get(`${DATAPREP}/mappingSets/${id}?version=7`)).status).toBe(404);
  });
});

describe('flow PATCH', () => {
  test('If-Match + JSON Patch on mappingVersion, mappingId, description and name', async () => {
    const f = await mappedFlow(unique('patch'));
    await api.put(`${DATAPREP}/mappingSets/${f.mappingId}`, mappingBody(['_id']));
    const v = await api.patch(
      `${FLOW}/flows/${f.flowId}`,
      [{ op: 'replace', path: '/transformations/0/params/mappingVersion', value: 1 }],
      { 'if-match': f.etag },
    );
    expect(v.status).toBe(200);
    expect(v.body).toEqual({ id: f.flowId, etag: expect.any(String) });
    expect(v.body.etag).not.toBe(f.etag);
    expect((await flowOf(f.flowId)).transformations[0].params.mappingVersion).toBe(1);

    const other = await mappingSet(['_id']);
    const all = await api.patch(
      `${FLOW}/flows/${f.flowId}`,
      [
        { op: 'replace', path: '/transformations/0/params/mappingId', value: other },
        { op: 'replace', path: '/transformations/0/params/mappingVersion', value: 0 },
        { op: 'add', path: '/description', value: 'updated in place' },
        { op: 'replace', path: '/name', value: 'renamed flow' },
      ],
      { 'if-match': v.body.etag },
    );
    expect(all.status).toBe(200);
    const flow = await flowOf(f.flowId);
    expect(flow).toMatchObject({
      name: 'renamed flow',
      description: 'updated in place',
      etag: all.body.etag,
      transformations: [{ name: 'Mapping', params: { mappingId: other, mappingVersion: 0 } }],
    });
  });

  test('a stale etag → 412 1404-412, nothing changes', async () => {
    const f = await mappedFlow(unique('stale'));
    const first = await api.patch(
      `${FLOW}/flows/${f.flowId}`,
      [{ op: 'add', path: '/description', value: 'one' }],
      { 'if-match': f.etag },
    );
    expect(first.status).toBe(200);
    const stale = await api.patch(
      `${FLOW}/flows/${f.flowId}`,
      [{ op: 'replace', path: '/name', value: 'two' }],
      { 'if-match': f.etag },
    );
    expect(stale.status).toBe(412);
    expect(stale.body.type).toBe('https://ns.adobe.com/aep/errors/FLOW-1404-412');
    expect((await flowOf(f.flowId)).name).not.toBe('two');
  });

  test('a mapping version that does not exist → 400 1412-400', async () => {
    const f = await mappedFlow(unique('badversion'));
    const res = await api.patch(
      `${FLOW}/flows/${f.flowId}`,
      [{ op: 'replace', path: '/transformations/0/params/mappingVersion', value: 5 }],
      { 'if-match': f.etag },
    );
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('https://ns.adobe.com/aep/errors/FLOW-1412-400');
    expect((await flowOf(f.flowId)).transformations[0].params.mappingVersion).toBe(0);
  });
});

describe('connections PATCH /description', () => {
  test('base, source and target connections take a description patch', async () => {
    const f = await mappedFlow(unique('desc'));
    for (const [kind, id] of [
      ['connections', f.baseId],
      ['sourceConnections', f.sourceId],
      ['targetConnections', f.targetId],
    ] as const) {
      const before = (await api.get(`${FLOW}/${kind}/${id}`)).body.items[0];
      const res = await api.patch(
        `${FLOW}/${kind}/${id}`,
        [{ op: 'add', path: '/description', value: `${kind} v2` }],
        { 'if-match': before.etag },
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id, etag: expect.any(String) });
      const after = (await api.get(`${FLOW}/${kind}/${id}`)).body.items[0];
      expect(after.description).toBe(`${kind} v2`);
      expect(after.etag).toBe(res.body.etag);
    }
  });
});

describe('flow actions', () => {
  test('POST /flows/{id}/action?op=disable|enable changes state', async () => {
    const f = await mappedFlow(unique('action'));
    const off = await api.post(`${FLOW}/flows/${f.flowId}/action?op=disable`);
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ id: f.flowId, etag: expect.any(String) });
    expect((await flowOf(f.flowId)).state).toBe('disabled');
    const on = await api.post(`${FLOW}/flows/${f.flowId}/action?op=enable`);
    expect(on.status).toBe(200);
    expect((await flowOf(f.flowId)).state).toBe('enabled');
  });
});
