import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, NexusOperationFailure } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { Worker } from '@temporalio/worker';
import type { ProvisionRequestInput } from '../../src/request';
import { rootOf } from '../../src/shared/failures';
import { NexusNames, progressQuery } from '../../src/shared/names';
import { TEMPORAL_BIN } from '../../tools/dev-server';
import type * as caller from '../fixtures/workflows/nexus-caller';
import { sourceIdOf } from '../harness/ids';
import { sourceRequest, uniqueName } from '../harness/sources';
import { SCHEMA_ID, startStack, type Stack } from '../harness/stack';

/**
 * The Nexus service end to end: a caller's workflow in a second namespace of the dev server
 * invokes `aep-streaming` through an endpoint created as docs/operating.md says, and gets the
 * typed result or failure; the rules of the library hold for it.
 */

let stack: Stack;
let callerClient: Client;
const callerNamespace = `caller-${randomUUID().slice(0, 8)}`;
const endpoint = `aep-streaming-${randomUUID().slice(0, 8)}`;
const callerQueue = `nexus-caller-${randomUUID()}`;

beforeAll(async () => {
  stack = await startStack();
  const address = process.env.TEMPORAL_TEST_ADDRESS!;
  await stack.env.client.workflowService.registerNamespace({
    namespace: callerNamespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  // docs/operating.md#nexus: the endpoint targets the worker's namespace and task queue.
  await promisify(execFile)(TEMPORAL_BIN, [
    ...['operator', 'nexus', 'endpoint', 'create', '--address', address],
    ...['--name', endpoint, '--target-namespace', stack.env.namespace ?? 'default'],
    ...['--target-task-queue', stack.taskQueue],
  ]);
  callerClient = new Client({ connection: stack.env.connection, namespace: callerNamespace });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

/** Runs `fn` while the provisioning worker and the caller's worker both poll. */
async function running<T>(fn: () => Promise<T>): Promise<T> {
  const callerWorker = await Worker.create({
    connection: stack.env.nativeConnection,
    namespace: callerNamespace,
    taskQueue: callerQueue,
    workflowsPath: require.resolve('../fixtures/workflows/nexus-caller'),
  });
  return stack.withWorker(() => callerWorker.runUntil(fn));
}

type Call = 'callProvision' | 'callDeprovision' | 'callPlan';
function call<W extends Call>(workflow: W, ...args: Parameters<(typeof caller)[W]>[1][]) {
  return callerClient.workflow.start<(typeof caller)[W]>(workflow, {
    taskQueue: callerQueue,
    workflowId: `nexus-${workflow}-${randomUUID()}`,
    args: [endpoint, ...args] as Parameters<(typeof caller)[W]>,
  });
}

/** What the caller's workflow failed with: the Nexus operation's failure. */
async function operationFailure(handle: WorkflowHandle): Promise<NexusOperationFailure> {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const failure = (err as WorkflowFailedError).cause;
  expect(failure).toBeInstanceOf(NexusOperationFailure);
  expect(failure).toMatchObject({ service: NexusNames.service, endpoint });
  return failure as NexusOperationFailure;
}

async function untilStatus(name: string, status: string) {
  const handle = stack.env.client.workflow.getHandle(sourceIdOf(name));
  for (let i = 0; i < 300; i++) {
    const p = await handle.query(progressQuery).catch(() => undefined);
    if (p?.status === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} never reached ${status}`);
}

const request = (name: string, extra: Partial<ProvisionRequestInput> = {}) =>
  sourceRequest(name, 'raw', extra);

test('plan, provision and teardown from another namespace return their typed results', async () => {
  const name = uniqueName('nexus');
  await running(async () => {
    const plan = await (await call('callPlan', request(name))).result();
    expect(plan).toMatchObject({ name, changes: true });
    const provisioned = await (await call('callProvision', request(name))).result();
    expect(provisioned).toMatchObject({ name, sandbox: 'prod', inletUrl: expect.any(String) });
    // The operation's run is the source's run, as the library started it.
    const status = await stack.client.status(name);
    expect(status).toMatchObject({ operation: 'provision', execution: 'COMPLETED' });
    expect(status.result?.flowId).toBe(provisioned.flowId);
    const torn = await (await call('callDeprovision', { name })).result();
    expect(torn.deleted.map((d) => d.id)).toContain(provisioned.flowId);
  });
});

test("a workflow's failure reaches the caller typed: DatasetMismatch at the root", async () => {
  const [owner, other] = [uniqueName('nexus owner'), uniqueName('nexus other')];
  await running(async () => {
    await stack.client.provision(request(owner, { target: { schemaId: SCHEMA_ID, dataset: {} } }));
    const sharing = request(other, {
      target: { schemaId: SCHEMA_ID, dataset: { name: owner } },
    });
    const failure = await operationFailure(await call('callProvision', sharing));
    expect(failure.operation).toBe(NexusNames.operations.provision);
    expect(failure.cause).toBeInstanceOf(ApplicationFailure);
    expect(rootOf(failure)).toBeInstanceOf(ApplicationFailure);
    expect((rootOf(failure) as ApplicationFailure).type).toBe('DatasetMismatch');
    await stack.client.deprovision({ name: owner, deleteDataset: true });
  });
});

test('an invalid request fails the operation with InvalidRequest, nothing started', async () => {
  await running(async () => {
    const bad = { name: '', dataType: 'csv' } as unknown as ProvisionRequestInput;
    const failure = await operationFailure(await call('callProvision', bad));
    expect(rootOf(failure)).toBeInstanceOf(ApplicationFailure);
    expect(rootOf(failure)).toMatchObject({ type: 'InvalidRequest', nonRetryable: true });
  });
});

test("the library's rules hold: same request attaches, another is refused, teardown cancels first", async () => {
  const name = uniqueName('nexus rules');
  const req = request(name, { smokeTest: { activationWaitSeconds: 120 } });
  await running(async () => {
    const first = await stack.client.startProvision(req);
    await untilStatus(name, 'WAITING_FOR_ACTIVATION');
    const created = Object.values((await first.handle.query(progressQuery)).resources);
    expect(created.length).toBeGreaterThan(0);

    const same = await call('callProvision', req);
    const refused = await operationFailure(
      await call('callProvision', { ...req, description: 'another one' }),
    );
    expect(rootOf(refused)).toMatchObject({
      type: 'RequestConflict',
      details: [{ workflowId: first.workflowId, runId: first.runId, fields: ['description'] }],
    });
    // Attached, not started: the source has one run, and it is the library's.
    const open = await stack.env.client.workflow.getHandle(first.workflowId).describe();
    expect([open.runId, open.status.name]).toEqual([first.runId, 'RUNNING']);

    // The teardown cancels the open provisioning, which compensates (the attached operation
    // ends cancelled), then runs: nothing of the source is left.
    await (await call('callDeprovision', { name })).result();
    const held = new Set(
      (await stack.emulator.control.resources({ sandbox: 'prod' })).map((r) => r.id),
    );
    expect(created.filter((r) => held.has(r.id))).toEqual([]);
    expect((await stack.client.status(name)).operation).toBe('deprovision');
    const attached = await operationFailure(same);
    expect(rootOf(attached)).toBeInstanceOf(CancelledFailure);
    await expect(first.handle.result()).rejects.toThrow(WorkflowFailedError);
  });
});
