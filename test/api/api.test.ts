import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { buildApi } from '../../src/api/server';
import { ProvisioningClient } from '../../src/client';
import { parseClientConfig } from '../../src/config';
import { clientOn, connectClient } from '../../src/connection';
import { freshTaskQueue } from '../harness/temporal';
import {
  checked,
  checkAgainstOpenApi,
  KEYS,
  rawCall,
  sourceBody,
  sourcePath,
  startApi,
  type ApiStack,
} from './helpers';
import { uniqueName } from '../harness/sources';
import { sourceIdOf } from '../harness/ids';

/**
 * The HTTP API on the real stack: Temporal dev server, AEP emulator, a worker. Every response is
 * checked against the OpenAPI document (helpers.ts).
 */

let api: ApiStack;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const body = sourceBody;
const path = sourcePath;
const wait = { Prefer: 'wait=45' };

const resourcesOf = async (name: string) =>
  (await api.stack.emulator.control.resources({ sandbox: 'prod' })).filter(
    (r) => r.name === name || r.name === `${name} dataset`,
  );

describe('security', () => {
  test('no key, a malformed header or an unknown key: 401 problem with WWW-Authenticate', async () => {
    for (const [key, headers] of [
      [null, {}],
      [null, { authorization: 'Basic dXNlcjpwYXNz' }],
      ['aeps_not-a-configured-key', {}],
    ] as const) {
      const res = await api.call('GET', path('anything'), { key, headers });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body.type).toBe('urn:aep-stream:problem:Unauthorized');
    }
    // Unknown paths do not tell a caller without a key whether they exist.
    expect((await api.call('GET', '/v1/nothing-here', { key: null })).status).toBe(401);
  });

  test('a key scoped to another sandbox: 403, and nothing starts', async () => {
    const name = uniqueName('scoped');
    const put = await api.call('PUT', path(name), { key: KEYS.dev, body: body(name) });
    expect(put.status).toBe(403);
    expect(put.body.type).toBe('urn:aep-stream:problem:Forbidden');
    expect(put.body.detail).toContain('ci-dev');
    expect((await api.call('GET', path(name), { key: KEYS.dev })).status).toBe(403);
    expect((await api.call('DELETE', path(name), { key: KEYS.dev })).status).toBe(403);
    expect((await api.call('GET', '/v1/sources?sandbox=prod', { key: KEYS.dev })).status).toBe(403);
    // The prod key sees no run of that name: nothing was started.
    expect((await api.call('GET', path(name))).status).toBe(404);
  });

  test('oversize, malformed, non-JSON and non-object bodies are refused as problems', async () => {
    const name = uniqueName('bodies');
    const big = { ...body(name), description: 'x'.repeat(300_000) };
    const tooLarge = await api.call('PUT', path(name), { body: big });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.type).toBe('urn:aep-stream:problem:BodyTooLarge');

    const malformed = await api.call('PUT', path(name), { raw: '{"dataType": "raw",' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.type).toBe('urn:aep-stream:problem:MalformedRequest');

    const text = await api.call('PUT', path(name), {
      raw: 'dataType=raw',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);

    const array = await api.call('PUT', path(name), { body: [body(name)] });
    expect(array.status).toBe(422);
    const proto = await api.call('PUT', path(name), {
      raw: '{"dataType":"raw","__proto__":{"x":1}}',
    });
    expect(proto.status).toBe(400);
    expect((await api.call('GET', path(name))).status).toBe(404);
  });

  test('a body nested 10,000 deep (a smoke record) is a 422 problem, not a 500; nothing starts', async () => {
    const name = uniqueName('deep');
    const record = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const raw = JSON.stringify({ ...body(name), smokeTest: { record: 0 } }).replace(
      '"record":0',
      `"record":${record}`,
    );
    for (const [method, url] of [
      ['PUT', path(name)],
      ['POST', `${path(name)}/plan`],
    ] as const) {
      const res = await api.call(method, url, { raw });
      expect([res.status, res.body.type, res.body.errors]).toEqual([
        422,
        'urn:aep-stream:problem:InvalidRequest',
        ['the body nests deeper than 64 levels'],
      ]);
    }
    expect((await api.call('GET', path(name))).status).toBe(404);
    // 64 levels are taken.
    const deepest = `${'{"a":'.repeat(62)}1${'}'.repeat(62)}`;
    await api.stack.withWorker(async () => {
      const plan = await api.call('POST', `${path(name)}/plan`, {
        raw: raw.replace(record, deepest),
      });
      expect([plan.status, plan.body.changes]).toEqual([200, true]);
    });
  });

  test('names as people write them are sources (%2F included); . .. and control characters are refused', async () => {
    // A name may hold `/` (AEP accepts it): percent-encoded in the path, it is one segment.
    for (const p of ['/v1/sandboxes/prod/sources/a%2Fb', '/v1/sandboxes/prod/sources/..%2Fetc']) {
      const res = await api.call('GET', p);
      expect([p, res.status, res.body.type]).toEqual([
        p,
        404,
        'urn:aep-stream:problem:SourceNotFound',
      ]);
    }
    for (const [p, why] of [
      ['/v1/sandboxes/prod/sources/%2e%2e', /must not be "\." or "\.\."/],
      ['/v1/sandboxes/prod/sources/x%00y', /printable characters: character 2 is U\+0000/],
    ] as const) {
      const res = await api.call('GET', p);
      expect([p, res.status]).toEqual([p, 422]);
      expect(res.body.errors.join()).toMatch(why);
    }
    // A literal `..` segment is not a route of the API at all.
    const dots = await rawCall(api.base, 'GET', '/v1/sandboxes/prod/sources/../sources/x');
    expect(dots.status).toBe(404);
    const badSandbox = await api.call('GET', '/v1/sandboxes/Prod%2F..%2Fdev/sources/x', {
      key: KEYS.all,
    });
    expect(badSandbox.status).toBe(422);

    const name = uniqueName('Café Ørsted 東京');
    await api.stack.withWorker(async () => {
      const put = await api.call('PUT', path(name), { body: body(name), headers: wait });
      expect(put.status).toBe(200);
      expect(put.body.name).toBe(name);
      const get = await api.call('GET', path(name));
      expect(get.body.name).toBe(name);
      expect(get.body.result.inletUrl).toBe(put.body.inletUrl);
    });
  });

  test('reads budget per key: 429 problem with Retry-After; another key is unaffected', async () => {
    const limited = await startApi({ API_RATE_LIMIT_PER_MINUTE: '3' }, api.stack);
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await limited.call('GET', path('rl'))).status);
      expect(codes).toEqual([404, 404, 404, 429]);
      const res = await limited.call('GET', path('rl'));
      expect(res.body.type).toBe('urn:aep-stream:problem:RateLimited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect((await limited.call('GET', path('rl'), { key: KEYS.all })).status).toBe(404);
      // Health probes are never limited.
      for (let i = 0; i < 5; i++) expect((await limited.call('GET', '/healthz')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  test('request ids: given or made, returned, on every request log line; no key ever logged', async () => {
    const given = await api.call('GET', path('logged'), {
      headers: { 'x-request-id': 'req-abc.1' },
    });
    expect(given.headers['x-request-id']).toBe('req-abc.1');
    expect(given.body.requestId).toBe('req-abc.1');
    const made = await api.call('GET', path('logged'), {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    await api.call('GET', path('logged'), { key: 'aeps_wrong-key-that-must-not-be-logged' });

    const lines = api
      .logs()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const requestLines = lines.filter((l) => l.req || l.res || l.msg !== undefined);
    expect(requestLines.length).toBeGreaterThan(10);
    // Every line but the listener's start is a request's, and carries its id.
    for (const l of lines.filter((x) => !/^Server listening/.test(x.msg))) {
      expect([l.msg, typeof l.reqId]).toEqual([l.msg, 'string']);
    }
    const all = api.logs();
    for (const k of [...Object.values(KEYS), 'aeps_wrong-key-that-must-not-be-logged']) {
      expect(all).not.toContain(k);
    }
    expect(all).not.toMatch(/authorization/i);
  });
});

describe('sources', () => {
  test('PUT with Prefer: wait gives the result; GET shows the inlet URL; PUT again converges', async () => {
    const name = uniqueName('put');
    await api.stack.withWorker(async () => {
      const first = await api.call('PUT', path(name), { body: body(name), headers: wait });
      expect(first.status).toBe(200);
      expect(first.headers['preference-applied']).toBe('wait=45');
      expect(first.body.inletUrl).toMatch(/\/collection\/[0-9a-f]{64}$/);
      expect(first.body.created).toContain('flow');

      const get = await api.call('GET', path(name));
      expect(get.status).toBe(200);
      expect(get.body).toMatchObject({
        sandbox: 'prod',
        name,
        execution: 'COMPLETED',
        status: 'SUCCEEDED',
        result: { inletUrl: first.body.inletUrl, flowId: first.body.flowId },
        links: { self: path(name) },
      });

      const again = await api.call('PUT', path(name), { body: body(name), headers: wait });
      expect(again.status).toBe(200);
      expect(again.body.flowId).toBe(first.body.flowId);
      expect(again.body.inletUrl).toBe(first.body.inletUrl);
      expect(again.body.created).toEqual([]);
    });
    const kinds = (await resourcesOf(name)).map((r) => r.kind).sort();
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  test('GET shows the dataflow`s recent runs from Flow Service (health)', async () => {
    const name = uniqueName('health');
    await api.stack.withWorker(async () => {
      const put = await api.call('PUT', path(name), { body: body(name), headers: wait });
      expect(put.status).toBe(200);
      const sent = await fetch(put.body.inletUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-adobe-flow-id': put.body.flowId },
        body: JSON.stringify({ id: 'r1' }),
      });
      expect(sent.status).toBe(200);
      const get = await api.call('GET', path(name));
      expect(get.status).toBe(200);
      expect(get.body.health).toMatchObject({
        flowId: put.body.flowId,
        available: true,
        received: 1,
        ingested: 1,
        failed: 0,
        runs: [{ status: 'success', received: 1, ingested: 1, failed: 0 }],
      });
    });
  });

  test('PUT without Prefer: 202 with Location and the operation; the body may repeat name and sandbox', async () => {
    const name = uniqueName('async');
    await api.stack.withWorker(async () => {
      const put = await api.call('PUT', path(name), {
        body: { ...body(name), name, sandbox: 'prod' },
      });
      expect(put.status).toBe(202);
      expect(put.headers.location).toBe(path(name));
      expect(put.body).toMatchObject({
        operation: 'provision',
        workflowId: sourceIdOf(name),
        started: true,
        status: 'RUNNING',
      });
      let status = '';
      for (let i = 0; i < 200 && status !== 'COMPLETED'; i++) {
        const get = await api.call('GET', put.headers.location as string);
        status = get.body.execution;
        if (status !== 'COMPLETED') await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe('COMPLETED');
    });
  });

  test('an invalid body: 422 listing every bad field, and nothing starts', async () => {
    const name = uniqueName('invalid');
    const res = await api.call('PUT', path(name), {
      body: {
        name: 'another name',
        dataType: 'csv',
        target: { schemaId: 'nope' },
        mappings: [{ sourceAttribute: ' id', destinationXdmPath: '1bad' }],
        extra: true,
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('urn:aep-stream:problem:InvalidRequest');
    const errors: string[] = res.body.errors;
    for (const field of [
      /^name: the body names "another name"/,
      /dataType must be "xdm" or "raw"/,
      /target.schemaId must be an XDM schema/,
      /target needs exactly one of datasetId/,
      /sourceAttribute has leading or trailing spaces/,
      /destinationXdmPath must be a dotted XDM path/,
      /unknown field\(s\) extra/,
    ]) {
      expect([field, errors.some((e) => field.test(e))]).toEqual([field, true]);
    }
    expect((await api.call('GET', path(name))).status).toBe(404);
  });

  test('100 concurrent PUTs of one source: one workflow, one set of resources', async () => {
    const name = uniqueName('herd');
    // No worker yet, so the run stays open while all 100 arrive (and each answer says so).
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => api.call('PUT', path(name), { body: body(name) })),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([202]));
    expect(new Set(answers.map((a) => a.body.runId)).size).toBe(1);
    // (`started` may be true for more than one racer: the library reports what it attempted;
    // Temporal's USE_EXISTING policy kept it to one run, as the single runId shows.)
    expect(answers.some((a) => a.body.started)).toBe(true);
    await api.stack.withWorker(async () => {
      const done = await api.call('PUT', path(name), { body: body(name), headers: wait });
      expect(done.status).toBe(200);
    });
    const kinds = (await resourcesOf(name)).map((r) => r.kind).sort();
    expect(kinds).toEqual(
      [
        'connection',
        'dataset',
        'flow',
        'mappingSet',
        'sourceConnection',
        'targetConnection',
      ].sort(),
    );
  });

  test('a failed provisioning with Prefer: wait is a problem naming its type and root cause; GET shows it', async () => {
    const name = uniqueName('fails');
    await api.stack.emulator.control.addFault({
      method: 'POST',
      path: '/data/foundation/flowservice/flows',
      action: { type: 'status', status: 403 },
    });
    try {
      await api.stack.withWorker(async () => {
        const res = await api.call('PUT', path(name), { body: body(name), headers: wait });
        expect(res.status).toBe(502);
        expect(res.body).toMatchObject({
          type: 'urn:aep-stream:problem:ProvisioningFailed',
          failureType: 'ProvisioningFailed',
          rootCause: 'AepForbidden',
          workflowId: sourceIdOf(name),
        });
        const get = await api.call('GET', path(name));
        expect(get.body.execution).toBe('FAILED');
        expect(get.body.failure).toMatchObject({
          type: 'ProvisioningFailed',
          rootType: 'AepForbidden',
        });
      });
    } finally {
      await api.stack.emulator.control.clearFaults();
    }
    expect(await resourcesOf(name)).toEqual([]);
  });

  test('DELETE tears down (202, or the result with Prefer: wait); GET of an unknown source is 404', async () => {
    const name = uniqueName('teardown');
    await api.stack.withWorker(async () => {
      expect((await api.call('PUT', path(name), { body: body(name), headers: wait })).status).toBe(
        200,
      );
      const del = await api.call('DELETE', path(name), { headers: wait });
      expect(del.status).toBe(200);
      expect(del.body.deleted.map((d: { kind: string }) => d.kind)).toContain('baseConnection');
      // The dataset, and its data, stays unless the call asks for it.
      expect(del.body.kept).toEqual([
        expect.objectContaining({ kind: 'dataset', reason: 'retained' }),
      ]);
      expect((await resourcesOf(name)).map((r) => r.kind)).toEqual(['dataset']);
      const bad = await api.call('DELETE', `${path(name)}?deleteDataset=yes`);
      expect(bad.status).toBe(422);
      const again = await api.call('DELETE', `${path(name)}?deleteDataset=true`, {
        headers: wait,
      });
      expect(again.status).toBe(200);
      expect(again.body.deleted).toEqual([expect.objectContaining({ kind: 'dataset' })]);
    });
    expect(await resourcesOf(name)).toEqual([]);
    const unknown = await api.call('GET', path(uniqueName('never')));
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('urn:aep-stream:problem:SourceNotFound');
  });

  test('GET /v1/sources lists from visibility, filtered and paged; bad filters are 422', async () => {
    const names = [uniqueName('list'), uniqueName('list')];
    await api.stack.withWorker(async () => {
      for (const n of names) {
        expect((await api.call('PUT', path(n), { body: body(n), headers: wait })).status).toBe(200);
      }
    });
    // Visibility is eventually consistent.
    let items: Array<{ name: string; status?: string }> = [];
    for (let i = 0; i < 50; i++) {
      const res = await api.call('GET', '/v1/sources?sandbox=prod&status=SUCCEEDED&pageSize=1000');
      items = res.body.items;
      if (names.every((n) => items.some((it) => it.name === n))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const n of names) expect(items.find((it) => it.name === n)?.status).toBe('SUCCEEDED');

    const page1 = await api.call('GET', '/v1/sources?sandbox=prod&pageSize=1');
    expect(page1.body.items).toHaveLength(1);
    expect(typeof page1.body.nextPageToken).toBe('string');
    const page2 = await api.call(
      'GET',
      `/v1/sources?sandbox=prod&pageSize=1&pageToken=${page1.body.nextPageToken}`,
    );
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.items[0].runId).not.toBe(page1.body.items[0].runId);

    const bad = await api.call('GET', '/v1/sources?status=DONE&pageSize=0&color=red');
    expect(bad.status).toBe(422);
    expect(bad.body.errors.length).toBeGreaterThanOrEqual(3);
  });

  test('GET /v1/sources: a run whose memo the API cannot decode (another key) does not stop it', async () => {
    // Started by a client holding a key the API lacks: its memo is encrypted; no worker polls.
    const name = uniqueName('sealed');
    const config = parseClientConfig({
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
      TEMPORAL_TASK_QUEUE: freshTaskQueue('sealed'),
      AEP_ORG_ID: api.stack.config.AEP_ORG_ID,
      PAYLOAD_ENCRYPTION_KEYS: `other:${randomBytes(32).toString('base64')}`,
    });
    const sealed = new ProvisioningClient(clientOn(api.stack.env.connection, config), config);
    const started = await sealed.startProvision({ ...body(name), name, sandbox: 'prod' });
    try {
      let items: Array<{ name: string }> = [];
      for (let i = 0; i < 50 && !items.some((it) => it.name === name); i++) {
        const res = await api.call('GET', '/v1/sources?sandbox=prod&pageSize=1000');
        expect(res.status).toBe(200);
        items = res.body.items;
        if (!items.some((it) => it.name === name)) await new Promise((r) => setTimeout(r, 200));
      }
      expect(items.map((it) => it.name)).toContain(name);
    } finally {
      await started.handle.terminate('test over');
    }
  });

  test('plan: create for a new source, nothing pending once provisioned; nothing is changed', async () => {
    await api.stack.withWorker(async () => {
      const fresh = await api.call('POST', `${path('planned')}/plan`, { body: body('planned') });
      expect(fresh.status).toBe(200);
      expect(fresh.body).toMatchObject({ name: 'planned', changes: true });
      expect(new Set(fresh.body.resources.map((r: { action: string }) => r.action))).toEqual(
        new Set(['create']),
      );
      expect((await api.call('GET', path('planned'))).status).toBe(404);
      const put = await api.call('PUT', path('planned'), { body: body('planned'), headers: wait });
      expect(put.status).toBe(200);
      const again = await api.call('POST', `${path('planned')}/plan`, { body: body('planned') });
      expect(again.body.changes).toBe(false);
    });
  });
});

describe('service endpoints', () => {
  test('/healthz, /readyz and /openapi.json need no key', async () => {
    expect((await api.call('GET', '/healthz', { key: null })).body).toEqual({ status: 'ok' });
    const ready = await api.call('GET', '/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok' });
    const doc = await api.call('GET', '/openapi.json', { key: null });
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/v1/sandboxes/{sandbox}/sources/{name}');
  });

  test('/readyz is 503 when Temporal does not answer', async () => {
    const config = { ...api.config, TEMPORAL_ADDRESS: '127.0.0.1:1' };
    const dead = new ProvisioningClient(await connectClient(config, { lazy: true }), config);
    const app = await buildApi({ config, client: dead, logStream: new PassThrough() });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const addr = app.server.address() as { port: number };
      const base = `http://127.0.0.1:${addr.port}`;
      const res = await rawCall(base, 'GET', '/readyz');
      checkAgainstOpenApi('GET', '/readyz', res);
      expect(res.status).toBe(503);
      expect(res.body.type).toBe('urn:aep-stream:problem:TemporalUnavailable');
    } finally {
      await app.close();
      await dead.close().catch(() => undefined);
    }
  });

  test('every response above matched the OpenAPI document', () => {
    expect(checked.length).toBeGreaterThan(30);
    for (const op of [
      'PUT /v1/sandboxes/{sandbox}/sources/{name} 200',
      'PUT /v1/sandboxes/{sandbox}/sources/{name} 202',
      'PUT /v1/sandboxes/{sandbox}/sources/{name} 422',
      'GET /v1/sandboxes/{sandbox}/sources/{name} 200',
      'DELETE /v1/sandboxes/{sandbox}/sources/{name} 200',
      'GET /v1/sources 200',
    ]) {
      expect(checked).toContain(op);
    }
  });
});
