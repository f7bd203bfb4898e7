import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { sha256Hex } from '../../src/api/auth';
import { buildApi } from '../../src/api/server';
import { ProvisioningClient } from '../../src/client';
import { parseApiConfig } from '../../src/config';
import { connectClient } from '../../src/connection';
import { EMULATOR_ORG } from '../harness/ids';
import { rawCall } from '../api/helpers';

/**
 * The API's limits on slow and greedy clients, over real sockets on loopback: headers, body and
 * keep-alive timeouts, the connection cap, a refusal that does not wait for the body it refused.
 * None of these requests reaches Temporal: the API's client is a lazy connection never used.
 */

const KEY = 'aeps_limits-test-key-0123456789abcdef0123456789';
const SECOND = 1000;
/** Node checks the headers and request timeouts once a second (server.ts). */
const CHECK = 1 * SECOND;
const SLACK = 2 * SECOND;

interface Api {
  port: number;
  base: string;
  close(): Promise<void>;
}

async function startApi(env: Record<string, string>): Promise<Api> {
  const config = parseApiConfig({
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    AEP_ORG_ID: EMULATOR_ORG,
    LOG_LEVEL: 'warn',
    API_KEYS: `limits:${sha256Hex(KEY)}:prod`,
    ...env,
  });
  const client = new ProvisioningClient(await connectClient(config, { lazy: true }), config);
  const app: FastifyInstance = await buildApi({ config, client, logStream: new PassThrough() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await client.close();
    },
  };
}

interface Stalled {
  /** The first line the server answered, if any (`HTTP/1.1 401 Unauthorized`). */
  status?: string;
  /** Milliseconds from the connection to its close by the server. */
  closedAfter: number;
}

/**
 * A client that sends `head`, then one byte of `drip` every 200 ms for as long as the server
 * keeps the connection: a slow body, slow headers, or (both empty) silence.
 */
function stall(port: number, head: string, drip: string): Promise<Stalled> {
  return new Promise((resolve) => {
    const opened = Date.now();
    let status: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const socket = connect(port, '127.0.0.1', () => {
      if (head) socket.write(head);
      if (drip) timer = setInterval(() => socket.write(drip), 200);
    });
    socket.on('data', (d) => (status ??= d.toString('latin1').split('\r\n')[0]));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ status, closedAfter: Date.now() - opened });
    });
  });
}

const PUT = (key?: string) =>
  [
    'PUT /v1/sandboxes/prod/sources/slow HTTP/1.1',
    'Host: 127.0.0.1',
    'Content-Type: application/json',
    'Content-Length: 100000',
    ...(key ? [`Authorization: Bearer ${key}`] : []),
    '',
    '{',
  ].join('\r\n');

describe('slow and greedy clients', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({
      API_HEADERS_TIMEOUT_SECONDS: '1',
      API_REQUEST_TIMEOUT_SECONDS: '3',
      API_KEEP_ALIVE_TIMEOUT_SECONDS: '1',
      API_MAX_WAIT_SECONDS: '1',
      API_IDLE_TIMEOUT_SECONDS: '5',
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  test('stalled sockets are closed within the limits, while a normal request answers', async () => {
    const many = (n: number, head: string, drip: string) =>
      Promise.all(Array.from({ length: n }, () => stall(api.port, head, drip)));
    const refused = many(50, PUT(), ' '); // no key: 401 before the body
    const slowBody = many(50, PUT(KEY), ' ');
    const slowHeaders = many(10, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X');
    const silent = many(10, '', '');
    await new Promise((r) => setTimeout(r, 300));

    const started = Date.now();
    const health = await rawCall(api.base, 'GET', '/healthz', { key: null });
    const invalid = await rawCall(api.base, 'PUT', '/v1/sandboxes/prod/sources/x', {
      key: KEY,
      body: { dataType: 'nope' },
    });
    expect([health.status, invalid.status]).toEqual([200, 422]);
    expect(Date.now() - started).toBeLessThan(2 * SECOND);

    // A refusal closes the connection at once (well before the request timeout): the unread
    // rest of the body holds nothing.
    for (const s of await refused) {
      expect(s.status).toBe('HTTP/1.1 401 Unauthorized');
      expect(s.closedAfter).toBeLessThan(1.5 * SECOND);
    }
    for (const s of await slowBody) {
      expect(s.status).toBe('HTTP/1.1 408 Request Timeout');
      expect(s.closedAfter).toBeLessThan(3 * SECOND + CHECK + SLACK);
    }
    for (const s of [...(await slowHeaders), ...(await silent)]) {
      expect(s.status).toBe('HTTP/1.1 408 Request Timeout');
      expect(s.closedAfter).toBeLessThan(1 * SECOND + CHECK + SLACK);
    }
  });

  test('a kept-alive connection with no new request is closed after the keep-alive timeout', async () => {
    const idle = await stall(api.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', '');
    expect(idle.status).toBe('HTTP/1.1 200 OK');
    expect(idle.closedAfter).toBeLessThan(1 * SECOND + CHECK + SLACK);
  });

  test('answers are neither cached nor sniffed; a complete request keeps its connection', async () => {
    for (const res of [
      await rawCall(api.base, 'GET', '/healthz', { key: null }),
      await rawCall(api.base, 'GET', '/v1/sources', { key: null }),
    ]) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers.connection).toBe('keep-alive');
    }
  });
});

describe('the connection cap', () => {
  test('a connection over API_MAX_CONNECTIONS is closed at once; a request answers once one frees', async () => {
    const api = await startApi({ API_MAX_CONNECTIONS: '5', API_HEADERS_TIMEOUT_SECONDS: '2' });
    try {
      const held = Array.from({ length: 5 }, () => stall(api.port, '', ''));
      await new Promise((r) => setTimeout(r, 300));
      const over = await stall(api.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', '');
      expect(over).toEqual({ status: undefined, closedAfter: expect.any(Number) });
      expect(over.closedAfter).toBeLessThan(SECOND);
      for (const s of await Promise.all(held))
        expect(s.status).toBe('HTTP/1.1 408 Request Timeout');
      expect((await rawCall(api.base, 'GET', '/healthz', { key: null })).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
