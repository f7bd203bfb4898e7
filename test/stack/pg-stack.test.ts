import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { auditResources, type SourceOutcome } from '../../chaos/audit';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { ProvisioningClient, summarizeFailure } from '../../src/client';
import { parseClientConfig } from '../../src/config';
import type { ProvisionRequestInput } from '../../src/request';
import { sourceWorkflowId } from '../../src/shared/names';
import type { ProvisionResult } from '../../src/shared/results';
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
    const id = sourceWorkflowId('prod', name);
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

  test('teardown deletes what the provisioning created', async () => {
    const torn = await client.deprovision({ name });
    expect(torn).toBeDefined();
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
