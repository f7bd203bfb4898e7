/**
 * A scriptable loopback HTTP server for the pure client tests (the emulator covers behaviour;
 * this covers exact status/header/body edge cases). Each request is recorded with its headers
 * and body so tests can assert what the client sent.
 */
import http from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import { type AepClientConfig } from '../../src/aep/client';
import { Secret } from '../../src/config/fields';

export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
  /** Destroy the socket instead of answering. */
  drop?: boolean;
}

export type Handler = (req: Recorded) => Reply | Promise<Reply>;

export interface FakeServer {
  url: string;
  requests: Recorded[];
  setHandler(h: Handler): void;
  close(): Promise<void>;
}

export const TEST_TOKEN = 'tok-SECRET-ACCESS-TOKEN-1';
export const TEST_SECRET = 'p8e-CLIENT-SECRET-do-not-leak';

export const imsOk = (token = TEST_TOKEN, expiresIn = 86399): Reply => ({
  status: 200,
  body: { access_token: token, token_type: 'bearer', expires_in: expiresIn },
});

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  let current = handler;
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(rec);
      void Promise.resolve(current(rec)).then(async (reply) => {
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        if (reply.drop) {
          req.socket.destroy();
          return;
        }
        if (res.destroyed) return;
        const headers: Record<string, string> = { ...reply.headers };
        let payload = '';
        if (reply.body !== undefined) {
          payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
          headers['content-type'] ??= 'application/json';
        }
        res.writeHead(reply.status, headers);
        res.end(payload);
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setHandler(h) {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function clientConfig(
  url: string,
  overrides: Partial<AepClientConfig> = {},
): AepClientConfig {
  return {
    AEP_PLATFORM_URL: url,
    AEP_IMS_URL: url,
    AEP_CLIENT_ID: 'test-client-id',
    AEP_CLIENT_SECRET: new Secret(TEST_SECRET),
    AEP_ORG_ID: '5C1328435BF324E90A49402A@AdobeOrg',
    AEP_SCOPES: 'openid,AdobeID,read_organizations',
    AEP_REQUEST_TIMEOUT_MS: 2_000,
    ...overrides,
  };
}

/** Runs `fn`, expecting it to reject, and returns the rejection. */
export async function rejectionOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, got a result');
}
