/** Fault rules and the control API (stats, reset, latency, seeding, resources). */
import { startEmulator, type RunningEmulator } from '../../emulator';
import { compilePathPattern, FaultEngine } from '../../emulator/faults';
import {
  connectionBody,
  FLOW,
  getToken,
  http,
  Platform,
  provision,
  unique,
  xdmMessage,
  useEmulator,
  withEmulator,
} from './helpers';

let emu: RunningEmulator;
let api: Platform;
useEmulator({ seed: 42 }, (s) => ({ emu, api } = s));
afterEach(async () => {
  await emu.control.clearFaults();
  await emu.control.setLatency(0);
});

const CONNECTIONS = `${FLOW}/connections`;

async function connectionsNamed(name: string) {
  const res = await api.get(
    `${CONNECTIONS}?${new URLSearchParams({ property: `name=="${name}"` }).toString()}`,
  );
  return res.body.items as { id: string }[];
}

describe('path patterns', () => {
  test('* is one segment, ** any number, /…/ a regex', () => {
    const star = compilePathPattern('/data/foundation/flowservice/*/abc');
    expect(star.test('/data/foundation/flowservice/connections/abc')).toBe(true);
    expect(star.test('/data/foundation/flowservice/a/b/abc')).toBe(false);
    const deep = compilePathPattern('/data/**');
    expect(deep.test('/data/foundation/catalog/dataSets/1')).toBe(true);
    expect(deep.test('/data')).toBe(true);
    expect(deep.test('/database')).toBe(false);
    const mid = compilePathPattern('/data/**/dataSets');
    expect(mid.test('/data/foundation/catalog/dataSets')).toBe(true);
    expect(mid.test('/data/foundation/catalog/dataSets/1')).toBe(false);
    const partial = compilePathPattern('/collection/batch*/*');
    expect(partial.test('/collection/batch/abc')).toBe(true);
    const re = compilePathPattern('/connections\\/[0-9a-f-]+$/');
    expect(re.test('/data/foundation/flowservice/connections/0a-1b')).toBe(true);
    expect(re.test('/data/foundation/flowservice/connections')).toBe(false);
    // Regex metacharacters in a glob are literal.
    expect(compilePathPattern('/a.b').test('/axb')).toBe(false);
  });

  test('same seed, same draws: probabilistic rules are reproducible', () => {
    const fire = (seed: number) => {
      const engine = new FaultEngine(seed);
      engine.add({ path: '/**', probability: 0.5, action: { type: 'drop' } });
      return Array.from({ length: 200 }, () =>
        engine.evaluate('GET', '/x', 'prod').outcome ? 1 : 0,
      ).join('');
    };
    expect(fire(7)).toBe(fire(7));
    expect(fire(7)).not.toBe(fire(8));
    const hits = fire(7)
      .split('')
      .filter((c) => c === '1').length;
    expect(hits).toBeGreaterThan(60);
    expect(hits).toBeLessThan(140);
  });
});

describe('fault rules', () => {
  test('status with Retry-After and a custom body, count-limited, then normal service', async () => {
    await emu.control.addFault({
      method: 'GET',
      path: CONNECTIONS,
      count: 2,
      action: { type: 'status', status: 503, retryAfterSeconds: 4, body: { custom: true } },
    });
    for (let i = 0; i < 2; i++) {
      const res = await api.get(CONNECTIONS);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('4');
      expect(res.body).toEqual({ custom: true });
    }
    expect((await api.get(CONNECTIONS)).status).toBe(200);
    expect((await emu.control.faults())[0]).toMatchObject({ fired: 2, count: 2 });
  });

  test('429 always carries Retry-After (default 1) and the gateway body; 500 uses the service shape', async () => {
    await emu.control.addFault({
      path: '/data/foundation/catalog/**',
      count: 1,
      action: { type: 'status', status: 429 },
    });
    const res = await api.get('/data/foundation/catalog/dataSets');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body).toEqual({ error_code: '429050', message: 'Too many requests' });
    await emu.control.addFault({
      path: `${FLOW}/flows`,
      count: 1,
      action: { type: 'status', status: 500 },
    });
    const flow = await api.get(`${FLOW}/flows`);
    expect(flow.status).toBe(500);
    expect(flow.body.type).toBe('https://ns.adobe.com/aep/errors/FLOW-1102-500');
  });

  test('method, sandbox and probability 0 narrow a rule', async () => {
    await emu.control.addFault({
      method: 'POST',
      path: CONNECTIONS,
      action: { type: 'status', status: 500 },
    });
    await emu.control.addFault({
      path: `${FLOW}/flows`,
      sandbox: 'dev',
      action: { type: 'status', status: 502 },
    });
    await emu.control.addFault({
      path: `${FLOW}/sourceConnections`,
      probability: 0,
      action: { type: 'drop' },
    });
    expect((await api.get(CONNECTIONS)).status).toBe(200);
    expect((await api.get(`${FLOW}/flows`)).status).toBe(200);
    expect((await new Platform(emu, api.token, 'dev').get(`${FLOW}/flows`)).status).toBe(502);
    for (let i = 0; i < 5; i++)
      expect((await api.get(`${FLOW}/sourceConnections`)).status).toBe(200);
  });

  test('latency is added asynchronously: other requests are not held up', async () => {
    await emu.control.addFault({
      path: `${FLOW}/flows`,
      count: 1,
      action: { type: 'latency', ms: 400 },
    });
    const start = Date.now();
    const slow = api.get(`${FLOW}/flows`);
    const fast = await api.get(CONNECTIONS);
    const fastMs = Date.now() - start;
    expect(fast.status).toBe(200);
    expect((await slow).status).toBe(200);
    expect(Date.now() - start).toBeGreaterThanOrEqual(390);
    expect(fastMs).toBeLessThan(300);
  });

  test('base latency applies to service calls, not to the control API', async () => {
    await emu.control.setLatency(250);
    let t = Date.now();
    expect((await api.get(CONNECTIONS)).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(240);
    t = Date.now();
    await emu.control.stats();
    expect(Date.now() - t).toBeLessThan(200);
  });

  test('drop: the socket is destroyed and nothing is created', async () => {
    const name = unique('drop');
    await emu.control.addFault({
      method: 'POST',
      path: CONNECTIONS,
      count: 1,
      action: { type: 'drop' },
    });
    await expect(api.post(CONNECTIONS, connectionBody(name))).rejects.toThrow();
    expect(await connectionsNamed(name)).toEqual([]);
  });

  test.each(['status500', 'drop'] as const)(
    'commit-then-fail (%s): the failure hides a committed create',
    async (mode) => {
      const name = unique(`ctf-${mode}`);
      const before = (await emu.control.stats()).creates.connection;
      await emu.control.addFault({
        method: 'POST',
        path: CONNECTIONS,
        count: 1,
        action: { type: 'commitThenFail', mode },
      });
      if (mode === 'status500') {
        const res = await api.post(CONNECTIONS, connectionBody(name));
        expect(res.status).toBe(500);
        expect(res.body.type).toBe('https://ns.adobe.com/aep/errors/FLOW-1102-500');
      } else {
        await expect(api.post(CONNECTIONS, connectionBody(name))).rejects.toThrow();
      }
      const found = await connectionsNamed(name);
      expect(found).toHaveLength(1);
      expect((await emu.control.stats()).creates.connection).toBe(before + 1);
      const listed = await emu.control.resources({ kind: 'connection', sandbox: 'prod' });
      expect(listed.filter((r) => r.name === name).map((r) => r.id)).toEqual([found[0]!.id]);
      // The next call is served normally.
      expect((await api.post(CONNECTIONS, connectionBody(`${name}-again`))).status).toBe(201);
    },
  );

  test('DCS calls can be faulted by the inlet sandbox', async () => {
    const p = await provision(api, unique('dcsfault'));
    await emu.control.addFault({
      path: '/collection/*',
      sandbox: 'prod',
      count: 1,
      action: { type: 'status', status: 503 },
    });
    const res = await http(p.inletUrl, {
      method: 'POST',
      body: xdmMessage(p.flowId, { _id: 'x' }),
    });
    expect(res.status).toBe(503);
    expect(res.body.status).toBe(503);
    expect(
      (await http(p.inletUrl, { method: 'POST', body: xdmMessage(p.flowId, { _id: 'x' }) })).status,
    ).toBe(200);
  });

  test('an invalid rule is refused with 400', async () => {
    const res = await http(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      body: { path: '/x', action: { type: 'status', status: 42 } },
    });
    expect(res.status).toBe(400);
    await expect(
      emu.control.addFault({ path: '/x', probability: 2, action: { type: 'drop' } }),
    ).rejects.toThrow(/400/);
  });
});

describe('control API', () => {
  test('stats count every request by route template, faulted ones included', async () => {
    await emu.control.resetStats();
    await emu.control.addFault({
      method: 'GET',
      path: `${CONNECTIONS}/*`,
      count: 1,
      action: { type: 'status', status: 500 },
    });
    const { body } = await api.post(CONNECTIONS, connectionBody(unique('stats')));
    await api.get(`${CONNECTIONS}/${body.id}`);
    await api.get(`${CONNECTIONS}/${body.id}`);
    await api.delete(`${CONNECTIONS}/${body.id}`);
    await http(`${emu.url}${CONNECTIONS}`); // no credentials: 403, still counted
    const stats = await emu.control.stats();
    expect(stats.requests).toEqual({
      'POST /data/foundation/flowservice/connections': 1,
      'GET /data/foundation/flowservice/connections/:id': 2,
      'DELETE /data/foundation/flowservice/connections/:id': 1,
      'GET /data/foundation/flowservice/connections': 1,
    });
    expect(stats.total).toBe(5);
    expect(stats.creates.connection).toBe(1);
    expect(stats.deletes.connection).toBe(1);
    await emu.control.resetStats();
    expect((await emu.control.stats()).total).toBe(0);
  });

  // How fast it seeds is the benchmark's to show (sandbox-size phase), not a timed assertion here.
  test('seedConnections builds a large sandbox, visible to lists and resources()', async () => {
    await withEmulator({}, async ({ emu: local }) => {
      const seeded = await local.control.seedConnections({ sandbox: 'dev', count: 10_000 });
      expect(seeded.created).toMatchObject({
        connection: 10_000,
        sourceConnection: 10_000,
        targetConnection: 10_000,
        flow: 10_000,
      });
      const dev = new Platform(local, await getToken(local), 'dev');
      expect((await dev.get(`${FLOW}/connections?count=true`)).body).toEqual({ count: 10_000 });
      expect((await dev.get(`${FLOW}/flows?count=true`)).body).toEqual({ count: 10_000 });
      expect(
        (await new Platform(local, dev.token, 'prod').get(`${FLOW}/connections?count=true`)).body,
      ).toEqual({
        count: 0,
      });
      expect(await local.control.resources({ kind: 'flow', sandbox: 'dev' })).toHaveLength(10_000);
      // Seeded sources are complete: deleting a seeded base connection is blocked by its flow.
      const first = (await dev.get(`${FLOW}/connections?limit=1`)).body.items[0];
      expect((await dev.delete(`${FLOW}/connections/${first.id}`)).status).toBe(400);
      expect((await local.control.stats()).creates.connection).toBe(0);
    });
  });

  test('reset clears resources, records, faults and stats; schemas return to the fixture', async () => {
    await withEmulator({}, async ({ emu: local, api: lApi }) => {
      const p = await provision(lApi, 'reset');
      await http(p.inletUrl, { method: 'POST', body: xdmMessage(p.flowId, { _id: 'x' }) });
      await local.control.addFault({ path: '/nothing', action: { type: 'drop' } });
      await local.control.addSchema({
        $id: 'https://ns.adobe.com/acme/schemas/tmp',
        'meta:altId': '_acme.tmp',
        title: 'tmp',
        type: 'object',
      });
      expect((await local.control.resources()).length).toBeGreaterThan(0);
      expect(await local.control.records()).toHaveLength(1);
      await local.control.reset();
      expect(await local.control.resources()).toEqual([]);
      expect(await local.control.records()).toEqual([]);
      expect(await local.control.faults()).toEqual([]);
      expect((await local.control.stats()).total).toBe(0);
      const schemas = (await local.control.resources({ kind: 'schema' })).map((s) => s.id);
      expect(schemas).not.toContain('https://ns.adobe.com/acme/schemas/tmp');
      expect(schemas).toContain(
        'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1',
      );
      // Tokens survive a reset.
      expect((await lApi.get(`${FLOW}/flows`)).status).toBe(200);
    });
  });

  test('resources() filters by kind and sandbox and reports the GET body', async () => {
    const name = unique('res');
    const { body } = await new Platform(emu, api.token, 'dev').post(
      CONNECTIONS,
      connectionBody(name),
    );
    const dev = await emu.control.resources({ sandbox: 'dev', kind: 'connection' });
    const mine = dev.find((r) => r.id === body.id);
    expect(mine).toMatchObject({
      kind: 'connection',
      sandbox: 'dev',
      name,
      description: 'test connection',
    });
    expect(mine?.body.etag).toBe(body.etag);
    expect((await emu.control.resources({ sandbox: 'prod' })).some((r) => r.id === body.id)).toBe(
      false,
    );
  });

  test('the emulator refuses non-loopback hosts', async () => {
    await expect(startEmulator({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });
});
