import { ApplicationFailure } from '@temporalio/common';
import { createAepClient } from '../../src/aep/client';
import { createTokenProvider } from '../../src/aep/http';
import { FailureType } from '../../src/shared/names';
import {
  clientConfig,
  rejectionOf,
  startFakeServer,
  TEST_SECRET,
  type FakeServer,
  type Reply,
} from './helpers';

let server: FakeServer;
let issued = 0;
let lifetimeSeconds = 86399;
let imsDelayMs = 0;
let imsOverride: Reply | undefined;

const imsRequests = () => server.requests.filter((r) => r.url.startsWith('/ims/token/v3'));

beforeAll(async () => {
  server = await startFakeServer((req) => {
    if (req.url.startsWith('/ims/token/v3')) {
      if (imsOverride) return imsOverride;
      issued += 1;
      return {
        status: 200,
        delayMs: imsDelayMs,
        body: {
          access_token: `token-${issued}`,
          token_type: 'bearer',
          expires_in: lifetimeSeconds,
        },
      };
    }
    // Platform: accepts only the newest token.
    const auth = req.headers.authorization;
    if (auth !== `Bearer token-${issued}`) {
      return { status: 401, body: { error_code: '401013', message: 'Oauth token is not valid' } };
    }
    return { status: 200, body: { items: [] } };
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  issued = 0;
  lifetimeSeconds = 86399;
  imsDelayMs = 0;
  imsOverride = undefined;
});

function provider(now?: () => number) {
  return createTokenProvider({ config: clientConfig(server.url), ...(now ? { now } : {}) });
}

test('sends the client-credentials form and caches the token', async () => {
  const tokens = provider();
  expect(await tokens.getToken()).toBe('token-1');
  expect(await tokens.getToken()).toBe('token-1');
  expect(imsRequests()).toHaveLength(1);

  const req = imsRequests()[0]!;
  expect(req.method).toBe('POST');
  expect(req.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  const form = new URLSearchParams(req.body);
  expect(Object.fromEntries(form)).toEqual({
    grant_type: 'client_credentials',
    client_id: 'test-client-id',
    client_secret: TEST_SECRET,
    scope: 'openid,AdobeID,read_organizations',
  });
});

test('single-flight: concurrent callers share one IMS request', async () => {
  imsDelayMs = 100;
  const tokens = provider();
  const all = await Promise.all(Array.from({ length: 20 }, () => tokens.getToken()));
  expect(new Set(all)).toEqual(new Set(['token-1']));
  expect(imsRequests()).toHaveLength(1);
});

test('refreshes before expiry: 10% margin for short lifetimes', async () => {
  let now = 1_000_000;
  lifetimeSeconds = 100; // margin = min(5 min, 10 s) = 10 s
  const tokens = provider(() => now);
  expect(await tokens.getToken()).toBe('token-1');
  now += 89_000;
  expect(await tokens.getToken()).toBe('token-1');
  expect(imsRequests()).toHaveLength(1);
  now += 2_000; // 91 s: inside the margin
  expect(await tokens.getToken()).toBe('token-2');
  expect(imsRequests()).toHaveLength(2);
});

test('refreshes before expiry: 5 minute margin for 24 h tokens', async () => {
  let now = 0;
  const tokens = provider(() => now);
  await tokens.getToken();
  now = (86399 - 301) * 1000;
  expect(await tokens.getToken()).toBe('token-1');
  now = (86399 - 299) * 1000;
  expect(await tokens.getToken()).toBe('token-2');
});

test('invalidate(token) forces exactly one refresh, a stale invalidate is ignored', async () => {
  const tokens = provider();
  const first = await tokens.getToken();
  tokens.invalidate(first);
  tokens.invalidate(first);
  const [a, b] = await Promise.all([tokens.getToken(), tokens.getToken()]);
  expect(a).toBe('token-2');
  expect(b).toBe('token-2');
  tokens.invalidate(first); // someone still holding token-1 reports a 401
  expect(await tokens.getToken()).toBe('token-2');
  expect(imsRequests()).toHaveLength(2);
});

test('a Platform 401 invalidates the token and retries the call once with a fresh one', async () => {
  const tokens = provider();
  const client = createAepClient({ config: clientConfig(server.url), tokens });
  await tokens.getToken(); // cache token-1
  issued += 1; // the server now only accepts token-2 (token-1 "expired" on Adobe's side)
  const flows = await client.listFlows('prod', [{ path: 'name', value: 'x' }]);
  expect(flows).toEqual([]);
  const platformCalls = server.requests.filter((r) => r.url.startsWith('/data/'));
  expect(platformCalls.map((r) => r.headers.authorization)).toEqual([
    'Bearer token-1',
    'Bearer token-3',
  ]);
  expect(imsRequests()).toHaveLength(2);
});

test('wrong credentials → AepUnauthorized, non-retryable, no secret in the failure', async () => {
  for (const status of [400, 401]) {
    imsOverride = {
      status,
      body: { error: 'invalid_client', error_description: 'invalid client_secret parameter' },
    };
    const err = await rejectionOf(() => provider().getToken());
    expect(err).toBeInstanceOf(ApplicationFailure);
    const f = err as ApplicationFailure;
    expect(f.type).toBe(FailureType.AepUnauthorized);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('invalid_client');
    expect(JSON.stringify({ m: f.message, d: f.details, s: f.stack })).not.toContain(TEST_SECRET);
  }
});

test('IMS 5xx is retryable, and a failed refresh is not cached', async () => {
  imsOverride = { status: 503, headers: { 'retry-after': '2' } };
  const tokens = provider();
  const f = (await rejectionOf(() => tokens.getToken())) as ApplicationFailure;
  expect(f.type).toBe(FailureType.AepServerError);
  expect(f.nonRetryable).toBe(false);
  expect(f.nextRetryDelay).toBe(2_000);
  imsOverride = undefined;
  expect(await tokens.getToken()).toBe('token-1');
});

test("one caller's abort does not cancel the shared request for the others", async () => {
  imsDelayMs = 150;
  const tokens = provider();
  const controller = new AbortController();
  const aborted = rejectionOf(() => tokens.getToken(controller.signal));
  const other = tokens.getToken();
  controller.abort(new DOMException('cancelled', 'AbortError'));
  expect(((await aborted) as Error).name).toBe('AbortError');
  expect(await other).toBe('token-1');
  expect(imsRequests()).toHaveLength(1);
});
