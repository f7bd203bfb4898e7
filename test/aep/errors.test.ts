/**
 * Error mapping as activities see it: the client runs inside an activity executed by
 * MockActivityEnvironment, against a loopback server answering the exact statuses, headers and
 * Adobe error bodies under test.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { createAepClient, type AepClient } from '../../src/aep/client';
import { aepFailureDetails, parseRetryAfter, toAepFailure } from '../../src/aep/errors';
import { AepHttpError } from '../../src/aep/errors';
import { FailureType } from '../../src/shared/names';
import { mockActivityEnvironment } from '../harness/mock-activity';
import {
  clientConfig,
  closedPort,
  imsOk,
  rejectionOf,
  startFakeServer,
  TEST_SECRET,
  TEST_TOKEN,
  type FakeServer,
  type Reply,
} from './helpers';

const SANDBOX = 'dev';
const FLOW_ID = '84224def-1e2a-4d95-9ea2-132d697ed2aa';

const flowProblem = (code: string, status: number, title: string, message: string) => ({
  type: `https://ns.adobe.com/aep/errors/FLOW-${code}`,
  title,
  status,
  report: { 'detailed-message': message, 'request-id': 'req-1' },
  errorMessage: message,
});

let server: FakeServer;
let platformReply: Reply;
let client: AepClient;

beforeAll(async () => {
  server = await startFakeServer((req) =>
    req.url.startsWith('/ims/token/v3') ? imsOk() : platformReply,
  );
  client = createAepClient({ config: clientConfig(server.url) });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

/** Runs `call` as an activity and returns what the activity threw. */
async function activityFailure(
  call: (c: AepClient, signal: AbortSignal) => Promise<unknown>,
  env = mockActivityEnvironment(),
): Promise<unknown> {
  return rejectionOf(() => env.run(async () => call(client, Context.current().cancellationSignal)));
}

async function expectFailure(
  reply: Reply,
  call: (c: AepClient, signal: AbortSignal) => Promise<unknown> = (c, signal) =>
    c.createFlow(
      SANDBOX,
      {
        name: 'f',
        flowSpec: { id: 'd8a6f005-7eaf-4153-983e-e8574508b877', version: '1.0' },
        sourceConnectionIds: ['s'],
        targetConnectionIds: ['t'],
      },
      signal,
    ),
): Promise<ApplicationFailure> {
  platformReply = reply;
  const err = await activityFailure(call);
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  // Failures land in workflow history: no secret, no token, JSON-safe details.
  const serialized = JSON.stringify({ m: failure.message, d: failure.details });
  expect(serialized).not.toContain(TEST_SECRET);
  expect(serialized).not.toContain(TEST_TOKEN);
  expect(JSON.parse(JSON.stringify(failure.details))).toEqual(failure.details);
  return failure;
}

describe('HTTP status → ApplicationFailure (inside an activity)', () => {
  test('400 Flow Service problem → AepBadRequest, non-retryable, Adobe code in message', async () => {
    const f = await expectFailure({
      status: 400,
      body: flowProblem(
        '1410-400',
        400,
        'Invalid request',
        'State is not allowed in the create flow request',
      ),
    });
    expect(f.type).toBe(FailureType.AepBadRequest);
    expect(f.nonRetryable).toBe(true);
    expect(f.nextRetryDelay).toBeUndefined();
    expect(f.message).toContain('flowservice.createFlow');
    expect(f.message).toContain('HTTP 400');
    expect(f.message).toContain('FLOW-1410-400');
    expect(f.message).toContain('State is not allowed');
    expect(aepFailureDetails(f)).toEqual({
      status: 400,
      code: 'FLOW-1410-400',
      operation: 'flowservice.createFlow',
    });
  });

  test('404 on a call that needs the resource → AepNotFound, non-retryable', async () => {
    const f = await expectFailure(
      {
        status: 404,
        body: flowProblem(
          '1439-404',
          404,
          'Resource not found',
          `The requested flows resource ${FLOW_ID} is not found.`,
        ),
      },
      (c, signal) => c.flowAction(SANDBOX, FLOW_ID, 'enable', signal),
    );
    expect(f.type).toBe(FailureType.AepNotFound);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('FLOW-1439-404');
    expect(aepFailureDetails(f)).toEqual({
      status: 404,
      code: 'FLOW-1439-404',
      operation: 'flowservice.enableFlow',
      resource: FLOW_ID,
    });
  });

  test('409 and 412 → AepConflict, non-retryable', async () => {
    const f409 = await expectFailure({
      status: 409,
      body: { error_code: '409001', message: 'Conflict on resource' },
    });
    expect(f409.type).toBe(FailureType.AepConflict);
    expect(f409.nonRetryable).toBe(true);
    expect(f409.message).toContain('409001');

    const f412 = await expectFailure({
      status: 412,
      body: flowProblem(
        '1404-412',
        412,
        'Version not matching',
        'The supplied version does not match',
      ),
    });
    expect(f412.type).toBe(FailureType.AepConflict);
    expect(f412.nonRetryable).toBe(true);
    expect(f412.message).toContain('FLOW-1404-412');
  });

  test('408 → retryable (unkind AEP, problem 5): the server gave up waiting, send it again', async () => {
    const f = await expectFailure({
      status: 408,
      body: { error_code: '408000', message: 'Timeout' },
    });
    expect(f.nonRetryable).toBe(false);
  });

  test('a DELETE answered "still in use" (1418-400, 409) is retryable; the same on a create is not', async () => {
    const inUse = {
      status: 400,
      body: flowProblem(
        '1418-400',
        400,
        'Connection in use',
        'Delete the dataflows using this connection first',
      ),
    };
    const del = await expectFailure(inUse, (c, signal) =>
      c.deleteConnection(SANDBOX, 'c1', signal),
    );
    expect(del.type).toBe(FailureType.AepBadRequest);
    expect(del.nonRetryable).toBe(false);
    const conflict = await expectFailure(
      { status: 409, body: { message: 'in use' } },
      (c, signal) => c.deleteDataset(SANDBOX, 'd1', signal),
    );
    expect(conflict.nonRetryable).toBe(false);
    // Not a delete: the same answers stay final.
    expect((await expectFailure(inUse)).nonRetryable).toBe(true);
    expect(
      (
        await expectFailure(
          { status: 400, body: flowProblem('1418-400', 400, 'x', 'y') },
          (c, signal) => c.getConnection(SANDBOX, 'c1', signal),
        )
      ).nonRetryable,
    ).toBe(true);
  });

  test('403 gateway body → AepForbidden; 422 → AepClientError; both non-retryable', async () => {
    const f403 = await expectFailure({
      status: 403,
      body: { error_code: '403027', message: 'User region is missing' },
    });
    expect(f403.type).toBe(FailureType.AepForbidden);
    expect(f403.nonRetryable).toBe(true);
    expect(f403.message).toContain('403027');
    expect(f403.message).toContain('User region is missing');

    const f422 = await expectFailure({ status: 422, body: { message: 'nope' } });
    expect(f422.type).toBe(FailureType.AepClientError);
    expect(f422.nonRetryable).toBe(true);
  });

  test('429 with Retry-After: 7 → AepRateLimited, retryable, nextRetryDelay 7 s', async () => {
    const f = await expectFailure({
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error_code: '429050', message: 'Too many requests' },
    });
    expect(f.type).toBe(FailureType.AepRateLimited);
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBe(7_000);
    expect(f.message).toContain('429050');
  });

  test('429 with an HTTP-date Retry-After → nextRetryDelay until that date', async () => {
    const at = new Date(Date.now() + 30_000);
    const f = await expectFailure({
      status: 429,
      headers: { 'retry-after': at.toUTCString() },
    });
    expect(f.type).toBe(FailureType.AepRateLimited);
    expect(f.nonRetryable).toBe(false);
    // HTTP-dates have one-second resolution.
    expect(f.nextRetryDelay).toBeGreaterThanOrEqual(28_000);
    expect(f.nextRetryDelay).toBeLessThanOrEqual(31_000);
  });

  test('429 without Retry-After → retryable, retry policy decides the delay', async () => {
    const f = await expectFailure({ status: 429 });
    expect(f.type).toBe(FailureType.AepRateLimited);
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBeUndefined();
  });

  test('500 → AepServerError retryable; 503 honours Retry-After', async () => {
    const f500 = await expectFailure({
      status: 500,
      body: flowProblem('1102-500', 500, 'Internal error', 'Something went wrong'),
    });
    expect(f500.type).toBe(FailureType.AepServerError);
    expect(f500.nonRetryable).toBe(false);
    expect(f500.nextRetryDelay).toBeUndefined();
    expect(f500.message).toContain('FLOW-1102-500');

    const f503 = await expectFailure({ status: 503, headers: { 'retry-after': '3' } });
    expect(f503.type).toBe(FailureType.AepServerError);
    expect(f503.nonRetryable).toBe(false);
    expect(f503.nextRetryDelay).toBe(3_000);
  });

  test('2xx with a body missing required fields → AepUnexpectedResponse, non-retryable', async () => {
    const f = await expectFailure({ status: 201, body: { etag: '"x"' } });
    expect(f.type).toBe(FailureType.AepUnexpectedResponse);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('id');
  });

  test('a 401 that survives one token refresh → AepUnauthorized, non-retryable', async () => {
    const f = await expectFailure({
      status: 401,
      body: { error_code: '401013', message: 'Oauth token is not valid' },
    });
    expect(f.type).toBe(FailureType.AepUnauthorized);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('401013');
    // Two attempts at the flow, one refresh of the token in between.
    const flowPosts = server.requests.filter((r) =>
      r.url.startsWith('/data/foundation/flowservice/flows'),
    );
    expect(flowPosts).toHaveLength(2);
    expect(server.requests.filter((r) => r.url.startsWith('/ims/'))).toHaveLength(1);
  });
});

describe('no HTTP answer → AepNetworkError (retryable)', () => {
  test('connection refused on a closed loopback port', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const dead = createAepClient({
      config: clientConfig(url),
      tokens: { getToken: async () => TEST_TOKEN, invalidate: () => undefined },
    });
    const err = await rejectionOf(() =>
      mockActivityEnvironment().run(async () =>
        dead.getFlow(SANDBOX, FLOW_ID, Context.current().cancellationSignal),
      ),
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    const f = err as ApplicationFailure;
    expect(f.type).toBe(FailureType.AepNetworkError);
    expect(f.nonRetryable).toBe(false);
    expect(aepFailureDetails(f)).toEqual({
      status: null,
      code: 'ECONNREFUSED',
      operation: 'flowservice.getFlow',
      resource: FLOW_ID,
    });
  });

  test('request timeout', async () => {
    const slow = createAepClient({
      config: clientConfig(server.url, { AEP_REQUEST_TIMEOUT_MS: 150 }),
    });
    platformReply = { status: 200, body: { items: [] }, delayMs: 1_000 };
    const err = await rejectionOf(() =>
      mockActivityEnvironment().run(async () =>
        slow.getFlow(SANDBOX, FLOW_ID, Context.current().cancellationSignal),
      ),
    );
    const f = err as ApplicationFailure;
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.type).toBe(FailureType.AepNetworkError);
    expect(f.nonRetryable).toBe(false);
    expect(aepFailureDetails(f)?.code).toBe('TIMEOUT');
  });

  test('socket dropped mid-request', async () => {
    const f = await expectFailure({ status: 200, drop: true });
    expect(f.type).toBe(FailureType.AepNetworkError);
    expect(f.nonRetryable).toBe(false);
  });
});

describe('activity cancellation is not mapped', () => {
  test('cancelling the activity aborts the request and rethrows the cancellation', async () => {
    platformReply = { status: 200, body: { items: [] }, delayMs: 1_500 };
    const env = mockActivityEnvironment();
    const started = Date.now();
    const pending = activityFailure((c, signal) => c.getFlow(SANDBOX, FLOW_ID, signal), env);
    setTimeout(() => env.cancel(), 100);
    const err = await pending;
    expect(err).toBeInstanceOf(CancelledFailure);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect(Date.now() - started).toBeLessThan(1_400);
  });

  test('toAepFailure rethrows AbortError and CancelledFailure as is', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(() => toAepFailure(abort, { operation: 'x' })).toThrow(abort);
    const cancelled = new CancelledFailure('CANCELLED');
    expect(() => toAepFailure(cancelled, { operation: 'x' })).toThrow(cancelled);
  });
});

describe('toAepFailure on Adobe body shapes', () => {
  const map = (status: number, body: unknown, service?: 'ims' | 'inlet') =>
    toAepFailure(new AepHttpError(status, '', null, body), {
      operation: 'op',
      resource: 'r',
      ...(service ? { service } : {}),
    });

  test('Schema Registry problem body', () => {
    const f = map(404, {
      type: 'http://ns.adobe.com/aep/errors/XDM-1010-404',
      title: 'Resource not found',
      status: 404,
      report: { 'detailed-message': 'The requested schema resource is not found.' },
      detail: 'The requested schema resource is not found.',
    });
    expect(f.type).toBe(FailureType.AepNotFound);
    expect(f.message).toContain(
      '[XDM-1010-404] Resource not found: The requested schema resource is not found.',
    );
    expect(aepFailureDetails(f)?.code).toBe('XDM-1010-404');
  });

  test('IMS refusing credentials is AepUnauthorized even when IMS says 400', () => {
    const f = map(
      400,
      { error: 'invalid_client', error_description: 'invalid client_secret parameter' },
      'ims',
    );
    expect(f.type).toBe(FailureType.AepUnauthorized);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('invalid_client');
    expect(f.message).toContain('invalid client_secret parameter');
  });

  test('DCS 401 body with a string status', () => {
    const f = map(
      401,
      {
        type: 'https://ns.adobe.com/adobecloud/problem/data-collection-service-authorization',
        status: '401',
        title: 'Authorization',
        report: { message: '[id] Ims service token is empty' },
      },
      'inlet',
    );
    expect(f.type).toBe(FailureType.AepUnauthorized);
    expect(f.message).toContain('Ims service token is empty');
  });

  test('unknown JSON shape and plain text are quoted, truncated', () => {
    expect(map(400, { foo: 'bar' }).message).toContain('{"foo":"bar"}');
    const long = 'x'.repeat(5_000);
    const f = map(502, long);
    expect(f.type).toBe(FailureType.AepServerError);
    expect(f.message.length).toBeLessThan(600);
  });

  test('a bearer token echoed by a server is redacted', () => {
    const f = map(400, { message: `bad header Authorization: Bearer ${TEST_TOKEN}` });
    expect(f.message).not.toContain(TEST_TOKEN);
    expect(f.message).toContain('Bearer [redacted]');
  });

  test('an ApplicationFailure passes through unchanged', () => {
    const original = ApplicationFailure.nonRetryable('x', 'Other');
    expect(toAepFailure(original, { operation: 'op' })).toBe(original);
  });
});

describe('parseRetryAfter', () => {
  const now = () => Date.parse('2026-01-01T00:00:00Z');
  test.each([
    [null, undefined],
    ['', undefined],
    ['0', undefined],
    ['7', 7_000],
    ['120', 120_000],
    ['soon', undefined],
    ['Thu, 01 Jan 2026 00:00:10 GMT', 10_000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', undefined],
  ])('%p → %p', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
