import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../../src/api/auth';
import { SearchAttributes } from '../../src/shared/names';
import { uniqueName } from '../harness/sources';
import {
  KEYS,
  rawCall,
  sourceBody,
  sourcePath,
  startApi,
  type ApiResponse,
  type ApiStack,
} from '../api/helpers';

/**
 * What a key may spend and hold, on the real stack (the jest dev server, no worker: runs stay
 * open): a budget per kind of request, a cap on its open operations, which key started a run,
 * expiry, scope and revocation without a restart.
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

describe('the key on the run', () => {
  test('a run started through the API records its key as AepApiKeyId', async () => {
    const name = uniqueName('keyed');
    const put = await api.call('PUT', path(name), { body: body(name) });
    expect(put.status).toBe(202);
    const handle = api.stack.env.client.workflow.getHandle(put.body.workflowId, put.body.runId);
    const keyOf = async (h: typeof handle) =>
      (await h.describe()).typedSearchAttributes.get(SearchAttributes.apiKeyId);
    expect(await keyOf(handle)).toBe('ci-prod');
    // No worker: the provisioning is ended here, then a teardown by another key is its own.
    await handle.terminate('test');
    const del = await api.call('DELETE', path(name), { key: KEYS.all });
    expect(del.status).toBe(202);
    const teardown = api.stack.env.client.workflow.getHandle(del.body.workflowId, del.body.runId);
    expect(await keyOf(teardown)).toBe('admin');
    await teardown.terminate('test');
  });
});

/** A 429 of a budget: a problem naming the budget's setting, with Retry-After. */
function expectRateLimited(res: ApiResponse, setting: string): void {
  expect([res.status, res.body.type]).toEqual([429, 'urn:aep-stream:problem:RateLimited']);
  expect(res.body.detail).toContain(setting);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('budgets by kind of request', () => {
  test('changes, reads, plans and /codec each spend their own budget per key', async () => {
    const limited = await startApi(
      {
        API_RATE_LIMIT_CHANGES_PER_MINUTE: '2',
        API_RATE_LIMIT_PER_MINUTE: '3',
        API_RATE_LIMIT_PLANS_PER_MINUTE: '1',
        API_RATE_LIMIT_CODEC_PER_MINUTE: '1',
        PAYLOAD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      },
      api.stack,
    );
    try {
      const bad = { dataType: 'nope' };
      // Changes: PUT and DELETE share one budget (these are refused as invalid: nothing starts).
      expect((await limited.call('PUT', path('x'), { body: bad })).status).toBe(422);
      const badDelete = `${path('x')}?deleteDataset=maybe`;
      expect((await limited.call('DELETE', badDelete)).status).toBe(422);
      for (const res of [
        await limited.call('PUT', path('x'), { body: bad }),
        await limited.call('DELETE', badDelete),
      ]) {
        expectRateLimited(res, 'API_RATE_LIMIT_CHANGES_PER_MINUTE');
      }
      // Another key's changes are its own.
      expect((await limited.call('PUT', path('x'), { key: KEYS.all, body: bad })).status).toBe(422);

      // Reads are untouched by the changes spent, then run out on their own.
      for (let i = 0; i < 3; i++) expect((await limited.call('GET', path('x'))).status).toBe(404);
      expectRateLimited(await limited.call('GET', path('x')), 'API_RATE_LIMIT_PER_MINUTE');

      const plan = () => limited.call('POST', `${path('x')}/plan`, { body: bad });
      expect((await plan()).status).toBe(422);
      expectRateLimited(await plan(), 'API_RATE_LIMIT_PLANS_PER_MINUTE');

      const decode = () =>
        rawCall(limited.base, 'POST', '/codec/decode', { key: KEYS.all, body: { payloads: [] } });
      expect((await decode()).status).toBe(200);
      expectRateLimited(await decode(), 'API_RATE_LIMIT_CODEC_PER_MINUTE');
    } finally {
      await limited.close();
    }
  });
});

describe('open operations per key', () => {
  test('a change over API_MAX_OPEN_OPERATIONS_PER_KEY runs of the key is 429; another key may start', async () => {
    // A task queue no worker polls: the runs stay open. The key's id is this test's own: the
    // count is of every run on the dev server, and other suites leave runs of theirs open.
    const id = `capped-${Date.now()}`;
    const capped = await startApi(
      {
        API_MAX_OPEN_OPERATIONS_PER_KEY: '2',
        TEMPORAL_TASK_QUEUE: `no-worker-${Date.now()}`,
        API_KEYS: [`${id}:${sha256Hex(KEYS.prod)}:prod`, `admin:${sha256Hex(KEYS.all)}:*`].join(
          ';',
        ),
      },
      api.stack,
    );
    const started: ApiResponse[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const name = uniqueName('open');
        started.push(await capped.call('PUT', path(name), { body: body(name) }));
        expect(started.at(-1)!.status).toBe(202);
      }
      // Visibility shows a start within moments.
      const query = `AepApiKeyId = '${id}' AND ExecutionStatus = 'Running'`;
      const seen = () => api.stack.env.client.workflow.count(query);
      for (let i = 0; i < 50 && (await seen()).count < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const name = uniqueName('open');
      const over = await capped.call('PUT', path(name), { body: body(name) });
      expect([over.status, over.body.type]).toEqual([
        429,
        'urn:aep-stream:problem:TooManyOpenOperations',
      ]);
      expect(over.body.detail).toContain('API_MAX_OPEN_OPERATIONS_PER_KEY');
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect((await capped.call('DELETE', path(name))).status).toBe(429);
      // Nothing of that name was started; another key still may.
      expect((await capped.call('GET', path(name))).status).toBe(404);
      const other = await capped.call('PUT', path(name), { key: KEYS.all, body: body(name) });
      expect(other.status).toBe(202);
      started.push(other);
    } finally {
      for (const { body: op } of started.filter((s) => s.status === 202)) {
        await api.stack.env.client.workflow.getHandle(op.workflowId, op.runId).terminate('test');
      }
      await capped.close();
    }
  });
});

const entry = (id: string, key: string, tail = '') => `${id}:${sha256Hex(key)}:prod${tail}`;
const OTHER = 'aeps_keys-test-other-key-0123456789abcdef01234567';

describe('key lifecycle', () => {
  test('an expired key is 401; one expiring later works; old entries stay valid', async () => {
    const keyed = await startApi(
      {
        API_KEYS: [
          entry('old', KEYS.prod, ':expires=2000-01-01'),
          entry('later', OTHER, ':write,expires=2999-01-01T00:00:00Z'),
          `admin:${sha256Hex(KEYS.all)}:*`,
        ].join(';'),
      },
      api.stack,
    );
    try {
      const expired = await keyed.call('GET', path('x'));
      expect([expired.status, expired.body.detail]).toEqual([401, 'The API key has expired']);
      expect((await keyed.call('GET', path('x'), { key: OTHER })).status).toBe(404);
      expect((await keyed.call('GET', path('x'), { key: KEYS.all })).status).toBe(404);
    } finally {
      await keyed.close();
    }
  });

  test('a read key may GET and plan, not PUT or DELETE (403, nothing starts)', async () => {
    const keyed = await startApi(
      { API_KEYS: [entry('reader', KEYS.prod, ':read'), entry('writer', OTHER)].join(';') },
      api.stack,
    );
    try {
      const name = uniqueName('read only');
      for (const [method, opts] of [
        ['PUT', { body: body(name) }],
        ['DELETE', {}],
      ] as const) {
        const res = await keyed.call(method, path(name), opts);
        expect([res.status, res.body.type]).toEqual([403, 'urn:aep-stream:problem:Forbidden']);
        expect(res.body.detail).toBe('key reader has scope read');
      }
      expect((await keyed.call('GET', path(name))).status).toBe(404);
      const plan = await keyed.call('POST', `${path(name)}/plan`, { body: { dataType: 'nope' } });
      expect(plan.status).toBe(422);
      expect((await keyed.call('GET', '/v1/sources?sandbox=prod')).status).toBe(200);
      // A write key may: the refusal was the scope's.
      expect((await keyed.call('PUT', path(name), { key: OTHER, body: {} })).status).toBe(422);
    } finally {
      await keyed.close();
    }
  });

  test('API_KEYS_FILE: a key removed from the file is refused on SIGHUP, and on change, without a restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aep-keys-')), 'keys');
    writeFileSync(file, `# keys\n${entry('one', KEYS.prod)}\n\n${entry('two', OTHER)}\n`);
    const keyed = await startApi({ API_KEYS: '', API_KEYS_FILE: file }, api.stack);
    const status = async (key: string) => (await keyed.call('GET', path('x'), { key })).status;
    try {
      expect([await status(KEYS.prod), await status(OTHER)]).toEqual([404, 404]);

      writeFileSync(file, `${entry('two', OTHER)}\n`);
      // How Node delivers a SIGHUP to its listeners (jest's sandbox holds them, not the process).
      process.emit('SIGHUP', 'SIGHUP');
      await new Promise((r) => setTimeout(r, 50));
      expect([await status(KEYS.prod), await status(OTHER)]).toEqual([401, 404]);

      // No signal: the change itself is seen within the second's poll.
      writeFileSync(file, `${entry('one', KEYS.prod, ':read')}\n`);
      const until = Date.now() + 5000;
      while ((await status(OTHER)) !== 401 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect([await status(KEYS.prod), await status(OTHER)]).toEqual([404, 401]);
    } finally {
      await keyed.close();
    }
  });
});
