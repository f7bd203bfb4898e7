/**
 * What the client puts on the wire and how it reads Platform's answers, checked against a
 * scriptable loopback server (exact requests; the emulator suite checks behaviour end to end).
 */
import type { ApplicationFailure } from '@temporalio/common';
import {
  createAepClient,
  encodePropertyFilter,
  nameFilter,
  resolveNextPage,
  schemaContainer,
  type AepClient,
} from '../../src/aep/client';
import { FailureType } from '../../src/shared/names';
import {
  clientConfig,
  imsOk,
  rejectionOf,
  startFakeServer,
  TEST_TOKEN,
  type FakeServer,
  type Handler,
  type Recorded,
} from './helpers';

let server: FakeServer;
let client: AepClient;
let platform: Handler;

beforeAll(async () => {
  server = await startFakeServer((req) =>
    req.url.startsWith('/ims/token/v3') ? imsOk() : platform(req),
  );
  client = createAepClient({ config: clientConfig(server.url) });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const platformRequests = () => server.requests.filter((r) => !r.url.startsWith('/ims/'));
const propertyParams = (r: Recorded) => new URL(r.url, 'http://x').searchParams.getAll('property');

describe('encodePropertyFilter', () => {
  test.each([
    [{ path: 'name', value: 'plain' }, 'name==plain'],
    [{ path: 'name', value: "Sales & O'Brien d==e ünï/x" }, "name==Sales & O'Brien d==e ünï/x"],
    [{ path: 'state', op: '!=' as const, value: 'disabled' }, 'state!=disabled'],
    [{ path: 'id', value: ['a', 'b'] }, 'id==a,b'],
    [{ path: 'sourceConnectionIds[]', value: ['x'] }, 'sourceConnectionIds[]==x'],
  ])('%j → %s', (filter, expected) => {
    expect(encodePropertyFilter(filter)).toBe(expected);
  });

  test('refuses values that read differently across filter readings (unkind AEP, problem 4)', () => {
    for (const value of ['a,b', 'say "hi"', '"q"', '', ' lead']) {
      expect(() => encodePropertyFilter({ path: 'name', value })).toThrow(TypeError);
      expect(() => encodePropertyFilter({ path: 'id', value: ['x', value] })).toThrow(TypeError);
    }
    expect(nameFilter('a,b')).toEqual([]);
    expect(nameFilter('Sales & Marketing')).toEqual([{ path: 'name', value: 'Sales & Marketing' }]);
  });

  test('rejects an empty any-of list and a range operator with a list', () => {
    expect(() => encodePropertyFilter({ path: 'id', value: [] })).toThrow(TypeError);
    expect(() => encodePropertyFilter({ path: 'x', op: '>=', value: ['1', '2'] })).toThrow(
      TypeError,
    );
  });
});

describe('resolveNextPage', () => {
  const first = new URLSearchParams([
    ['property', 'name=="x"'],
    ['limit', '2'],
  ]);

  test('href relative to the Flow Service base path keeps the original filters', () => {
    const next = resolveNextPage('/connections?continuationToken=abc', first);
    expect(next.path).toBe('data/foundation/flowservice/connections');
    expect(next.params.get('continuationToken')).toBe('abc');
    expect(next.params.getAll('property')).toEqual(['name=="x"']);
    expect(next.params.get('limit')).toBe('2');
  });

  test('href that carries its own filters is followed as is', () => {
    const next = resolveNextPage(
      '/data/foundation/flowservice/flows?property=state%3D%3Denabled&limit=5&continuationToken=t',
      first,
    );
    expect(next.path).toBe('data/foundation/flowservice/flows');
    expect(next.params.getAll('property')).toEqual(['state==enabled']);
    expect(next.params.get('limit')).toBe('5');
  });

  test('absolute href: only path and query are used (the token stays on the configured host)', () => {
    const next = resolveNextPage(
      'https://evil.example/data/foundation/flowservice/flows?continuationToken=z',
      first,
    );
    expect(next.path).toBe('data/foundation/flowservice/flows');
    expect(next.params.get('continuationToken')).toBe('z');
  });
});

test('schemaContainer: Adobe XDM ids are global, everything else tenant', () => {
  expect(schemaContainer('https://ns.adobe.com/xdm/context/profile')).toBe('global');
  expect(schemaContainer('https://ns.adobe.com/acme/schemas/7f68')).toBe('tenant');
  expect(schemaContainer('_acme.schemas.7f68')).toBe('tenant');
});

test('every Platform call carries the four headers with the per-call sandbox', async () => {
  platform = () => ({ status: 201, body: { id: 'c1', etag: '"e1"' } });
  await client.createConnection('dev-sandbox', {
    name: 'n',
    connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' },
    auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } },
  });
  const [req] = platformRequests();
  expect(req?.method).toBe('POST');
  expect(req?.url).toBe('/data/foundation/flowservice/connections');
  expect(req?.headers).toMatchObject({
    authorization: `Bearer ${TEST_TOKEN}`,
    'x-api-key': 'test-client-id',
    'x-gw-ims-org-id': '5C1328435BF324E90A49402A@AdobeOrg',
    'x-sandbox-name': 'dev-sandbox',
    'content-type': 'application/json',
  });
  expect(JSON.parse(req!.body)).toMatchObject({ name: 'n', auth: { params: { dataType: 'xdm' } } });
});

test('every request to Adobe carries an x-request-id of its own: IMS, Platform, a resend, inlet', async () => {
  const fresh = createAepClient({ config: clientConfig(server.url) });
  let refused = 0;
  platform = () =>
    refused++ === 0
      ? { status: 401, body: { error_code: '401013', message: 'Oauth token is not valid' } }
      : { status: 200, body: { items: [] } };
  expect(await fresh.getConnection('prod', 'c1')).toBeNull();
  const inletUrl = `${server.url}/collection/abc`;
  await fresh.sendToInlet({ inletUrl, flowId: 'f', record: {}, authenticated: false });
  const urls = server.requests.map((r) => r.url.split('?')[0]);
  expect(urls).toEqual([
    '/ims/token/v3',
    '/data/foundation/flowservice/connections/c1',
    '/ims/token/v3',
    '/data/foundation/flowservice/connections/c1',
    '/collection/abc',
  ]);
  const ids = server.requests.map((r) => r.headers['x-request-id']);
  for (const id of ids)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(new Set(ids).size).toBe(ids.length);
});

test('list follows _links.next until it is absent, re-sending filters with the token', async () => {
  platform = (req) => {
    const token = new URL(req.url, 'http://x').searchParams.get('continuationToken');
    const page = token === null ? 0 : Number(token);
    const item = (i: number) => ({
      id: `f${i}`,
      name: 'n',
      flowSpec: { id: 's', version: '1.0' },
      sourceConnectionIds: [],
      targetConnectionIds: [],
    });
    return {
      status: 200,
      body: {
        items: [item(page * 2), item(page * 2 + 1)],
        ...(page < 2 ? { _links: { next: { href: `/flows?continuationToken=${page + 1}` } } } : {}),
      },
    };
  };
  const flows = await client.listFlows('prod', [{ path: 'name', value: 'a;b & c==d' }], {
    limit: 2,
  });
  expect(flows.map((f) => f.id)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
  const reqs = platformRequests();
  expect(reqs).toHaveLength(3);
  for (const r of reqs) {
    expect(r.url.startsWith('/data/foundation/flowservice/flows?')).toBe(true);
    expect(propertyParams(r)).toEqual(['name==a;b & c==d']);
    expect(new URL(r.url, 'http://x').searchParams.get('limit')).toBe('2');
  }
});

test('spaces in query values are sent as %20, plus signs as %2B', async () => {
  platform = () => ({ status: 200, body: { items: [] } });
  await client.listConnections('prod', [{ path: 'name', value: 'a b+c' }]);
  const [req] = platformRequests();
  expect(req?.url).toContain('property=name%3D%3Da%20b%2Bc');
  expect(propertyParams(req!)).toEqual(['name==a b+c']);
});

test('Data Prep find keeps paging when the server caps pages below the requested limit', async () => {
  const all = Array.from({ length: 120 }, (_, i) => ({ id: `m${i}`, version: 0, name: 'n' }));
  platform = (req) => {
    const start = Number(new URL(req.url, 'http://x').searchParams.get('start'));
    const data = all.slice(start, start + 50); // server maximum: 50 per page
    return { status: 200, body: { data, _page: { count: data.length, limit: 50 } } };
  };
  const found = await client.findMappingSets('prod', { name: 'n' });
  expect(found).toHaveLength(120);
  expect(
    platformRequests().map((r) => new URL(r.url, 'http://x').searchParams.get('start')),
  ).toEqual(['0', '50', '100']);
});

test('a next link that never changes is an AepUnexpectedResponse, not an endless loop', async () => {
  platform = () => ({
    status: 200,
    body: { items: [], _links: { next: { href: '/flows?continuationToken=same' } } },
  });
  const f = (await rejectionOf(() => client.listFlows('prod', []))) as ApplicationFailure;
  expect(f.type).toBe(FailureType.AepUnexpectedResponse);
  expect(platformRequests()).toHaveLength(2);
});

test('get unwraps items[0] and returns null on 404', async () => {
  platform = (req) =>
    req.url.endsWith('/present')
      ? {
          status: 200,
          body: {
            items: [
              {
                id: 'present',
                name: 'base',
                connectionSpec: { id: 'bc7b', version: '1.0' },
                auth: { params: { inletId: 'abc', dataType: 'raw' } },
                extra: 'kept',
              },
            ],
          },
        }
      : {
          status: 404,
          body: { type: 'https://ns.adobe.com/aep/errors/FLOW-1101-404', status: 404 },
        };
  const conn = await client.getConnection('prod', 'present');
  expect(conn?.auth?.params?.inletId).toBe('abc');
  expect(conn?.auth?.params?.inletUrl).toBeUndefined();
  expect((conn as unknown as { extra: string }).extra).toBe('kept');
  expect(await client.getConnection('prod', 'missing')).toBeNull();
});

test('deletes: 204 → deleted, 404 → absent, sandbox-not-found 404 → failure', async () => {
  platform = (req) => {
    if (req.url.endsWith('/gone')) return { status: 404, body: { status: 404 } };
    if (req.headers['x-sandbox-name'] === 'nosuch') {
      return {
        status: 404,
        body: {
          type: 'https://ns.adobe.com/aep/errors/FLOW-2100-404',
          title: 'Sandbox not found',
          status: 404,
        },
      };
    }
    return { status: 204 };
  };
  expect(await client.deleteFlow('prod', 'here')).toBe('deleted');
  expect(await client.deleteFlow('prod', 'gone')).toBe('absent');
  const f = (await rejectionOf(() => client.deleteFlow('nosuch', 'here'))) as ApplicationFailure;
  expect(f.type).toBe(FailureType.AepNotFound);
  expect(f.message).toContain('FLOW-2100-404');
});

test('Catalog: create strips @/dataSets/, get reads the id-keyed object, delete [] is absent', async () => {
  platform = (req) => {
    if (req.method === 'POST')
      return { status: 201, body: ['@/dataSets/637eb7fadc8a211b6312b65b'] };
    if (req.method === 'DELETE') {
      return req.url.endsWith('/none')
        ? { status: 200, body: [] }
        : { status: 200, body: ['@/dataSets/x'] };
    }
    return {
      status: 200,
      body: {
        '637eb7fadc8a211b6312b65b': {
          name: 'ds',
          schemaRef: {
            id: 'https://ns.adobe.com/acme/schemas/1',
            contentType: 'application/vnd.adobe.xed+json;version=1',
          },
        },
      },
    };
  };
  const { id } = await client.createDataset('prod', {
    name: 'ds',
    schemaRef: {
      id: 'https://ns.adobe.com/acme/schemas/1',
      contentType: 'application/vnd.adobe.xed+json;version=1',
    },
  });
  expect(id).toBe('637eb7fadc8a211b6312b65b');
  const ds = await client.getDataset('prod', id);
  expect(ds).toMatchObject({ id, name: 'ds' });
  expect(await client.deleteDataset('prod', 'x')).toBe('deleted');
  expect(await client.deleteDataset('prod', 'none')).toBe('absent');
});

test('Catalog find pages with limit/start and keeps exact name matches only', async () => {
  const names = Array.from({ length: 130 }, (_, i) => (i % 3 === 0 ? 'exact' : 'exactly-not'));
  platform = (req) => {
    const q = new URL(req.url, 'http://x').searchParams;
    const start = Number(q.get('start'));
    const limit = Number(q.get('limit'));
    const body: Record<string, unknown> = {};
    names.slice(start, start + limit).forEach((name, i) => {
      body[`id${start + i}`] = { name, schemaRef: { id: 's', contentType: 'c' } };
    });
    return { status: 200, body };
  };
  const found = await client.findDatasets('prod', { name: 'exact' });
  expect(found).toHaveLength(44);
  expect(found.every((d) => d.name === 'exact')).toBe(true);
  const reqs = platformRequests();
  expect(reqs.map((r) => new URL(r.url, 'http://x').searchParams.get('start'))).toEqual([
    '0',
    '100',
  ]);
  expect(propertyParams(reqs[0]!)).toEqual(['name==exact']);
});

test('Data Prep: find sends limit, start and name; create reads {id, version}', async () => {
  platform = (req) => {
    if (req.method === 'POST')
      return { status: 200, body: { id: '79a623960d3f4969835c9e00dc90c8df', version: 0 } };
    return {
      status: 200,
      body: { data: [{ id: 'm1', version: 0, name: 'a&b, "c"' }], _page: { count: 1 } },
    };
  };
  const created = await client.createMappingSet('prod', {
    version: 0,
    xdmSchema: 'https://ns.adobe.com/acme/schemas/1',
    xdmVersion: '1.0',
    mappings: [{ sourceAttribute: 'a', destinationXdmPath: 'b', identity: false, version: 0 }],
  });
  expect(created).toEqual({ id: '79a623960d3f4969835c9e00dc90c8df', version: 0 });
  const found = await client.findMappingSets('prod', { name: 'a&b, "c"' });
  expect(found.map((m) => m.id)).toEqual(['m1']);
  const get = platformRequests().find((r) => r.method === 'GET')!;
  const q = new URL(get.url, 'http://x').searchParams;
  expect(get.url.startsWith('/data/foundation/conversion/mappingSets?')).toBe(true);
  expect(q.get('limit')).toBe('100');
  expect(q.get('start')).toBe('0');
  expect(q.get('name')).toBe('a&b, "c"');
});

test('Schema Registry: encoded $id, tenant/global container, xed Accept header, 404 → null', async () => {
  platform = (req) =>
    req.url.includes('missing')
      ? { status: 404, body: { type: 'http://ns.adobe.com/aep/errors/XDM-1010-404' } }
      : {
          status: 200,
          body: { $id: 'x', title: 'T', version: '1.1', 'meta:altId': '_acme.schemas.1' },
        };
  const id = 'https://ns.adobe.com/acme/schemas/7f68';
  expect(await client.getSchema('prod', id)).toMatchObject({ title: 'T', version: '1.1' });
  expect(await client.getSchema('prod', 'https://ns.adobe.com/xdm/missing')).toBeNull();
  const [tenant, global] = platformRequests();
  expect(tenant?.url).toBe(
    `/data/foundation/schemaregistry/tenant/schemas/${encodeURIComponent(id)}`,
  );
  expect(tenant?.headers.accept).toBe('application/vnd.adobe.xed+json; version=1');
  expect(global?.url.startsWith('/data/foundation/schemaregistry/global/schemas/')).toBe(true);
});

test('sendToInlet: flow id header always, bearer token only when authenticated', async () => {
  platform = () => ({
    status: 200,
    body: { inletId: 'abc', xactionId: '1:2:3', receivedTimeMs: 1 },
  });
  const inletUrl = `${server.url}/collection/abc`;
  const open = await client.sendToInlet({
    inletUrl,
    flowId: 'flow-1',
    record: { a: 1 },
    authenticated: false,
  });
  expect(open).toEqual({
    status: 200,
    body: { inletId: 'abc', xactionId: '1:2:3', receivedTimeMs: 1 },
  });
  await client.sendToInlet({ inletUrl, flowId: 'flow-1', record: { a: 1 }, authenticated: true });
  const [first, second] = platformRequests();
  expect(first?.headers['x-adobe-flow-id']).toBe('flow-1');
  expect(first?.headers.authorization).toBeUndefined();
  expect(first?.headers['x-sandbox-name']).toBeUndefined();
  expect(second?.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
  expect(JSON.parse(second!.body)).toEqual({ a: 1 });
});

test('sendToInlet: a 400 from the inlet is a non-retryable AepBadRequest', async () => {
  platform = () => ({
    status: 400,
    body: {
      type: 'http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet',
      status: 400,
      title: 'Invalid XDM Message Format',
      report: { message: 'Message is invalid' },
    },
  });
  const f = (await rejectionOf(() =>
    client.sendToInlet({
      inletUrl: `${server.url}/collection/abc`,
      flowId: 'fl',
      record: {},
      authenticated: false,
    }),
  )) as ApplicationFailure;
  expect(f.type).toBe(FailureType.AepBadRequest);
  expect(f.nonRetryable).toBe(true);
  expect(f.message).toContain('Invalid XDM Message Format');
});
