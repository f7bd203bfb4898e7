import { PassThrough } from 'node:stream';
import { buildApi } from '../../src/api/server';
import { ProvisioningClient } from '../../src/client';
import { connectClient } from '../../src/connection';
import { KEYS, rawCall, startApi, type ApiStack } from '../api/helpers';

/**
 * /readyz needs no key, yet tells where Temporal is (address, namespace, task queue, workers) to a
 * valid key only, and spends the reads budget like any other request: without a key, per address.
 */

const BUDGET = 3;
let api: ApiStack;

beforeAll(async () => {
  api = await startApi({ API_RATE_LIMIT_PER_MINUTE: String(BUDGET) });
});
afterAll(async () => {
  await api?.close();
});

describe('/readyz', () => {
  test('without a valid key it answers only the status; a key also gets where Temporal is', async () => {
    const anonymous = await api.call('GET', '/readyz', { key: null });
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ status: 'ok' });
    const unknown = await api.call('GET', '/readyz', {
      key: 'aeps_not-a-known-key-0123456789abcdef',
    });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ status: 'ok' });
    expect(unknown.text).not.toContain(api.config.TEMPORAL_ADDRESS);

    const known = await api.call('GET', '/readyz', { key: KEYS.dev });
    expect(known.status).toBe(200);
    expect(known.body).toMatchObject({
      status: 'ok',
      temporal: api.config.TEMPORAL_ADDRESS,
      namespace: api.config.TEMPORAL_NAMESPACE,
      taskQueue: api.stack.taskQueue,
    });
    expect(typeof known.body.workers).toBe('number');
  });

  test('spends the reads budget: per address without a key, per key with one', async () => {
    // The test above spent 2 of this address's budget and 1 of key dev's.
    const statuses: number[] = [];
    for (let i = 0; i < BUDGET; i++) {
      statuses.push((await api.call('GET', '/readyz', { key: null })).status);
    }
    expect(statuses).toEqual([200, 429, 429]);
    const limited = await api.call('GET', '/readyz', { key: null });
    expect(limited.body.type).toBe('urn:aep-stream:problem:RateLimited');
    expect(limited.headers['retry-after']).toBeDefined();
    // The key's own budget is untouched by the anonymous calls.
    expect((await api.call('GET', '/readyz', { key: KEYS.prod })).status).toBe(200);
  });

  test('503 names the Temporal address to a valid key only', async () => {
    const config = { ...api.config, TEMPORAL_ADDRESS: '127.0.0.1:1' };
    const dead = new ProvisioningClient(await connectClient(config, { lazy: true }), config);
    const app = await buildApi({ config, client: dead, logStream: new PassThrough() });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const anonymous = await rawCall(base, 'GET', '/readyz', { key: null });
      expect(anonymous.status).toBe(503);
      expect(anonymous.body.type).toBe('urn:aep-stream:problem:TemporalUnavailable');
      expect(anonymous.text).not.toContain('127.0.0.1:1');
      expect(anonymous.text).not.toContain(config.TEMPORAL_NAMESPACE);
      const known = await rawCall(base, 'GET', '/readyz', { key: KEYS.prod });
      expect(known.status).toBe(503);
      expect(known.body.detail).toContain('127.0.0.1:1');
    } finally {
      await app.close();
      await dead.close().catch(() => undefined);
    }
  });
});
