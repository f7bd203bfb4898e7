import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { connect } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import { ProvisioningClient, summarizeFailure } from '../../src/client';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { progressQuery } from '../../src/shared/names';
import { freePort } from '../../tools/dev-server';
import { startWorkerProcess, type ManagedProcess } from '../../tools/processes';
import { SCHEMA_ID } from '../harness/stack';
import { connectTestEnv, freshTaskQueue } from '../harness/temporal';
import { ARTIFACTS, eventually } from './helpers';
import { sourceIdOf, EMULATOR_ORG } from '../harness/ids';

/**
 * The worker as operators run it: a separate process configured only by its environment
 * (METRICS_PORT, LOG_LEVEL, a prebuilt WORKFLOW_BUNDLE_PATH), its output captured in a log file.
 * Its Prometheus endpoint is scraped while a provisioning runs; its log is checked for structure
 * (JSON lines carrying workflow and activity ids) and audited for the client secret and every
 * token the IMS endpoint issued, after runs that retry, refresh the token and fail.
 */

let env: TestWorkflowEnvironment;
let emulator: RunningEmulator;
let worker: ManagedProcess;
let client: ProvisioningClient;
let metricsPort: number;
let taskQueue: string;
const logFile = path.join(ARTIFACTS, 'observability-worker.log');
const bundleFile = path.join(ARTIFACTS, `workflow-bundle-${process.pid}.js`);
const stamp = Date.now().toString(36);
const names = {
  running: `metrics ${stamp}`,
  retried: `retried ${stamp}`,
  failed: `failed ${stamp}`,
};

beforeAll(async () => {
  env = await connectTestEnv();
  emulator = await startEmulator({ port: 0 });
  taskQueue = freshTaskQueue('operate');
  metricsPort = await freePort();
  rmSync(logFile, { force: true });
  await buildWorkflowBundle(bundleFile);
  worker = await startWorkerProcess({
    logFile,
    env: {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      AEP_PLATFORM_URL: emulator.url,
      AEP_IMS_URL: emulator.url,
      AEP_CLIENT_ID: emulator.credentials.clientId,
      AEP_CLIENT_SECRET: emulator.credentials.clientSecret,
      AEP_ORG_ID: emulator.credentials.orgId,
      AEP_REQUEST_TIMEOUT_MS: '5000',
      METRICS_PORT: String(metricsPort),
      // The most verbose level: the more the worker says, the more a leak would show.
      LOG_LEVEL: 'debug',
      WORKFLOW_BUNDLE_PATH: bundleFile,
    },
  });
  client = new ProvisioningClient(env.client, {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
    AEP_ORG_ID: EMULATOR_ORG,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    AEP_SANDBOX: 'prod',
  });
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await emulator?.close();
  await env?.teardown();
  rmSync(bundleFile, { force: true });
});

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** Prometheus samples of `metric` whose labels include every given label. */
function samples(text: string, metric: string, labels: Record<string, string> = {}): number[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `))
    .filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
}

test('the Prometheus endpoint serves Temporal runtime metrics while a provisioning runs', async () => {
  const started = await client.startProvision({
    name: names.running,
    dataType: 'raw',
    authentication: { required: true },
    target: { schemaId: SCHEMA_ID, dataset: { name: names.running } },
    // A durable timer keeps the workflow open while the endpoint is scraped.
    smokeTest: { activationWaitSeconds: 3 },
  });
  await eventually(async () => {
    const p = await started.handle.query(progressQuery);
    return p.status === 'WAITING_FOR_ACTIVATION' ? true : undefined;
  }, 'the provisioning to wait for activation');
  const during = await scrape();
  writeFileSync(path.join(ARTIFACTS, 'metrics-during-run.txt'), during); // for a human to read
  expect((await started.handle.describe()).status.name).toBe('RUNNING');

  expect(during).toMatch(/^# TYPE temporal_\w+ (counter|gauge|histogram)$/m);
  const mine = {
    task_queue: taskQueue,
    namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
  };
  expect(samples(during, 'temporal_worker_start', mine)).toEqual([1]);
  for (const activity of ['ensureBaseConnection', 'ensureFlow']) {
    const done = samples(during, 'temporal_activity_execution_latency_count', {
      ...mine,
      activity_type: activity,
    });
    expect([activity, done.reduce((a, b) => a + b, 0)]).toEqual([activity, 1]);
  }

  const result = await started.handle.result();
  expect(result.smokeTest?.status).toBe(200);
  const after = await scrape();
  expect(
    samples(after, 'temporal_workflow_completed', {
      ...mine,
      workflow_type: 'ProvisionStreamingSource',
    }),
  ).toEqual([1]);
}, 60_000);

test('the metrics endpoint listens on loopback only', async () => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4')?.address;
  if (!external) {
    console.warn('no non-loopback IPv4 address on this machine: binding not checked from outside');
    return;
  }
  const outcome = await new Promise<string>((resolve) => {
    const socket = connect({ host: external, port: metricsPort });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
  expect(outcome).toBe('ECONNREFUSED');
});

test('a provisioning that retries after 503s and a refreshed token, and one that fails', async () => {
  await emulator.control.expireTokens(); // the next call meets 401 and fetches a new token
  await emulator.control.addFault({
    method: 'POST',
    path: '/data/foundation/flowservice/connections',
    count: 2,
    action: { type: 'status', status: 503 },
  });
  const retried = await client.provision({
    name: names.retried,
    dataType: 'xdm',
    authentication: { required: true },
    target: { schemaId: SCHEMA_ID, dataset: { name: names.retried } },
  });
  expect(retried.created).toContain('baseConnection');
  expect((await emulator.control.faults())[0]?.fired).toBe(2);

  let failure: unknown;
  try {
    await client.provision({
      name: names.failed,
      dataType: 'raw',
      target: { schemaId: `${SCHEMA_ID}0`, dataset: { name: names.failed } },
    });
  } catch (err) {
    failure = err;
  }
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect(summarizeFailure(failure).rootType).toBe('SchemaNotFound');
}, 120_000);

describe('the log, once the worker has stopped', () => {
  let lines: Array<Record<string, unknown>>;
  let raw: string;
  beforeAll(async () => {
    await worker.stop();
    expect(await worker.exited).toBe(0); // SIGTERM drains and exits cleanly
    expect(existsSync(logFile)).toBe(true);
    raw = readFileSync(logFile, 'utf8');
    lines = raw
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          throw new Error(`not a JSON line in the worker log: ${l}`);
        }
      });
  });

  test('is JSON lines with a level and a message, and names the workflow and activity ids', () => {
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) {
      expect(typeof l.level).toBe('string');
      expect(typeof l.message).toBe('string');
    }
    const workflowId = sourceIdOf(names.failed);
    const workflowLines = lines.filter((l) => l.workflowId === workflowId && l.runId);
    expect(workflowLines.length).toBeGreaterThan(0);
    expect(workflowLines.map((l) => l.message)).toContain('Provisioning failed; compensating');
    const activityLines = lines.filter(
      (l) => typeof l.activityId === 'string' && typeof l.activityType === 'string',
    );
    expect(activityLines.length).toBeGreaterThan(0);
    // The task token can complete an activity through the Temporal API: never logged.
    expect(lines.filter((l) => 'taskToken' in l)).toEqual([]);
    // Activity lines say which workflow they work for.
    expect(activityLines.some((l) => l.workflowId === sourceIdOf(names.retried))).toBe(true);
    // The 503s were logged as failed attempts, with their ids and the failure's type and message.
    const failedAttempts = activityLines.filter(
      (l) =>
        l.message === 'Activity failed' &&
        l.activityType === 'ensureBaseConnection' &&
        l.workflowId === sourceIdOf(names.retried),
    );
    expect(failedAttempts.map((l) => l.attempt)).toEqual([1, 2]);
    for (const l of failedAttempts) {
      const error = l.error as { type?: string; message?: string; nonRetryable?: boolean };
      expect(error.type).toBe('AepServerError');
      expect(error.nonRetryable).toBe(false);
      expect(error.message).toMatch(/503/);
    }
  });

  test('never holds the client secret or an access token', async () => {
    const tokens = await emulator.control.tokens();
    expect(tokens.length).toBeGreaterThanOrEqual(2); // the first one expired, a second was issued
    expect(raw).not.toContain(emulator.credentials.clientSecret);
    for (const t of tokens) expect(raw).not.toContain(t);
    expect(raw).not.toMatch(/Bearer\s+\S/);
  });
});
