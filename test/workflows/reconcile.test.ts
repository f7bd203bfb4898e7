import { runCli, type CliRun } from '../harness/cli';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import { createAepClient, type AepClient } from '../../src/aep/client';
import {
  ProvisioningClient,
  reconcileNow,
  summarizeFailure,
  scheduleReconcile,
  type ListedSource,
} from '../../src/client';
import { parseConfig } from '../../src/config';
import { clientOn } from '../../src/connection';
import {
  reconcileQuery,
  reconcileScheduleId,
  SearchAttributes,
  sourceWorkflowId,
  WorkflowType,
} from '../../src/shared/names';
import type { ReconcileReport } from '../../src/shared/reconcile';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { emulatorEnv } from '../../tools/emulator-env';
import { freePort } from '../../tools/dev-server';
import { startWorkerProcess, type ManagedProcess } from '../../tools/processes';
import { SCHEMA_ID } from '../harness/stack';
import { uniqueName, sourceRequest } from '../harness/sources';
import { connectTestEnv, freshTaskQueue } from '../harness/temporal';
import { ARTIFACTS, eventually } from '../operate/helpers';

/**
 * Drift found on a schedule (issue #27): sources provisioned, changed in AEP behind the project's
 * back (a flow disabled, a mapping edited), found by ReconcileSources started by its schedule,
 * reported in its result and query, on the worker's Prometheus endpoint and by `list --drifted`;
 * then repaired. The worker is a process of its own, as operators run it, with METRICS_PORT.
 * The sandbox is this file's alone: Temporal visibility is shared by every test file.
 */

const SANDBOX = `rec-${Date.now().toString(36)}`;
const KEYS = `rec-2026:${randomBytes(32).toString('base64')}`;
const MAPPINGS = [
  { sourceAttribute: 'id', destinationXdmPath: '_id' },
  { sourceAttribute: 'firstName', destinationXdmPath: 'person.name.firstName' },
];

let env: TestWorkflowEnvironment;
let emulator: RunningEmulator;
let worker: ManagedProcess;
let client: ProvisioningClient;
let aep: AepClient;
let metricsPort: number;
let taskQueue: string;
const bundleFile = path.join(ARTIFACTS, `reconcile-bundle-${process.pid}.js`);

beforeAll(async () => {
  env = await connectTestEnv();
  emulator = await startEmulator({ port: 0, sandboxes: ['prod', 'dev', SANDBOX] });
  taskQueue = freshTaskQueue('reconcile');
  metricsPort = await freePort();
  await buildWorkflowBundle(bundleFile);
  const config = parseConfig({
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    ...emulatorEnv(emulator.url, emulator.credentials),
    AEP_SANDBOX: SANDBOX,
    AEP_REQUEST_TIMEOUT_MS: '5000',
    PAYLOAD_ENCRYPTION_KEYS: KEYS,
  });
  worker = await startWorkerProcess({
    logFile: path.join(ARTIFACTS, 'reconcile-worker.log'),
    env: {
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ...emulatorEnv(emulator.url, emulator.credentials),
      AEP_SANDBOX: SANDBOX,
      AEP_REQUEST_TIMEOUT_MS: '5000',
      METRICS_PORT: String(metricsPort),
      WORKFLOW_BUNDLE_PATH: bundleFile,
      PAYLOAD_ENCRYPTION_KEYS: KEYS,
    },
  });
  client = new ProvisioningClient(clientOn(env.connection, config), config);
  aep = createAepClient({ config });
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await emulator?.close();
  await env?.teardown();
  rmSync(bundleFile, { force: true });
});

/** The gauge's value for this file's sandbox, as the worker's Prometheus endpoint serves it. */
async function gauge(): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('aep_stream_drifted_sources{') && l.includes(`sandbox="${SANDBOX}"`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const cli = (args: string[]): Promise<CliRun> =>
  runCli(args, {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    TEMPORAL_TASK_QUEUE: taskQueue,
    AEP_ORG_ID: emulator.credentials.orgId,
    AEP_SANDBOX: SANDBOX,
    PAYLOAD_ENCRYPTION_KEYS: KEYS,
  });

/** The report of the scheduled run started after `since`, once it has completed. */
async function scheduledReport(
  since: Date,
): Promise<{ workflowId: string; report: ReconcileReport; details: string }> {
  const query = [
    `WorkflowType = '${WorkflowType.reconcile}'`,
    `${SearchAttributes.sandbox.name} = '${SANDBOX}'`,
    `ExecutionStatus = 'Completed'`,
  ].join(' AND ');
  const info = await eventually(
    async () => {
      for await (const i of client.client.workflow.list({ query })) {
        if (i.startTime >= since && i.workflowId.includes('/scheduled-')) return i;
      }
      return undefined;
    },
    'the scheduled reconcile to complete',
    60_000,
  );
  const handle = client.client.workflow.getHandle(info.workflowId, info.runId);
  // A closed run still answers its query: the report the UI shows.
  const queried = await handle.query(reconcileQuery);
  expect(await handle.result()).toEqual(queried);
  // What the Temporal UI shows as the run's current details.
  const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return { workflowId: info.workflowId, report: queried, details: meta.currentDetails ?? '' };
}

test('a scheduled reconcile reports drift (result, gauge, list --drifted); --repair clears it', async () => {
  const [flowOff, remapped, untouched] = ['flow off', 'remapped', 'untouched'].map(uniqueName);
  const results = await Promise.all(
    [flowOff!, remapped!, untouched!].map((name) =>
      client.provision(sourceRequest(name, 'raw', { mappings: MAPPINGS })),
    ),
  );

  // What Temporal holds of a request is encrypted: the reconcile reads it through the worker.
  const described = await env.client.workflowService.describeWorkflowExecution({
    namespace: client.config.TEMPORAL_NAMESPACE,
    execution: { workflowId: sourceWorkflowId({ ...client.place, name: flowOff! }) },
  });
  const memo = described.workflowExecutionInfo!.memo!.fields!.request!;
  expect(Buffer.from(memo.metadata!.encoding!).toString()).toBe('binary/encrypted');

  // The schedule: created, then the same call updates it (idempotent).
  const scheduled = await scheduleReconcile(client, { sandbox: SANDBOX, every: '1h' });
  expect(scheduled).toMatchObject({ created: true, everyMs: 3_600_000, repair: false });
  const again = await scheduleReconcile(client, { sandbox: SANDBOX, every: '1h' });
  expect(again).toMatchObject({ created: false, scheduleId: scheduled.scheduleId });
  const handle = client.client.schedule.getHandle(reconcileScheduleId(client.place));
  expect((await handle.describe()).policies).toMatchObject({
    overlap: 'SKIP',
    catchupWindow: 3_600_000,
  });

  try {
    // Nothing drifted yet.
    const clean = await reconcileNow(client, { sandbox: SANDBOX });
    expect(clean.report).toMatchObject({ sources: 3, planned: 3, drifted: [], skipped: [] });
    expect(await gauge()).toBe(0);

    // Drift made in AEP behind the project's back.
    await aep.flowAction(SANDBOX, results[0]!.flowId, 'disable');
    const ms = (await aep.getMappingSet(SANDBOX, results[1]!.mappingSetId!))!;
    await aep.updateMappingSet(SANDBOX, ms.id, {
      name: remapped,
      description: ms.description,
      version: 0,
      xdmSchema: SCHEMA_ID,
      xdmVersion: '1.0',
      mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id', identity: false, version: 0 }],
    });

    const since = new Date();
    await handle.trigger();
    const { report, details } = await scheduledReport(since);
    expect(report.status).toBe('DONE');
    expect(report.drifted.map((d) => d.name)).toEqual([flowOff, remapped].sort());
    expect(report.stillDrifted).toBe(2);
    expect(details).toMatch(/^\*\*DONE\*\* 3\/3 planned, 2 drifted, 2 not repaired, 0 skipped\n/);
    for (const name of [flowOff!, remapped!]) expect(details).toContain(`\n- ${name}: `);
    const byName = new Map(report.drifted.map((d) => [d.name, d.changes.join('\n')]));
    expect(byName.get(flowOff!)).toMatch(/flow +update .*state: "disabled" → "enabled"/);
    expect(byName.get(remapped!)).toMatch(/mappingSet +update/);
    expect(await gauge()).toBe(2);

    const listed = await cli(['--json', 'list', '--drifted', '--sandbox', SANDBOX]);
    expect([listed.code, listed.stderr]).toEqual([0, '']);
    const drifted = JSON.parse(listed.stdout) as ListedSource[];
    expect(drifted.map((s) => s.name)).toEqual([flowOff, remapped].sort());
    expect(drifted[0]!.drift?.changes.length).toBeGreaterThan(0);
    expect((await cli(['list', '--drifted'])).stdout).toContain(`${SANDBOX}/${remapped}: drifted`);

    // Every listing carries that drift: --json, each source, the drifted ones with their changes.
    const plain = await cli(['--json', 'list', '--sandbox', SANDBOX]);
    expect([plain.code, plain.stderr]).toEqual([0, '']);
    const all = new Map((JSON.parse(plain.stdout) as ListedSource[]).map((s) => [s.name, s]));
    expect(all.get(flowOff!)?.drift).toEqual(drifted[0]!.drift);
    expect(all.get(remapped!)?.drift).toEqual(drifted[1]!.drift);
    expect(all.get(untouched!)).toMatchObject({
      state: 'provisioned',
      inletUrl: results[2]!.inletUrl,
    });
    expect(all.get(untouched!)).not.toHaveProperty('drift');
    // ... and the table, in its DRIFT column.
    const table = (await cli(['list', '--sandbox', SANDBOX])).stdout;
    expect(table).toMatch(/^SANDBOX +SOURCE +STATE +LAST OPERATION +DRIFT +INLET URL$/m);
    const row = (name: string, drift: string) =>
      new RegExp(
        `^${SANDBOX} +${name} +provisioned +provision SUCCEEDED \\S+ +${drift} +\\S+$`,
        'm',
      );
    expect(table).toMatch(row(remapped!, 'drifted \\(\\d+ change\\(s\\)\\)'));
    expect(table).toMatch(row(untouched!, '-'));

    // --repair, through the CLI: each drifted source provisioned again; exit 0, nothing left.
    const repaired = await cli(['--json', 'reconcile', '--once', '--repair', '--concurrency', '1']);
    expect([repaired.code, repaired.stderr]).toEqual([0, '']);
    const repairReport = JSON.parse(repaired.stdout) as ReconcileReport;
    expect(repairReport.drifted.map((d) => [d.name, d.repair?.outcome])).toEqual(
      [flowOff, remapped].sort().map((n) => [n, 'repaired']),
    );
    expect(repairReport.stillDrifted).toBe(0);
    // --concurrency 1: the second repair started once the first had ended.
    const runs = await Promise.all(
      repairReport.drifted.map(({ repair }) =>
        client.client.workflow.getHandle(repair!.workflowId, repair!.runId).describe(),
      ),
    );
    const [first, second] = runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    expect(second!.startTime.getTime()).toBeGreaterThanOrEqual(first!.closeTime!.getTime());
    expect(await gauge()).toBe(0);
    expect((await aep.getFlow(SANDBOX, results[0]!.flowId))?.state).toBe('enabled');
    expect(JSON.parse((await cli(['--json', 'list', '--drifted'])).stdout)).toEqual([]);
    const relisted = JSON.parse((await cli(['--json', 'list'])).stdout) as ListedSource[];
    expect(relisted.filter((s) => s.drift).map((s) => s.name)).toEqual([]);

    const after = await cli(['reconcile', '--once']);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain(`sandbox ${SANDBOX}: 3 source(s), 0 drifted`);
  } finally {
    await handle.delete();
  }
}, 240_000);

test('a source with an operation in flight or torn down is left alone', async () => {
  const [busy, gone] = ['busy', 'gone'].map(uniqueName);
  await client.provision(sourceRequest(gone!, 'raw'));
  await client.deprovision({ name: gone!, sandbox: SANDBOX });
  // Open for a while: the activation wait before its smoke record.
  const open = await client.startProvision(
    sourceRequest(busy!, 'raw', { smokeTest: { activationWaitSeconds: 60 } }),
  );
  try {
    const { report } = await reconcileNow(client, { sandbox: SANDBOX, repair: true });
    expect(report.skipped).toEqual([{ name: busy, reason: expect.stringMatching(/in flight/) }]);
    expect(report.drifted.map((d) => d.name)).not.toContain(gone);
    expect(report.drifted.map((d) => d.name)).not.toContain(busy);
  } finally {
    await open.handle.cancel();
    await open.handle.result().catch(() => undefined);
  }
}, 120_000);

test('drift only replacing the source undoes is reported, not repaired, even with replace: true', async () => {
  const name = uniqueName('auth flipped');
  const result = await client.provision(sourceRequest(name, 'raw', { replace: true }));
  const base = (await aep.getConnection(SANDBOX, result.baseConnectionId))!;
  await aep.patchConnection(SANDBOX, base.id, base.etag!, [
    { op: 'replace', path: '/auth/params/authenticationRequired', value: true },
  ]);

  const { report } = await reconcileNow(client, { sandbox: SANDBOX, repair: true });
  const found = report.drifted.find((d) => d.name === name);
  expect(found?.changes.join('\n')).toMatch(/refused unless replace: true +authentication/);
  expect(found?.repair).toMatchObject({
    outcome: 'skipped',
    reason: expect.stringMatching(/only replacing the source \(new inlet URL\) undoes/),
  });
  // Nothing was torn down: the inlet is the one its senders know.
  expect((await aep.getConnection(SANDBOX, base.id))?.id).toBe(base.id);
  const listed = JSON.parse((await cli(['--json', 'list', '--drifted'])).stdout) as ListedSource[];
  expect(listed.map((s) => s.name)).toEqual([name]);

  // Operated on since: what that reconcile found no longer describes it.
  await client.deprovision({ name, sandbox: SANDBOX });
  expect(JSON.parse((await cli(['--json', 'list', '--drifted'])).stdout)).toEqual([]);
}, 120_000);

test('reconcile refuses an interval under a minute, another org, a call without --every or --once', async () => {
  const short = await cli(['reconcile', '--every', '10s']);
  expect([short.code, short.stderr]).toEqual([2, expect.stringMatching(/--every: .*at least 60s/)]);
  // Another org's sources: the worker holds none of its credentials.
  const otherOrg = 'OTHER000000000000000000000@AdobeOrg';
  const other = new ProvisioningClient(client.client, { ...client.config, AEP_ORG_ID: otherOrg });
  const refused = await reconcileNow(other, { sandbox: SANDBOX }).catch(summarizeFailure);
  expect(refused).toMatchObject({ rootType: 'InvalidRequest' });
  expect((refused as { message: string }).message).toMatch(/not the org this worker serves/);
  const neither = await cli(['reconcile']);
  expect([neither.code, neither.stderr]).toEqual([2, expect.stringMatching(/--every .*--once/)]);
});

test('a source whose last provisioning failed is planned against its last successful one', async () => {
  const [failedLast, neverOk, gone] = ['failed last', 'never ok', 'gone then failed'].map(
    uniqueName,
  );
  // A missing schema fails a provisioning before it touches anything (SchemaNotFound).
  const failing = (name: string) =>
    client.provision({
      ...sourceRequest(name, 'raw'),
      target: {
        schemaId: 'https://ns.adobe.com/acme/schemas/doesnotexist',
        dataset: { name: `${name} dataset` },
      },
    });
  const ok = await client.provision(sourceRequest(failedLast!, 'raw'));
  await expect(failing(failedLast!)).rejects.toThrow();
  await expect(failing(neverOk!)).rejects.toThrow();
  await client.provision(sourceRequest(gone!, 'raw'));
  await client.deprovision({ name: gone!, sandbox: SANDBOX });
  await expect(failing(gone!)).rejects.toThrow();
  await aep.flowAction(SANDBOX, ok.flowId, 'disable');

  const { report } = await reconcileNow(client, { sandbox: SANDBOX });
  const found = report.drifted.find((d) => d.name === failedLast);
  expect(found?.changes.join('\n')).toMatch(/flow +update .*state: "disabled" → "enabled"/);
  expect(report.skipped).toContainEqual({
    name: neverOk,
    reason: expect.stringMatching(/^no provisioning of it succeeded \(last FAILED, run /),
  });
  // Torn down, then a provisioning failed: still torn down, neither planned nor skipped.
  const seen = [...report.drifted, ...report.skipped].map((s) => s.name);
  expect(seen).not.toContain(gone);
  const listed = JSON.parse((await cli(['--json', 'list', '--drifted'])).stdout) as ListedSource[];
  expect(listed.map((s) => [s.name, s.state])).toContainEqual([failedLast, 'provision-failed']);

  // The repair applies the request that succeeded: the flow is enabled again.
  const repaired = await reconcileNow(client, { sandbox: SANDBOX, repair: true });
  expect(repaired.report.drifted.find((d) => d.name === failedLast)?.repair).toMatchObject({
    outcome: 'repaired',
  });
  expect((await aep.getFlow(SANDBOX, ok.flowId))?.state).toBe('enabled');
}, 180_000);
