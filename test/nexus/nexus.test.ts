import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import {
  Client,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, NexusOperationFailure } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { Worker } from '@temporalio/worker';
import { parseConfig, type Config } from '../../src/config';
import type { ProvisionRequestInput } from '../../src/request';
import { rootOf } from '../../src/shared/failures';
import {
  NexusNames,
  orgTaskQueue,
  progressQuery,
  sourceWorkflowId,
  WorkflowType,
} from '../../src/shared/names';
import { buildWorker } from '../../src/worker';
import { emulatorEnv } from '../../tools/emulator-env';
import { TEMPORAL_BIN } from '../../tools/dev-server';
import type * as caller from '../fixtures/workflows/nexus-caller';
import { sourceIdOf } from '../harness/ids';
import { OTHER_ORG as OTHER, otherOrgFile, UNKNOWN_ORG as UNKNOWN } from '../harness/orgs';
import { sourceRequest, uniqueName } from '../harness/sources';
import { SCHEMA_ID, startStack, workflowBundle, type Stack } from '../harness/stack';
import { freshTaskQueue } from '../harness/temporal';

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

/** A deployment serving the stack's org and OTHER (AEP_ORGS_FILE), and its endpoint. */
let orgs: Config;
const orgsEndpoint = `aep-streaming-orgs-${randomUUID().slice(0, 8)}`;

/** docs/operating.md#the-nexus-endpoint: it targets the worker's namespace and task queue. */
async function createEndpoint(name: string, taskQueue: string) {
  await promisify(execFile)(TEMPORAL_BIN, [
    ...['operator', 'nexus', 'endpoint', 'create', '--address', process.env.TEMPORAL_TEST_ADDRESS!],
    ...['--name', name, '--target-namespace', stack.env.namespace ?? 'default'],
    ...['--target-task-queue', taskQueue],
  ]);
}

function orgsConfig(): Config {
  return parseConfig({
    ...emulatorEnv(stack.emulator.url, stack.emulator.credentials),
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    TEMPORAL_TASK_QUEUE: freshTaskQueue('nexus-orgs'),
    AEP_SANDBOX: 'prod',
    AEP_ORGS_FILE: otherOrgFile(),
    AEP_REQUEST_TIMEOUT_MS: '5000',
    AEP_MAX_REQUESTS_PER_SECOND: '10000',
  });
}

beforeAll(async () => {
  stack = await startStack({ otherOrgs: [OTHER] });
  await stack.env.client.workflowService.registerNamespace({
    namespace: callerNamespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  orgs = orgsConfig();
  await createEndpoint(endpoint, stack.taskQueue);
  await createEndpoint(orgsEndpoint, orgs.TEMPORAL_TASK_QUEUE);
  callerClient = new Client({ connection: stack.env.connection, namespace: callerNamespace });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

type Serve = <T>(fn: () => Promise<T>) => Promise<T>;
/** The worker of the deployment serving two orgs, as src/worker.ts builds it. */
const orgsWorker: Serve = async (fn) => {
  const connection = stack.env.nativeConnection;
  const wb = await workflowBundle();
  return (await buildWorker({ config: orgs, connection, workflowBundle: wb })).runUntil(fn);
};

/** Runs `fn` while the provisioning worker (`serve`) and the caller's worker both poll. */
async function running<T>(fn: () => Promise<T>, serve: Serve = (f) => stack.withWorker(f)) {
  const callerWorker = await Worker.create({
    connection: stack.env.nativeConnection,
    namespace: callerNamespace,
    taskQueue: callerQueue,
    workflowsPath: require.resolve('../fixtures/workflows/nexus-caller'),
  });
  return serve(() => callerWorker.runUntil(fn));
}

type Call = 'callProvision' | 'callDeprovision' | 'callPlan';
function call<W extends Call>(
  workflow: W,
  input: Parameters<(typeof caller)[W]>[1],
  at = endpoint,
) {
  return callerClient.workflow.start<(typeof caller)[W]>(workflow, {
    taskQueue: callerQueue,
    workflowId: `nexus-${workflow}-${randomUUID()}`,
    args: [at, input] as Parameters<(typeof caller)[W]>,
  });
}

/** What the caller's workflow failed with: the Nexus operation's failure. */
async function operationFailure(handle: WorkflowHandle, at = endpoint) {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const failure = (err as WorkflowFailedError).cause;
  expect(failure).toBeInstanceOf(NexusOperationFailure);
  expect(failure).toMatchObject({ service: NexusNames.service, endpoint: at });
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

test("a request naming another org the deployment serves runs on that org's queue", async () => {
  const name = uniqueName('nexus other org');
  const other = request(name, { imsOrg: OTHER.orgId });
  const id = sourceWorkflowId({ imsOrg: OTHER.orgId, sandbox: 'prod', name });
  const run = () => stack.env.client.workflow.getHandle(id).describe();
  const otherQueue = orgTaskQueue(orgs.TEMPORAL_TASK_QUEUE, OTHER.orgId);
  await running(async () => {
    const plan = await (await call('callPlan', other, orgsEndpoint)).result();
    expect(plan).toMatchObject({ name, changes: true });
    const provisioned = await (await call('callProvision', other, orgsEndpoint)).result();
    expect(provisioned).toMatchObject({ name, sandbox: 'prod', inletUrl: expect.any(String) });
    expect(await run()).toMatchObject({ type: WorkflowType.provision, taskQueue: otherQueue });
    const teardown = { name, imsOrg: OTHER.orgId };
    const torn = await (await call('callDeprovision', teardown, orgsEndpoint)).result();
    expect(torn.deleted.map((d) => d.id)).toContain(provisioned.flowId);
    expect(await run()).toMatchObject({ type: WorkflowType.deprovision, taskQueue: otherQueue });
  }, orgsWorker);
  // The first org's source of that name was never started.
  const home = sourceWorkflowId({ imsOrg: orgs.AEP_ORG_ID, sandbox: 'prod', name });
  await expect(stack.env.client.workflow.getHandle(home).describe()).rejects.toThrow(
    WorkflowNotFoundError,
  );
});

test('an org the deployment does not serve is refused before anything is cancelled or started', async () => {
  const [fresh, open] = [uniqueName('nexus unknown org'), uniqueName('nexus unknown open')];
  const key = (name: string) => sourceWorkflowId({ imsOrg: UNKNOWN, sandbox: 'prod', name });
  // An open run under that org's id of `open` (started by hand, on a queue nobody polls): a
  // teardown that got past the check would cancel it.
  const planted = await stack.env.client.workflow.start(WorkflowType.provision, {
    taskQueue: freshTaskQueue('nobody'),
    workflowId: key(open),
    args: [request(open, { imsOrg: UNKNOWN })],
  });
  const refusal = async (handle: WorkflowHandle) => {
    const root = rootOf(await operationFailure(handle, orgsEndpoint)) as ApplicationFailure;
    expect(root).toBeInstanceOf(ApplicationFailure);
    expect(root).toMatchObject({ type: 'InvalidRequest', nonRetryable: true });
    expect(root.message).toContain(`imsOrg: ${UNKNOWN} is not an org of this deployment`);
  };
  try {
    await running(async () => {
      await refusal(await call('callProvision', request(fresh, { imsOrg: UNKNOWN }), orgsEndpoint));
      await refusal(await call('callPlan', request(fresh, { imsOrg: UNKNOWN }), orgsEndpoint));
      await refusal(await call('callDeprovision', { name: open, imsOrg: UNKNOWN }, orgsEndpoint));
    }, orgsWorker);
    const notFound = stack.env.client.workflow.getHandle(key(fresh)).describe();
    await expect(notFound).rejects.toThrow(WorkflowNotFoundError);
    expect((await planted.describe()).status.name).toBe('RUNNING');
    const events = (await planted.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.workflowExecutionCancelRequestedEventAttributes)).toEqual([]);
  } finally {
    await planted.terminate('test over').catch(() => undefined);
  }
});
