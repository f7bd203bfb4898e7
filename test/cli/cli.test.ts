import { runCli, type CliRun } from '../harness/cli';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAuthenticator } from '../../src/api/auth';
import { cleanMessage } from '../../src/cli/output';
import { ProvisioningClient } from '../../src/client';
import { parseApiKeys, parseClientConfig, parseCodecKeys } from '../../src/config';
import { clientOn } from '../../src/connection';
import { freshTaskQueue } from '../harness/temporal';
import { SCHEMA_ID, startStack, type Stack } from '../harness/stack';
import { sourceIdOf } from '../harness/ids';

/**
 * The CLI as a new user and a provisioning system run it (child processes, config from the
 * environment): bulk apply of the examples (twice: the second run creates nothing), validation of
 * every request before any starts, the no-worker warning, `status` of an unknown source.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const cli = (args: string[], opts: { stdin?: string; taskQueue?: string } = {}): Promise<CliRun> =>
  runCli(
    args,
    {
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: opts.taskQueue ?? stack.taskQueue,
      AEP_ORG_ID: stack.config.AEP_ORG_ID,
      AEP_SANDBOX: 'prod',
    },
    opts.stdin,
  );

test('plan shows changes (exit 4), apply provisions every example, then plan and apply change nothing', async () => {
  await stack.withWorker(async () => {
    const before = await cli(['plan', 'examples']);
    expect(before.code).toBe(4);
    expect(before.stdout).toMatch(/prod\/ACME .*: changes pending\n {2}baseConnection +create/);
    const first = await cli(['--json', 'apply', 'examples', '--concurrency', '2']);
    expect([first.code, first.stderr]).toEqual([0, expect.any(String)]);
    const outcomes = JSON.parse(first.stdout);
    expect(outcomes).toHaveLength(4);
    for (const o of outcomes) {
      expect([o.name, o.outcome]).toEqual([o.name, expect.stringMatching(/^(created|unchanged)$/)]);
      expect(o.inletUrl).toMatch(/\/collection\//);
    }
    // Plain progress lines when stderr is not a terminal.
    expect(first.stderr).toMatch(/prod\/ACME/);

    const second = await cli(['apply', 'examples']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^SOURCE\s+SANDBOX\s+OUTCOME/m);
    expect(second.stdout).toContain('4 source(s): 0 created, 4 unchanged, 0 failed');

    const after = await cli(['--json', 'plan', 'examples']);
    expect(after.code).toBe(0);
    const plans = JSON.parse(after.stdout) as Array<{ changes: boolean }>;
    expect(plans.map((p) => p.changes)).toEqual([false, false, false, false]);
  });
}, 120_000);

test('apply validates every request of every file before starting any', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aep-apply-'));
  const good = (name: string) => ({
    name,
    dataType: 'raw',
    target: { schemaId: SCHEMA_ID, dataset: { name } },
  });
  writeFileSync(
    path.join(dir, 'a.yaml'),
    [
      'name: fine one',
      'dataType: raw',
      `target: { schemaId: "${SCHEMA_ID}", dataset: { name: fine one } }`,
      '---',
      '- name: "."',
      '  dataType: csv',
      '  target: {}',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'b.json'), JSON.stringify([good('fine two'), good('fine one')]));
  writeFileSync(path.join(dir, 'c.yml'), 'name: [unclosed');
  writeFileSync(path.join(dir, 'ignored.txt'), 'not a request');
  const run = await cli(['apply', dir]);
  expect(run.code).toBe(2);
  const lines = run.stderr;
  expect(lines).toMatch(/a\.yaml#2\[0\] \(\.\): name must not be "\." or "\.\."/);
  expect(lines).toMatch(/a\.yaml#2\[0\] \(\.\): dataType must be "xdm" or "raw"/);
  expect(lines).toMatch(/a\.yaml#2\[0\] \(\.\): target\.schemaId/);
  expect(lines).toMatch(
    /b\.json\[1\] \(fine one\): source prod\/fine one is also requested by .*a\.yaml#1/,
  );
  expect(lines).toMatch(/c\.yml: /);
  expect(lines).not.toContain('ignored.txt');
  // Nothing started: the valid ones have no workflow.
  const status = await cli(['status', 'fine two']);
  expect(status.code).toBe(5);
});

test('list: every source with its state, last operation, drift and inlet URL (--sandbox, --json)', async () => {
  const kept = `listed ${Date.now().toString(36)}`;
  const gone = `${kept} gone`;
  const other = `${kept} prod`;
  const req = (name: string, sandbox: string) => ({
    name,
    sandbox,
    dataType: 'raw' as const,
    target: { schemaId: SCHEMA_ID, dataset: { name } },
  });
  const { inletUrl } = await stack.withWorker(async () => {
    const result = await stack.client.provision(req(kept, 'dev'));
    await stack.client.provision(req(gone, 'dev'));
    await stack.client.deprovision({ name: gone, sandbox: 'dev' });
    await stack.client.provision(req(other, 'prod'));
    return result;
  });
  type Listed = { sandbox: string; name: string; state: string; inletUrl?: string };
  const mine = (all: Listed[]) => all.filter((s) => s.name.startsWith(kept));
  // Visibility is eventually consistent: wait until the teardown shows.
  let listed: Listed[] = [];
  for (let i = 0; i < 50; i++) {
    const run = await cli(['--json', 'list', '--sandbox', 'dev']);
    expect(run.code).toBe(0);
    listed = mine(JSON.parse(run.stdout) as Listed[]);
    if (listed.some((s) => s.name === gone && s.state === 'deprovisioned')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(listed).toEqual([
    {
      sandbox: 'dev',
      name: kept,
      state: 'provisioned',
      inletUrl,
      lastOperation: expect.objectContaining({
        operation: 'provision',
        execution: 'COMPLETED',
        status: 'SUCCEEDED',
        workflowId: sourceIdOf(kept, 'dev'),
      }),
    },
    {
      sandbox: 'dev',
      name: gone,
      state: 'deprovisioned',
      lastOperation: expect.objectContaining({ operation: 'deprovision', execution: 'COMPLETED' }),
    },
  ]);
  const all = await cli(['list']);
  expect(all.code).toBe(0);
  expect(all.stdout).toMatch(/^SANDBOX +SOURCE +STATE +LAST OPERATION +DRIFT +INLET URL$/m);
  expect(all.stdout).toMatch(
    new RegExp(`^dev +${kept} +provisioned +provision SUCCEEDED \\S+ +- +${inletUrl}$`, 'm'),
  );
  expect(all.stdout).toMatch(new RegExp(`^prod +${other} +provisioned `, 'm'));
});

test('list: a run whose memo this CLI cannot decode (another key) does not stop it', async () => {
  // A provisioning started by a client holding a key the CLI lacks: its memo (the request) is
  // encrypted. No worker polls its queue, so it stays open.
  const name = `sealed ${Date.now().toString(36)}`;
  const config = parseClientConfig({
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    TEMPORAL_TASK_QUEUE: freshTaskQueue('sealed'),
    AEP_ORG_ID: stack.config.AEP_ORG_ID,
    PAYLOAD_ENCRYPTION_KEYS: `other:${randomBytes(32).toString('base64')}`,
  });
  const sealed = new ProvisioningClient(clientOn(stack.env.connection, config), config);
  const started = await sealed.startProvision({
    name,
    sandbox: 'dev',
    dataType: 'raw',
    target: { schemaId: SCHEMA_ID, dataset: {} },
  });
  try {
    const run = await cli(['--json', 'list', '--sandbox', 'dev']);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(JSON.parse(run.stdout)).toContainEqual(
      expect.objectContaining({ name, state: 'provisioning' }),
    );
  } finally {
    await started.handle.terminate('test over');
  }
});

test('status of an unknown source: "no such source", exit 5', async () => {
  const run = await cli(['status', 'never provisioned here']);
  expect(run.code).toBe(5);
  expect(run.stderr.trim()).toBe(
    'no such source: "never provisioned here" has never been provisioned in sandbox prod',
  );
  const json = await cli(['--json', 'status', 'never provisioned here']);
  expect(JSON.parse(json.stdout)).toMatchObject({ error: 'SourceNotFound' });
});

test('no worker on the task queue: provision warns at once and says how to start one', async () => {
  const queue = freshTaskQueue('nobody');
  const name = `unpolled ${Date.now().toString(36)}`;
  const run = await cli(['provision', '--no-wait', '-'], {
    taskQueue: queue,
    stdin: JSON.stringify({
      name,
      dataType: 'raw',
      target: { schemaId: SCHEMA_ID, dataset: { name } },
    }),
  });
  expect(run.code).toBe(0);
  expect(run.stderr).toContain(`warning: no worker is polling task queue "${queue}"`);
  expect(run.stderr).toContain('npm run worker');
  await stack.env.client.workflow.getHandle(sourceIdOf(name)).terminate('test cleanup');
});

test('api-key prints a key once and an API_KEYS entry that authenticates it, hash only', async () => {
  const run = await cli(['--json', 'api-key', '--id', 'backstage', '--sandbox', 'prod', 'dev']);
  expect(run.code).toBe(0);
  const { key, entry } = JSON.parse(run.stdout);
  expect(entry).not.toContain(key);
  const parsed = parseApiKeys(entry);
  expect(parsed.problems).toEqual([]);
  const identify = createAuthenticator(parsed.entries, false);
  expect(identify(`Bearer ${key}`)).toEqual({
    ok: true,
    principal: { id: 'backstage', sandboxes: ['prod', 'dev'] },
  });
  expect(identify(`Bearer ${key}x`)).toEqual({ ok: false, reason: 'unknown' });
  expect((await cli(['api-key', '--id', 'x'])).code).toBe(2);
});

test('api-key --read-only --expires: an entry of scope read that expires; the key is refused after', async () => {
  const run = await cli([
    '--json',
    'api-key',
    '--id',
    'dash',
    '--all-sandboxes',
    '--read-only',
    '--expires',
    '2030-01-02',
  ]);
  expect(run.code).toBe(0);
  const { key, entry } = JSON.parse(run.stdout);
  expect(entry).toMatch(/^dash:[0-9a-f]{64}:\*:read,expires=2030-01-02T00:00:00\.000Z$/);
  const parsed = parseApiKeys(entry);
  expect(parsed.problems).toEqual([]);
  expect(createAuthenticator(parsed.entries, false)(`Bearer ${key}`)).toEqual({
    ok: true,
    principal: { id: 'dash', sandboxes: '*', readOnly: true },
  });
  const expired = parsed.entries.map((e) => ({ ...e, expires: new Date(Date.now() - 1) }));
  expect(createAuthenticator(expired, false)(`Bearer ${key}`)).toEqual({
    ok: false,
    reason: 'expired',
  });
  expect((await cli(['api-key', '--id', 'x', '--all-sandboxes', '--expires', 'soon'])).code).toBe(
    2,
  );
  expect((await cli(['api-key', '--id', 'x', '--codec', '--read-only'])).code).toBe(2);
});

test('api-key --codec prints an API_CODEC_KEYS entry: a key of no sandbox, for /codec', async () => {
  const run = await cli(['--json', 'api-key', '--id', 'ui', '--codec']);
  expect(run.code).toBe(0);
  const { key, entry } = JSON.parse(run.stdout);
  const parsed = parseCodecKeys(entry);
  expect(parsed.problems).toEqual([]);
  const identify = createAuthenticator([], false, parsed.entries);
  expect(identify(`Bearer ${key}`)).toEqual({
    ok: true,
    principal: { id: 'ui', sandboxes: [], codecOnly: true },
  });
  expect((await cli(['api-key', '--id', 'x', '--codec', '--all-sandboxes'])).code).toBe(2);
});

test('failure messages end cleanly', () => {
  expect(cleanMessage('Provisioning of "x" failed: Forbidden.. Compensated: 3 deleted.')).toBe(
    'Provisioning of "x" failed: Forbidden. Compensated: 3 deleted.',
  );
  expect(cleanMessage('waiting... done. .')).toBe('waiting... done.');
  expect(cleanMessage('a\n  b')).toBe('a b');
});
