import { runCli } from '../harness/cli';
import { PassThrough } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { ProvisioningClient } from '../../src/client';
import { buildApi } from '../../src/api/server';
import { parseApiConfig, parseClientConfig, parseConfig, type Config } from '../../src/config';
import { InvalidRequestError } from '../../src/request';
import { orgTaskQueue, sourceWorkflowId } from '../../src/shared/names';
import { buildWorker } from '../../src/worker';
import { emulatorEnv } from '../../tools/emulator-env';
import { OTHER_ORG as OTHER, otherOrgFile, UNKNOWN_ORG as UNKNOWN } from '../harness/orgs';
import { sourceRequest, uniqueName } from '../harness/sources';
import { workflowBundle } from '../harness/stack';
import { connectTestEnv, freshTaskQueue } from '../harness/temporal';

/**
 * Two IMS orgs served by one worker process (AEP_ORGS_FILE): a source of the same sandbox and
 * name in each is its own (workflow id, AEP resources marked with its org), and each org's runs
 * and activities stay on that org's task queue.
 */

let env: TestWorkflowEnvironment;
let emulator: RunningEmulator;
let config: Config;
let client: ProvisioningClient;
let vars: Record<string, string | undefined>;
const taskQueue = freshTaskQueue('multiorg');
/** The source the first test provisions in both orgs. */
const twoOrgs = uniqueName('two orgs');

beforeAll(async () => {
  env = await connectTestEnv();
  emulator = await startEmulator({ port: 0, otherOrgs: [OTHER] });
  const orgsFile = otherOrgFile('\n'); // a secret mount's trailing newline is not the secret's
  vars = {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ...emulatorEnv(emulator.url, emulator.credentials),
    AEP_ORGS_FILE: orgsFile,
    AEP_REQUEST_TIMEOUT_MS: '5000',
    AEP_MAX_REQUESTS_PER_SECOND: '10000',
  };
  config = parseConfig(vars);
  client = new ProvisioningClient(env.client, parseClientConfig(vars));
});
afterAll(async () => {
  await emulator?.close();
  await env?.teardown();
});

test('one worker process provisions the same source in two orgs, each on its own queue', async () => {
  const home = emulator.credentials.orgId;
  const name = twoOrgs;
  const worker = await buildWorker({
    config,
    connection: env.nativeConnection,
    workflowBundle: await workflowBundle(),
  });
  const [a, b] = await worker.runUntil(() =>
    Promise.all([
      client.provision(sourceRequest(name, 'raw')),
      client.provision(sourceRequest(name, 'raw', { imsOrg: OTHER.orgId })),
    ]),
  );
  expect(a.flowId).not.toEqual(b.flowId);

  // Each org's AEP resources, marked with that org.
  const bases = (await emulator.control.resources({ kind: 'connection', sandbox: 'prod' }))
    .filter((r) => r.name === name)
    .map((r) => ({ org: r.body.imsOrgId, marker: /org=(\S+)/.exec(r.description ?? '')?.[1] }));
  expect(bases).toEqual(
    expect.arrayContaining([
      { org: home, marker: home },
      { org: OTHER.orgId, marker: OTHER.orgId },
    ]),
  );
  expect(bases).toHaveLength(2);

  // Distinct workflow ids; every task of a run on its org's queue (or the asks' queue beside it).
  const queues = { [home]: taskQueue, [OTHER.orgId]: orgTaskQueue(taskQueue, OTHER.orgId) };
  expect(queues[OTHER.orgId]).toBe(`${taskQueue}--otherorg0000000000000000`);
  for (const imsOrg of [home, OTHER.orgId]) {
    const workflowId = sourceWorkflowId({ imsOrg, sandbox: 'prod', name });
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const used = new Set<string>();
    for (const e of history.events ?? []) {
      const q =
        e.workflowExecutionStartedEventAttributes?.taskQueue?.name ??
        e.activityTaskScheduledEventAttributes?.taskQueue?.name;
      if (q) used.add(q);
    }
    expect([...used].sort()).toEqual([queues[imsOrg], `${queues[imsOrg]}-dataset-asks`]);
  }
});

test('an org the deployment does not serve is refused before anything starts', async () => {
  const name = uniqueName('unknown org');
  await expect(client.provision(sourceRequest(name, 'raw', { imsOrg: UNKNOWN }))).rejects.toThrow(
    InvalidRequestError,
  );
  await expect(client.deprovision({ name, imsOrg: UNKNOWN })).rejects.toThrow(
    /not an org of this deployment/,
  );
  expect(() => client.forOrg(UNKNOWN)).toThrow(InvalidRequestError);
  const id = sourceWorkflowId({ imsOrg: UNKNOWN, sandbox: 'prod', name });
  await expect(env.client.workflow.getHandle(id).describe()).rejects.toThrow();
});

test('the HTTP API takes the org from x-aep-org and refuses one it does not serve', async () => {
  const name = uniqueName('api org');
  const apiConfig = parseApiConfig({ ...vars, API_ALLOW_ANONYMOUS: 'true' });
  const app = await buildApi({ config: apiConfig, client, logStream: new PassThrough() });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const call = async (method: string, headers: Record<string, string> = {}, payload?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${url}`, {
      method,
      headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { body: JSON.stringify(payload) } : {}),
    });
    return { statusCode: res.status, text: await res.text() };
  };
  const url = `/v1/sandboxes/prod/sources/${encodeURIComponent(name)}`;
  const body = sourceRequest(name, 'raw');
  delete (body as { name?: string }).name;
  try {
    const unknown = await call('PUT', { 'x-aep-org': UNKNOWN, prefer: 'wait=0' }, body);
    expect(unknown.statusCode).toBe(422);
    expect(JSON.parse(unknown.text)).toMatchObject({
      type: 'urn:aep-stream:problem:InvalidRequest',
    });
    expect(unknown.text).toContain('not an org of this deployment');

    const worker = await buildWorker({
      config,
      connection: env.nativeConnection,
      workflowBundle: await workflowBundle(),
    });
    const [put, got] = await worker.runUntil(async () => {
      const put = await call('PUT', { 'x-aep-org': OTHER.orgId, prefer: 'wait=60' }, body);
      return [put, await call('GET', { 'x-aep-org': OTHER.orgId })];
    });
    expect(put.statusCode).toBeLessThan(300);
    const otherId = sourceWorkflowId({ imsOrg: OTHER.orgId, sandbox: 'prod', name });
    expect(JSON.parse(got.text)).toMatchObject({ workflowId: otherId, execution: 'COMPLETED' });
    // Without the header: AEP_ORG_ID's org, where this source does not exist.
    expect((await call('GET')).statusCode).toBe(404);
  } finally {
    await app.close();
  }
});

/** The CLI in a child process, configured as the deployment is. */
const cli = (args: string[]) => runCli(args, vars);

test('the CLI works on the org of --org and refuses one the deployment does not serve', async () => {
  const unknown = await cli(['--org', UNKNOWN, 'status', twoOrgs]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('not an org of this deployment');
  const worker = await buildWorker({
    config,
    connection: env.nativeConnection,
    workflowBundle: await workflowBundle(),
  });
  const other = await worker.runUntil(() =>
    cli(['--json', '--org', OTHER.orgId, 'status', twoOrgs]),
  );
  expect([other.code, other.stderr]).toEqual([0, '']);
  expect(JSON.parse(other.stdout)).toMatchObject({
    workflowId: sourceWorkflowId({ imsOrg: OTHER.orgId, sandbox: 'prod', name: twoOrgs }),
    execution: 'COMPLETED',
  });
});
