import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { auditResources, type SourceOutcome } from '../../chaos/audit';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { ProvisioningClient, summarizeFailure } from '../../src/client';
import { parseClientConfig } from '../../src/config';
import type { ProvisionRequestInput } from '../../src/request';
import { REQUEST_MEMO } from '../../src/shared/names';
import type { ProvisionResult } from '../../src/shared/model';
import { REPO_ROOT } from '../../tools/dev-server';
import { emulatorEnv } from '../../tools/emulator-env';
import { startPgStack, type PgStack } from '../../tools/pg-stack';
import {
  buildProduction,
  startProductionWorker,
  type ProductionWorker,
} from '../../tools/prod-worker';
import { freshTaskQueue } from '../harness/temporal';
import { SCHEMA_ID } from '../harness/stack';
import { EMULATOR_ORG, sourceIdOf } from '../harness/ids';

/**
 * The production shape without containers (tools/pg-stack.ts): PostgreSQL from Debian's packages,
 * the Temporal server built at the compose file's version on it with 4 history shards, the
 * compose file's setup scripts run unchanged, and the worker from its production entry point
 * (`node dist/worker.js` with the prebuilt workflow bundle), against the AEP emulator.
 */

let stack: PgStack;
let emulator: RunningEmulator;
let worker: ProductionWorker;
let connection: Connection;
let client: ProvisioningClient;
let taskQueue: string;
const distDir = path.join(REPO_ROOT, '.data', 'pg-stack-dist', String(process.pid));

beforeAll(async () => {
  // The server build and the production build are independent: in parallel.
  // allSettled: a failure of one must not leave the other running past the test file.
  const [s, b] = await Promise.allSettled([startPgStack(), buildProduction(distDir)]);
  if (s.status === 'fulfilled') stack = s.value;
  if (s.status === 'rejected') throw s.reason;
  if (b.status === 'rejected') throw b.reason;
  emulator = await startEmulator({ port: 0 });
  taskQueue = freshTaskQueue('pgstack');
  worker = await startProductionWorker({
    distDir,
    env: {
      TEMPORAL_ADDRESS: stack.address,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ...emulatorEnv(emulator.url, emulator.credentials),
      AEP_SANDBOX: 'prod',
      AEP_REQUEST_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'warn',
    },
    logFile: path.join(stack.dir, 'worker.log'),
  });
  connection = await Connection.connect({ address: stack.address });
  client = new ProvisioningClient(
    new Client({ connection, namespace: stack.namespace }),
    parseClientConfig({
      TEMPORAL_ADDRESS: stack.address,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      AEP_ORG_ID: EMULATOR_ORG,
      AEP_SANDBOX: 'prod',
    }),
  );
}, 900_000);

afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  await emulator?.close();
  await stack?.stop();
  rmSync(distDir, { recursive: true, force: true });
}, 120_000);

afterEach(async () => {
  await emulator?.control.clearFaults();
});

let seq = 0;
const uniqueName = (prefix: string) => `${prefix} ${Date.now().toString(36)}${seq++}`;
const request = (name: string): ProvisionRequestInput => ({
  name,
  dataType: 'xdm',
  target: { schemaId: SCHEMA_ID, dataset: { name: `${name} dataset` } },
});

async function resourcesOf(name: string) {
  const all = await emulator.control.resources({ sandbox: 'prod' });
  return all.filter(
    (r) => r.kind !== 'schema' && (r.name === name || r.name === `${name} dataset`),
  );
}

/** Polls `probe` until it returns something other than undefined (bounded). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Local addresses of the TCP sockets `pid` listens on, e.g. ['127.0.0.1:7233']. */
function listening(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !f[9] || !inodes.has(f[9])) continue;
      const [hex, port] = f[1]!.split(':');
      const ip =
        hex!.length === 8
          ? [3, 2, 1, 0].map((i) => parseInt(hex!.slice(i * 2, i * 2 + 2), 16)).join('.')
          : `[${hex}]`;
      out.push(`${ip}:${parseInt(port!, 16)}`);
    }
  }
  return out;
}

describe('the stack', () => {
  test("compose's setup jobs created both databases and the search attributes", () => {
    expect(stack.setupOutput.schema).toContain('database temporal: schema up to date');
    expect(stack.setupOutput.schema).toContain('database temporal_visibility: schema up to date');
    for (const name of ['AepSandbox', 'AepSourceName', 'AepProvisioningStatus']) {
      expect(stack.setupOutput.namespace).toMatch(new RegExp(`search attribute ${name}`));
    }
  });

  test('the server persists in PostgreSQL with 4 history shards', async () => {
    const info = await connection.workflowService.getClusterInfo({});
    expect(info.historyShardCount).toBe(4);
    expect(info.persistenceStore).toBe('postgres12');
    expect(info.visibilityStore).toBe('postgres12');
    expect(info.serverVersion).toBe(stack.versions.server);
    // The shards' ownership rows live in the `temporal` database.
    expect(await stack.psql('select count(*) from shards')).toBe('4');
    const dbs = await stack.psql(
      "select string_agg(datname, ',' order by datname) from pg_database where datname like 'temporal%'",
    );
    expect(dbs).toBe('temporal,temporal_visibility');
  });

  test('every server listens on 127.0.0.1 only', () => {
    for (const pid of [stack.serverPid(), stack.postgresPid()]) {
      const addrs = listening(pid);
      expect(addrs.length).toBeGreaterThan(0);
      for (const a of addrs)
        expect([pid, a]).toEqual([pid, expect.stringMatching(/^127\.0\.0\.1:/)]);
    }
  });
});

describe('provisioning on PostgreSQL', () => {
  let name: string;
  let result: ProvisionResult;

  test('provision, then teardown, with the worker from dist/', async () => {
    name = uniqueName('pg');
    result = await client.provision(request(name));
    expect(result.inletUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/collection\/[0-9a-f]+$/);
    const held = await resourcesOf(name);
    expect(held.map((r) => r.id).sort()).toEqual(
      [
        result.baseConnectionId,
        result.sourceConnectionId,
        result.targetConnectionId,
        result.flowId,
        result.datasetId,
      ].sort(),
    );
  });

  test('its search attributes answer visibility queries, stored in PostgreSQL', async () => {
    const id = sourceIdOf(name);
    const query = `AepSourceName = "${name}" AND AepSandbox = "prod" AND AepProvisioningStatus = "SUCCEEDED"`;
    // Visibility is written asynchronously (the visibility task queue): poll, bounded.
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const w of client.client.workflow.list({ query })) ids.push(w.workflowId);
      return ids.length > 0 ? ids : undefined;
    }, query);
    expect(found).toEqual([id]);
    expect((await client.client.workflow.count(query)).count).toBe(1);
    expect(
      (
        await client.client.workflow.count(
          `AepSourceName = "${name} other" AND AepSandbox = "prod"`,
        )
      ).count,
    ).toBe(0);
    // The row in the visibility database holds the values (custom attributes are stored in
    // search_attributes under the namespace's column aliases).
    const row = await stack.psql(
      `select search_attributes::text from executions_visibility where workflow_id = '${id.replace(/'/g, "''")}' and status = 2`,
      'temporal_visibility',
    );
    expect(row).toContain(JSON.stringify(name));
    expect(row).toContain('"SUCCEEDED"');
  });

  test('teardown deletes what the provisioning created; the dataset only when asked', async () => {
    const torn = await client.deprovision({ name });
    expect(torn.kept).toEqual([expect.objectContaining({ kind: 'dataset', reason: 'retained' })]);
    expect((await resourcesOf(name)).map((r) => r.kind)).toEqual(['dataset']);
    await client.deprovision({ name, deleteDataset: true });
    expect(await resourcesOf(name)).toEqual([]);
  });

  test('a failing step compensates: nothing is left behind', async () => {
    const failing = uniqueName('pg-fail');
    await emulator.control.addFault({
      method: 'POST',
      path: '/data/foundation/flowservice/flows',
      action: { type: 'status', status: 400 },
    });
    const err = await client.provision(request(failing)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(summarizeFailure(err).rootType).toBe('AepBadRequest');
    expect(await resourcesOf(failing)).toEqual([]);
  });
});

describe('crashes mid-run lose nothing', () => {
  /**
   * Starts 10 provisionings with the flow creation slowed (so every run is between steps),
   * waits until connections exist for all of them, runs `disrupt`, then waits for every result
   * and audits what the emulator holds.
   */
  async function tenThrough(prefix: string, disrupt: () => Promise<void>) {
    const names = Array.from({ length: 10 }, (_, i) => uniqueName(`${prefix}${i}`));
    await emulator.control.addFault({
      method: 'POST',
      path: '/data/foundation/flowservice/flows',
      action: { type: 'latency', ms: 2000 },
    });
    const handles = await Promise.all(
      names.map(async (n) => (await client.startProvision(request(n))).handle),
    );
    await eventually(async () => {
      const held = await Promise.all(names.map((n) => resourcesOf(n)));
      return held.every((h) => h.some((r) => r.kind === 'connection')) ? true : undefined;
    }, 'a base connection for each of the 10 sources');
    const open = await Promise.all(handles.map(async (h) => (await h.describe()).status.name));
    expect(open.filter((s) => s === 'RUNNING').length).toBeGreaterThan(0);

    await disrupt();
    await emulator.control.clearFaults();

    const outcomes: SourceOutcome[] = [];
    for (const [i, h] of handles.entries()) {
      const result = await h.result();
      outcomes.push({ sandbox: 'prod', name: names[i]!, outcome: { state: 'succeeded', result } });
    }
    const mine = (await emulator.control.resources({ sandbox: 'prod' })).filter((r) =>
      names.some((n) => r.name === n || r.name === `${n} dataset`),
    );
    const audit = auditResources(mine, outcomes);
    expect({
      succeeded: outcomes.length,
      duplicates: audit.duplicates,
      orphans: audit.orphans,
      missing: audit.missing,
      examples: audit.examples,
    }).toEqual({ succeeded: 10, duplicates: 0, orphans: 0, missing: 0, examples: [] });
    // The worker rode out the outage (it is still the same process).
    expect(await Promise.race([worker.exited, Promise.resolve('running')])).toBe('running');
  }

  test('the Temporal server SIGKILLed and restarted', async () => {
    await tenThrough('kill', async () => {
      const before = stack.serverPid();
      await stack.kill();
      expect(() => process.kill(before, 0)).toThrow();
      await stack.restart();
      expect(stack.serverPid()).not.toBe(before);
    });
  }, 300_000);

  test('PostgreSQL crashed (immediate shutdown) and restarted', async () => {
    await tenThrough('pgcrash', async () => {
      const before = stack.postgresPid();
      await stack.restartPostgres({ mode: 'immediate', downtimeMs: 2000 });
      expect(stack.postgresPid()).not.toBe(before);
    });
  }, 300_000);
});

describe('payload encryption on PostgreSQL (docs/encryption.md)', () => {
  /**
   * One source provisioned by a production worker (dist/) with PAYLOAD_ENCRYPTION_KEYS, another
   * by the keyless one: the history rows PostgreSQL stores (`history_node`) are read raw and
   * parsed with Temporal's own protos. The keyless source is the control: the same search finds
   * its request there in plaintext, so the search would find the encrypted one's if the codec
   * were not wired.
   */
  const KEY_ID = 'stack-2026';
  const KEYS = `${KEY_ID}:${randomBytes(32).toString('base64')}`;
  const stamp = Date.now().toString(36);
  let encWorker: ProductionWorker;
  let encClient: ProvisioningClient;
  let encQueue: string;

  const secretRequest = (label: string): ProvisionRequestInput => ({
    name: `${label} source ${stamp}`,
    description: `${label} description ${stamp}`,
    dataType: 'raw',
    target: { schemaId: SCHEMA_ID, dataset: { name: `${label} ledger ${stamp}` } },
    mappings: [{ sourceAttribute: `${label}_ref_${stamp}`, destinationXdmPath: '_id' }],
    smokeTest: {
      activationWaitSeconds: 0,
      record: { [`${label}_ref_${stamp}`]: `${label}-smoke-${stamp}` },
    },
  });
  /** The request's fields as they would appear in plaintext (all but the name). */
  const fieldsOf = (r: ProvisionRequestInput) => [
    r.description as string,
    SCHEMA_ID,
    (r.target as { dataset: { name: string } }).dataset.name,
    (r.mappings as Array<{ sourceAttribute: string }>)[0]!.sourceAttribute,
    Object.values((r.smokeTest as { record: Record<string, string> }).record)[0]!,
  ];

  const clientEnv = (taskQueue: string, keys?: string) => ({
    TEMPORAL_ADDRESS: stack.address,
    TEMPORAL_NAMESPACE: stack.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    AEP_ORG_ID: EMULATOR_ORG,
    AEP_SANDBOX: 'prod',
    ...(keys ? { PAYLOAD_ENCRYPTION_KEYS: keys } : {}),
  });

  beforeAll(async () => {
    encQueue = freshTaskQueue('pgstack-enc');
    encWorker = await startProductionWorker({
      distDir,
      env: {
        ...clientEnv(encQueue, KEYS),
        ...emulatorEnv(emulator.url, emulator.credentials),
        AEP_REQUEST_TIMEOUT_MS: '5000',
        LOG_LEVEL: 'warn',
      },
      logFile: path.join(stack.dir, 'worker-encrypted.log'),
    });
    // The library's own connect: the client the CLI and the API build (src/connection.ts).
    encClient = await ProvisioningClient.connect(parseClientConfig(clientEnv(encQueue, KEYS)));
  }, 120_000);

  afterAll(async () => {
    await encWorker?.stop();
    await encClient?.close();
  }, 60_000);

  const PayloadMessage = (
    temporal.api.common.v1.Payload as unknown as { ctor: new () => temporal.api.common.v1.Payload }
  ).ctor;
  const SearchAttributesMessage = (
    temporal.api.common.v1.SearchAttributes as unknown as {
      ctor: new () => temporal.api.common.v1.SearchAttributes;
    }
  ).ctor;

  interface StoredHistory {
    raw: Buffer;
    /** Every payload outside search attributes, and the search attributes' own. */
    payloads: temporal.api.common.v1.IPayload[];
    searchAttributePayloads: temporal.api.common.v1.IPayload[];
    /** Every string field of the events (Temporal's own, not payloads), with its path. */
    strings: Array<{ at: string; value: string }>;
  }

  /** The history rows of one run as PostgreSQL stores them, raw and parsed. */
  async function storedHistory(runId: string): Promise<StoredHistory> {
    const treeId = runId.replace(/-/g, '');
    const rows = (
      await stack.psql(
        `select encode(data, 'hex') from history_node where tree_id = decode('${treeId}', 'hex') order by node_id, txn_id`,
      )
    )
      .split('\n')
      .filter(Boolean)
      .map((hex) => Buffer.from(hex, 'hex'));
    expect(rows.length).toBeGreaterThan(1);
    const payloads: temporal.api.common.v1.IPayload[] = [];
    const searchAttributePayloads: temporal.api.common.v1.IPayload[] = [];
    const strings: Array<{ at: string; value: string }> = [];
    const walk = (v: unknown, inSearchAttributes: boolean, at: string): void => {
      if (typeof v === 'string') strings.push({ at, value: v });
      // @temporalio/proto's types are protobufjs reflection types: their instances are of `.ctor`.
      if (v instanceof PayloadMessage) {
        (inSearchAttributes ? searchAttributePayloads : payloads).push(Object.assign(v, { at }));
      } else if (v instanceof SearchAttributesMessage) {
        for (const [k, p] of Object.entries(v.indexedFields ?? {})) walk(p, true, `${at}.${k}`);
      } else if (Array.isArray(v)) {
        v.forEach((x, i) => walk(x, inSearchAttributes, `${at}[${i}]`));
      } else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
        for (const [k, x] of Object.entries(v)) walk(x, inSearchAttributes, `${at}.${k}`);
      }
    };
    for (const row of rows) walk(temporal.api.history.v1.History.decode(row), false, 'history');
    return { raw: Buffer.concat(rows), payloads, searchAttributePayloads, strings };
  }

  const count = (hay: Buffer, needle: string) => {
    let n = 0;
    for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) n++;
    return n;
  };
  const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString();

  let encrypted: { request: ProvisionRequestInput; runId: string; result: ProvisionResult };
  let plain: { request: ProvisionRequestInput; runId: string; result: ProvisionResult };

  test('a source provisioned with a key, and one without (the control)', async () => {
    const encRequest = secretRequest('sealed');
    const encStarted = await encClient.startProvision(encRequest);
    const plainRequest = secretRequest('open');
    const plainStarted = await client.startProvision(plainRequest);
    encrypted = {
      request: encRequest,
      runId: encStarted.runId,
      result: await encStarted.handle.result(),
    };
    plain = {
      request: plainRequest,
      runId: plainStarted.runId,
      result: await plainStarted.handle.result(),
    };
    expect(encrypted.result.smokeTest).toMatchObject({ status: 200 });
    expect(plain.result.smokeTest).toMatchObject({ status: 200 });
  });

  test('PostgreSQL holds none of the request in plaintext: every payload is encrypted under the key', async () => {
    const stored = await storedHistory(encrypted.runId);
    for (const field of fieldsOf(encrypted.request)) {
      expect([field, count(stored.raw, field)]).toEqual([field, 0]);
    }
    // The result AEP gave (ids, inlet URL) is not there either.
    for (const id of [
      encrypted.result.flowId,
      encrypted.result.datasetId,
      encrypted.result.inletUrl,
    ]) {
      expect([id, count(stored.raw, id)]).toEqual([id, 0]);
    }
    // Every payload of the history (input, memo, results, activity inputs and results, summaries)
    // says it is encrypted, and with which key, except the SDK core's own bookkeeping in markers:
    // a local activity's type, attempt and times (never its input or result), and a patch
    // marker's patch id (docs/versioning.md).
    const plainPayloads = stored.payloads.filter(
      (p) => text(p.metadata?.encoding) !== 'binary/encrypted',
    );
    expect(plainPayloads.length).toBeGreaterThan(0);
    expect(
      [
        ...new Set(
          plainPayloads.map((p) =>
            (p as { at?: string }).at!.replace(/events\[\d+\]/, 'events[*]'),
          ),
        ),
      ].sort(),
    ).toEqual([
      'history.events[*].markerRecordedEventAttributes.details.data.payloads[0]',
      'history.events[*].markerRecordedEventAttributes.details.patch-data.payloads[0]',
    ]);
    const sealedPayloads = stored.payloads.filter((p) => !plainPayloads.includes(p));
    expect(sealedPayloads.length).toBeGreaterThan(20);
    expect([
      ...new Set(
        sealedPayloads.map(
          (p) => `${text(p.metadata?.encoding)} ${text(p.metadata?.['encryption-key-id'])}`,
        ),
      ),
    ]).toEqual([`binary/encrypted ${KEY_ID}`]);
    // The source name is in the search attributes (Temporal indexes them, they are not
    // encrypted) and in the workflow id, Temporal's own fields, and nowhere else: every
    // occurrence in the raw rows is one of those.
    const name = encrypted.request.name;
    const inSearchAttributes = stored.searchAttributePayloads.reduce(
      (n, p) => n + count(Buffer.from(p.data ?? []), name),
      0,
    );
    expect(inSearchAttributes).toBeGreaterThan(0);
    const inFields = stored.strings.filter((f) => f.value.includes(name));
    expect(inFields.map((f) => `${f.at}: ${f.value}`)).toEqual([
      `history.events[0].workflowExecutionStartedEventAttributes.workflowId: ${sourceIdOf(name)}`,
    ]);
    expect(count(stored.raw, name)).toBe(inSearchAttributes + inFields.length);
  });

  test('control: the same search on the keyless source finds its whole request', async () => {
    const stored = await storedHistory(plain.runId);
    for (const field of fieldsOf(plain.request)) {
      expect([field, count(stored.raw, field) > 0]).toEqual([field, true]);
    }
    const encodings = new Set(stored.payloads.map((p) => text(p.metadata?.encoding)));
    expect(encodings.has('json/plain')).toBe(true);
    expect(encodings.has('binary/encrypted')).toBe(false);
    const name = plain.request.name;
    const inSearchAttributes = stored.searchAttributePayloads.reduce(
      (n, p) => n + count(Buffer.from(p.data ?? []), name),
      0,
    );
    expect(count(stored.raw, name)).toBeGreaterThan(inSearchAttributes);
  });

  test("the memo (the request, REQUEST_MEMO) is encrypted in the visibility store's row too", async () => {
    const memoOf = async (name: string) =>
      Buffer.from(
        await stack.psql(
          `select encode(memo, 'hex') from executions_visibility where workflow_id = '${sourceIdOf(name).replace(/'/g, "''")}'`,
          'temporal_visibility',
        ),
        'hex',
      );
    const sealed = await memoOf(encrypted.request.name);
    const open = await memoOf(plain.request.name);
    expect(count(open, SCHEMA_ID)).toBeGreaterThan(0);
    expect(count(sealed, SCHEMA_ID)).toBe(0);
    expect(count(sealed, 'binary/encrypted')).toBeGreaterThan(0);
    // Decrypted by the client with the key, it is the request.
    const desc = await encClient.client.workflow
      .getHandle(sourceIdOf(encrypted.request.name))
      .describe();
    expect((desc.memo?.[REQUEST_MEMO] as { target: { schemaId: string } }).target.schemaId).toBe(
      SCHEMA_ID,
    );
  });

  test('status (what aep-stream status calls) returns it decrypted; without the key it cannot', async () => {
    const name = encrypted.request.name;
    const status = await encClient.status(name);
    expect(status).toMatchObject({
      execution: 'COMPLETED',
      result: { flowId: encrypted.result.flowId, inletUrl: encrypted.result.inletUrl },
    });
    expect(status.progress?.status).toBe('SUCCEEDED');
    // The CLI from dist/, as an operator runs it.
    const cli = (env: Record<string, string>) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [path.join(distDir, 'cli.js'), '--json', 'status', name],
          { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } },
          (err, stdout, stderr) =>
            resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const withKey = await cli(clientEnv(encQueue, KEYS));
    expect([withKey.code, withKey.stderr]).toEqual([0, '']);
    expect(JSON.parse(withKey.stdout)).toMatchObject({
      result: { flowId: encrypted.result.flowId },
    });
    const withoutKey = await cli(clientEnv(encQueue));
    expect([withoutKey.code, withoutKey.stdout]).toEqual([3, '']);
    expect(withoutKey.stderr).toMatch(
      /Unknown encoding: binary\/encrypted \(the payloads are encrypted: set PAYLOAD_ENCRYPTION_KEYS/,
    );
    await expect(client.status(name)).rejects.toThrow(/binary\/encrypted/);
  });
});
