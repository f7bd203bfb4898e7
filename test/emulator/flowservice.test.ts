/** Flow Service: CRUD, PATCH/If-Match, deletion rules, spec validation, list filters and paging. */
import type { RunningEmulator } from '../../emulator';
import {
  CATALOG,
  connectionBody,
  DATA_LAKE_SPEC,
  FLOW,
  FLOW_SPEC_MAPPING,
  FLOW_SPEC_PLAIN,
  HTTP_API_SPEC,
  http,
  LOYALTY_SCHEMA_ID,
  Platform,
  provision,
  type Res,
  SCHEMA_ID,
  unique,
  useEmulator,
  withEmulator,
  xdmMessage,
} from './helpers';

let emu: RunningEmulator;
let api: Platform;
useEmulator({}, (s) => ({ emu, api } = s));

const flowType = (code: string) => `https://ns.adobe.com/aep/errors/FLOW-${code}`;

function expectFlowError(res: { status: number; body: Record<string, unknown> }, code: string) {
  const status = Number(code.split('-')[1]);
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({
    type: flowType(code),
    status,
    title: expect.any(String),
    report: { 'detailed-message': expect.any(String), 'request-id': expect.any(String) },
    errorMessage: expect.any(String),
    errorDetails: expect.any(String),
  });
}

describe('resources', () => {
  test('source, target and flow GETs carry the server-added fields', async () => {
    const p = await provision(api, unique('fields'));
    const src = (await api.get(`${FLOW}/sourceConnections/${p.sourceId}`)).body.items[0];
    expect(src).toMatchObject({
      id: p.sourceId,
      baseConnectionId: p.baseId,
      state: 'enabled',
      sandboxName: 'prod',
      inheritedAttributes: {
        baseConnection: { id: p.baseId, connectionSpec: { id: HTTP_API_SPEC } },
      },
    });
    expect(src.version).toBe(src.etag);
    const tgt = (await api.get(`${FLOW}/targetConnections/${p.targetId}`)).body.items[0];
    expect(tgt).toMatchObject({
      params: { dataSetId: p.datasetId },
      connectionSpec: { id: DATA_LAKE_SPEC },
    });
    const flow = (await api.get(`${FLOW}/flows/${p.flowId}`)).body.items[0];
    expect(flow).toMatchObject({
      state: 'enabled',
      flowSpec: { id: FLOW_SPEC_PLAIN, version: '1.0' },
      sourceConnectionIds: [p.sourceId],
      targetConnectionIds: [p.targetId],
      inheritedAttributes: {
        sourceConnections: [{ id: p.sourceId, baseConnection: { id: p.baseId } }],
        targetConnections: [{ id: p.targetId }],
      },
      runs: `/runs?property=flowId==${p.flowId}`,
    });
  });

  test('unknown ids → 404 problem bodies; flows use 1439-404, other kinds 1101-404', async () => {
    const id = '84224def-1e2a-4d95-9ea2-132d697ed2aa';
    const flow = await api.get(`${FLOW}/flows/${id}`);
    expectFlowError(flow, '1439-404');
    expect(flow.body.report).toMatchObject({ id, type: 'flows' });
    expect(flow.body.errorMessage).toBe(
      `The requested flows resource ${id} is not found. Verify the resource ID before trying again.`,
    );
    for (const kind of ['connections', 'sourceConnections', 'targetConnections']) {
      expectFlowError(await api.get(`${FLOW}/${kind}/${id}`), '1101-404');
      expectFlowError(await api.delete(`${FLOW}/${kind}/${id}`), '1101-404');
      expectFlowError(
        await api.patch(`${FLOW}/${kind}/${id}`, [], { 'if-match': '"x"' }),
        '1101-404',
      );
    }
    expectFlowError(await api.delete(`${FLOW}/flows/${id}`), '1439-404');
  });

  test('DELETE → 204 then GET → 404; a base connection used by a flow → 1418-400', async () => {
    const p = await provision(api, unique('delete'));
    const blocked = await api.delete(`${FLOW}/connections/${p.baseId}`);
    expectFlowError(blocked, '1418-400');
    expect(blocked.body.errorMessage).toContain(p.baseId);
    expect((await api.get(`${FLOW}/connections/${p.baseId}`)).status).toBe(200);

    const del = await api.delete(`${FLOW}/flows/${p.flowId}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await api.get(`${FLOW}/flows/${p.flowId}`)).status).toBe(404);
    expect((await api.delete(`${FLOW}/sourceConnections/${p.sourceId}`)).status).toBe(204);
    expect((await api.delete(`${FLOW}/targetConnections/${p.targetId}`)).status).toBe(204);
    expect((await api.delete(`${FLOW}/connections/${p.baseId}`)).status).toBe(204);
    expect((await api.get(`${FLOW}/connections/${p.baseId}`)).status).toBe(404);
    // Its inlet is gone with it.
    const post = await fetch(p.inletUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(post.status).toBe(404);
  });
});

describe('PATCH and If-Match', () => {
  test('missing → 1403-400; stale → 1404-412; quoted or bare current etag → 200 and a new etag', async () => {
    const { body } = await api.post(`${FLOW}/connections`, connectionBody(unique('patch')));
    const path = `${FLOW}/connections/${body.id}`;
    const ops = [{ op: 'replace', path: '/name', value: 'renamed' }];
    expectFlowError(await api.patch(path, ops), '1403-400');
    const stale = await api.patch(path, ops, {
      'if-match': '"00000000-0000-0200-0000-000000000000"',
    });
    expectFlowError(stale, '1404-412');

    const first = await api.patch(path, ops, { 'if-match': body.etag });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ id: body.id, etag: expect.stringMatching(/^".+"$/) });
    expect(first.body.etag).not.toBe(body.etag);
    // The old etag is now stale.
    expectFlowError(await api.patch(path, ops, { 'if-match': body.etag }), '1404-412');

    const bare = String(first.body.etag).replace(/"/g, '');
    const second = await api.patch(path, [{ op: 'add', path: '/description', value: 'text' }], {
      'if-match': bare,
    });
    expect(second.status).toBe(200);
    const item = (await api.get(path)).body.items[0];
    expect(item).toMatchObject({
      name: 'renamed',
      description: 'text',
      etag: second.body.etag,
      version: second.body.etag,
    });
  });

  test('op casing is free; bad ops, read-only paths, spec changes and empty bodies are refused', async () => {
    const { body } = await api.post(`${FLOW}/connections`, connectionBody(unique('ops')));
    const path = `${FLOW}/connections/${body.id}`;
    let etag = body.etag as string;
    const upper = await api.patch(path, [{ op: 'REPLACE', path: '/name', value: 'upper' }], {
      'if-match': etag,
    });
    expect(upper.status).toBe(200);
    etag = upper.body.etag;
    const h = { 'if-match': etag };
    expectFlowError(
      await api.patch(path, [{ op: 'move', from: '/name', path: '/x' }], h),
      '1434-400',
    );
    expectFlowError(
      await api.patch(path, [{ op: 'replace', path: '/connectionSpec/id', value: 'x' }], h),
      '1414-400',
    );
    expectFlowError(
      await api.patch(path, [{ op: 'replace', path: '/auth/params/inletId', value: 'x' }], h),
      '1365-400',
    );
    expectFlowError(
      await api.patch(path, [{ op: 'remove', path: '/keyWhichDoesNotExist' }], h),
      '1455-400',
    );
    expectFlowError(await api.patch(path, [], h), '1405-400');
    // Nothing above changed the resource.
    expect((await api.get(path)).body.items[0].etag).toBe(etag);
  });

  test('flows: enable/disable actions change state and etag', async () => {
    const p = await provision(api, unique('action'));
    const path = `${FLOW}/flows/${p.flowId}`;
    const before = (await api.get(path)).body.items[0].etag;
    const disabled = await api.post(`${path}/action?op=disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toEqual({ id: p.flowId, etag: expect.any(String) });
    expect(disabled.body.etag).not.toBe(before);
    expect((await api.get(path)).body.items[0].state).toBe('disabled');
    const enabled = await api.post(`${path}/action?op=ENABLE`);
    expect(enabled.status).toBe(200);
    expect((await api.get(path)).body.items[0].state).toBe('enabled');
    expectFlowError(await api.post(`${path}/action?op=explode`), '1434-400');
  });
});

describe('create validation', () => {
  test('connection: wrong spec → 1413-400; missing name → 1304-400; empty body → 1405-400', async () => {
    expectFlowError(
      await api.post(
        `${FLOW}/connections`,
        connectionBody('x', { dataType: 'xdm' }, '00000000-0000-0000-0000-000000000000'),
      ),
      '1413-400',
    );
    const { name: _name, ...noName } = connectionBody('x');
    const missing = await api.post(`${FLOW}/connections`, noName);
    expectFlowError(missing, '1304-400');
    expect(missing.body.errorMessage).toContain('name');
    expectFlowError(await api.post(`${FLOW}/connections`, {}), '1405-400');
    expectFlowError(
      await api.post(`${FLOW}/connections`, connectionBody('x', { dataType: 'csv' })),
      '1312-400',
    );
  });

  test('malformed JSON → 400 in the FLOW shape', async () => {
    const res = await fetch(`${emu.url}${FLOW}/connections`, {
      method: 'POST',
      headers: { ...api.headers(), 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { type: string }).type).toBe(flowType('1000-400'));
  });

  test('source connection: spec and base connection must be right', async () => {
    const base = (await api.post(`${FLOW}/connections`, connectionBody(unique('src')))).body.id;
    expectFlowError(
      await api.post(`${FLOW}/sourceConnections`, {
        name: 's',
        baseConnectionId: base,
        connectionSpec: { id: DATA_LAKE_SPEC, version: '1.0' },
      }),
      '1413-400',
    );
    expectFlowError(
      await api.post(`${FLOW}/sourceConnections`, {
        name: 's',
        baseConnectionId: '00000000-0000-0000-0000-000000000000',
        connectionSpec: { id: HTTP_API_SPEC, version: '1.0' },
      }),
      '1100-400',
    );
  });

  test('target connection: spec → 1307-400, empty dataSetId → 1325-400, unknown dataset → 400', async () => {
    const body = (spec: string, dataSetId?: string) => ({
      name: 't',
      data: { schema: { id: SCHEMA_ID, version: 'application/vnd.adobe.xed-full+json;version=1' } },
      ...(dataSetId === undefined ? {} : { params: { dataSetId } }),
      connectionSpec: { id: spec, version: '1.0' },
    });
    expectFlowError(
      await api.post(`${FLOW}/targetConnections`, body(HTTP_API_SPEC, 'x')),
      '1307-400',
    );
    expectFlowError(await api.post(`${FLOW}/targetConnections`, body(DATA_LAKE_SPEC)), '1325-400');
    expectFlowError(
      await api.post(`${FLOW}/targetConnections`, body(DATA_LAKE_SPEC, '')),
      '1325-400',
    );
    expectFlowError(
      await api.post(`${FLOW}/targetConnections`, body(DATA_LAKE_SPEC, 'aaaaaaaaaaaaaaaaaaaaaaaa')),
      '1100-400',
    );
  });

  test('flows: state, spec, connections and the Mapping transformation are checked', async () => {
    const p = await provision(api, unique('flowval'));
    const flow = (extra: Record<string, unknown>) => ({
      name: 'f',
      flowSpec: { id: FLOW_SPEC_MAPPING, version: '1.0' },
      sourceConnectionIds: [p.sourceId],
      targetConnectionIds: [p.targetId],
      ...extra,
    });
    const mapping = async (schemaId: string, destination: string) =>
      (
        await api.post('/data/foundation/conversion/mappingSets', {
          outputSchema: {
            schemaRef: {
              id: schemaId,
              contentType: 'application/vnd.adobe.xed-full+json;version=1',
            },
          },
          mappings: [{ sourceType: 'ATTRIBUTE', source: 'id', destination }],
        })
      ).body.id as string;
    const good = await mapping(SCHEMA_ID, '_id');
    const other = await mapping(LOYALTY_SCHEMA_ID, '_id');
    const mapped = (mappingId: string, mappingVersion: number, name = 'Mapping') => ({
      transformations: [{ name, params: { mappingId, mappingVersion } }],
    });

    expectFlowError(
      await api.post(`${FLOW}/flows`, flow({ state: 'enabled', ...mapped(good, 0) })),
      '1410-400',
    );
    expectFlowError(
      await api.post(
        `${FLOW}/flows`,
        flow({ flowSpec: { id: '00000000-0000-0000-0000-000000000000' } }),
      ),
      '1413-400',
    );
    expectFlowError(
      await api.post(`${FLOW}/flows`, flow({ ...mapped(good, 0), sourceConnectionIds: [] })),
      '1320-400',
    );
    expectFlowError(
      await api.post(
        `${FLOW}/flows`,
        flow({ ...mapped(good, 0), targetConnectionIds: ['00000000-0000-0000-0000-000000000000'] }),
      ),
      '1100-400',
    );
    expectFlowError(await api.post(`${FLOW}/flows`, flow({})), '1328-400');
    expectFlowError(await api.post(`${FLOW}/flows`, flow(mapped(good, 0, 'mapping'))), '1328-400');
    expectFlowError(
      await api.post(`${FLOW}/flows`, flow(mapped('ffffffffffffffffffffffffffffffff', 0))),
      '1419-400',
    );
    expectFlowError(await api.post(`${FLOW}/flows`, flow(mapped(good, 3))), '1412-400');
    expectFlowError(await api.post(`${FLOW}/flows`, flow(mapped(other, 0))), '1425-400');
    expect((await api.post(`${FLOW}/flows`, flow(mapped(good, 0)))).status).toBe(201);
    // A plain-spec flow takes no Mapping transformation.
    expectFlowError(
      await api.post(
        `${FLOW}/flows`,
        flow({ flowSpec: { id: FLOW_SPEC_PLAIN, version: '1.0' }, ...mapped(good, 0) }),
      ),
      '1100-400',
    );
  });
});

describe('lists', () => {
  let names: string[];
  let marker: string;

  beforeAll(async () => {
    marker = unique('list');
    names = [
      `${marker} a, b`,
      `${marker} "quoted"`,
      `${marker} x & y`,
      `${marker} k==v`,
      `${marker} ünïcødé ✓ 名前`,
      `${marker} a`,
    ];
    for (const name of names) {
      const res = await api.post(`${FLOW}/connections`, {
        ...connectionBody(name),
        description: marker,
      });
      expect(res.status).toBe(201);
    }
  });

  const list = (params: [string, string][]) =>
    api.get(`${FLOW}/connections?${new URLSearchParams(params).toString()}`);

  test('quoted values match exactly, whatever they contain', async () => {
    for (const name of names) {
      const res = await list([['property', `name=="${name}"`]]);
      expect(res.status).toBe(200);
      expect(res.body.items.map((i: { name: string }) => i.name)).toEqual([name]);
    }
  });

  test('unquoted comma values are any-of; repeated property params AND together', async () => {
    const [first, , , , , last] = names;
    const anyOf = await list([['property', `name==${last},nothing`]]);
    expect(anyOf.body.items.map((i: { name: string }) => i.name)).toEqual([last]);
    const and = await list([
      ['property', `description==${marker}`],
      ['property', `name!=${first}`],
    ]);
    expect(and.body.items).toHaveLength(names.length - 1);
    const ops = await list([
      ['property', `description==${marker}`],
      ['property', 'auth.params.dataType==xdm'],
      ['property', 'createdAt>0'],
    ]);
    expect(ops.body.items).toHaveLength(names.length);
  });

  test('orderby name, -name; bad orderby → 1432-400', async () => {
    const asc = await list([
      ['property', `description==${marker}`],
      ['orderby', '+name'],
    ]);
    const got = asc.body.items.map((i: { name: string }) => i.name);
    expect(got).toEqual([...names].sort());
    const desc = await list([
      ['property', `description==${marker}`],
      ['orderby', '-name'],
    ]);
    expect(desc.body.items.map((i: { name: string }) => i.name)).toEqual(
      [...names].sort().reverse(),
    );
    expectFlowError(await list([['orderby', 'name asc']]), '1432-400');
  });

  test('paging follows _links.next.href until it is absent, each item once', async () => {
    const seen: string[] = [];
    let href: string | undefined =
      `/connections?${new URLSearchParams({ property: `description==${marker}`, limit: '4', orderby: '-name' }).toString()}`;
    let pages = 0;
    while (href !== undefined) {
      const res: Res = await api.get(`${FLOW}${href}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((i: { name: string }) => i.name));
      href = res.body._links?.next?.href;
      pages += 1;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual([...names].sort().reverse());
  });

  test('count=true → {count}; with limit → 1401-400', async () => {
    const res = await list([
      ['property', `description==${marker}`],
      ['count', 'true'],
    ]);
    expect(res.body).toEqual({ count: names.length });
    expectFlowError(
      await list([
        ['count', 'true'],
        ['limit', '5'],
      ]),
      '1401-400',
    );
  });

  test('filter errors: ~ → 1440-400, unknown operator → 1450-400, unknown param → 1451-400', async () => {
    expectFlowError(await list([['property', 'name~^x']]), '1440-400');
    expectFlowError(await list([['property', 'name!>x']]), '1450-400');
    expectFlowError(await list([['testParam', 'x']]), '1451-400');
  });

  test('array paths over flows', async () => {
    const p = await provision(api, unique('arrays'));
    const res = await api.get(
      `${FLOW}/flows?${new URLSearchParams({ property: `sourceConnectionIds[]==${p.sourceId}` }).toString()}`,
    );
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([p.flowId]);
    const sc = await api.get(
      `${FLOW}/sourceConnections?${new URLSearchParams({ property: `baseConnectionId==${p.baseId}` }).toString()}`,
    );
    expect(sc.body.items.map((i: { id: string }) => i.id)).toEqual([p.sourceId]);
  });

  test('default page size applies when limit is absent', async () => {
    await withEmulator({ defaultPageSize: 2 }, async ({ api: sApi }) => {
      for (let i = 0; i < 3; i++) await sApi.post(`${FLOW}/connections`, connectionBody(`c${i}`));
      const first = await sApi.get(`${FLOW}/connections`);
      expect(first.body.items).toHaveLength(2);
      const second = await sApi.get(`${FLOW}${first.body._links.next.href}`);
      expect(second.body.items).toHaveLength(1);
      expect(second.body._links).toEqual({});
    });
  });
});

describe('flows per source connection and per dataset', () => {
  // Adobe documents no limit for HTTP API streaming flows (docs/emulator.md, "Flows per source
  // connection and per dataset"); the one-to-one rule of Journey Optimizer's orchestrated
  // campaigns is not applied. This pins the emulator's permissive reading.
  test('one source connection feeds two flows, one dataset receives two flows; the inlet routes each', async () => {
    const p = await provision(api, unique('shared'));
    const secondTarget = await api.post(`${FLOW}/targetConnections`, {
      name: 'second target, same dataset',
      data: { schema: { id: SCHEMA_ID, version: 'application/vnd.adobe.xed-full+json;version=1' } },
      params: { dataSetId: p.datasetId },
      connectionSpec: { id: DATA_LAKE_SPEC, version: '1.0' },
    });
    expect(secondTarget.status).toBe(201);
    const flow = (targetId: string) =>
      api.post(`${FLOW}/flows`, {
        name: 'second flow',
        flowSpec: { id: FLOW_SPEC_PLAIN, version: '1.0' },
        sourceConnectionIds: [p.sourceId],
        targetConnectionIds: [targetId],
      });
    const sameEverything = await flow(p.targetId);
    const sameSourceAndDataset = await flow(secondTarget.body.id);
    expect(sameEverything.status).toBe(201);
    expect(sameSourceAndDataset.status).toBe(201);

    const bySource = await api.get(
      `${FLOW}/flows?property=sourceConnectionIds[]==${p.sourceId}&orderby=createdAt`,
    );
    expect(bySource.body.items.map((f: { id: string }) => f.id)).toEqual([
      p.flowId,
      sameEverything.body.id,
      sameSourceAndDataset.body.id,
    ]);

    const entity = { _id: 'shared-1', person: { name: { firstName: 'a', lastName: 'b' } } };
    for (const flowId of [p.flowId, sameEverything.body.id, sameSourceAndDataset.body.id]) {
      const sent = await http(p.inletUrl, { method: 'POST', body: xdmMessage(flowId, entity) });
      expect(sent.status).toBe(200);
    }
    const records = await emu.control.records({ inletId: p.inletId });
    expect(records.map((r) => r.flowId)).toEqual([
      p.flowId,
      sameEverything.body.id,
      sameSourceAndDataset.body.id,
    ]);
  });
});

test('datasets are scoped too: a dev target connection cannot use a prod dataset', async () => {
  const ds = await api.post(`${CATALOG}/dataSets`, {
    name: unique('prod-ds'),
    schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
  });
  const id = String(ds.body[0]).replace('@/dataSets/', '');
  const dev = new Platform(emu, api.token, 'dev');
  const res = await dev.post(`${FLOW}/targetConnections`, {
    name: 't',
    params: { dataSetId: id },
    connectionSpec: { id: DATA_LAKE_SPEC, version: '1.0' },
  });
  expectFlowError(res, '1100-400');
});
