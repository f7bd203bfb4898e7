/**
 * ProvisionStreamingSource against an unkind AEP, end to end (real Temporal dev server, the worker
 * of src/worker.ts, the in-process emulator's unkind faults): a create that outlives its attempt,
 * a 504 after commit with a lagging list, names as people write them under both filter readings,
 * "still in use" during compensation, the twin sweep after a success, and the worker's shutdown
 * grace (its numbers, and that buildWorker gives them to the Worker). docs/hardening.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { summarizeFailure } from '../../src/client';
import type { ProvisionRequestInput } from '../../src/request';
import { ATTEMPT_TIMEOUT_MS } from '../../src/workflows/policies';
import { buildWorker, SHUTDOWN_FORCE_MS, SHUTDOWN_GRACE_MS } from '../../src/worker';
import { startStack, workflowBundle, type Stack } from '../harness/stack';
import { connectionInUse } from '../harness/faults';
import { uniqueName, sourceRequest, resourcesOf as resourcesOfSource } from '../harness/sources';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  await stack.emulator.control.clearFaults();
  await stack.emulator.control.setFilterMode({ quoting: 'literal', nameMatch: 'exact' });
});

const request = (name: string, extra: Partial<ProvisionRequestInput> = {}) =>
  sourceRequest(name, 'raw', extra);

const resourcesOf = (name: string) => resourcesOfSource(stack.emulator, name);

async function failureOf(input: ProvisionRequestInput) {
  try {
    await stack.withWorker(() => stack.client.provision(input));
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowFailedError);
    return summarizeFailure(err);
  }
  throw new Error('provisioning unexpectedly succeeded');
}

test('problem 1: a create that outlives its attempt is not orphaned by compensation', async () => {
  const name = uniqueName('unkind slow');
  const { control } = stack.emulator;
  // Attempt 1's POST gives up at 5 s (AEP_REQUEST_TIMEOUT_MS) but commits at 7 s; attempt 2
  // looks up at ~6 s, misses it and creates a second base connection with the same run marker.
  await control.resetStats();
  await control.slowCommit({ kind: 'connection', ms: 7_000, count: 1 });
  await control.addFault({
    method: 'POST',
    path: '/data/foundation/flowservice/flows',
    action: { type: 'status', status: 403 },
  });
  const failure = await failureOf(request(name));
  expect(failure.rootType).toBe('AepForbidden');
  // Let the late create land (7 s after it was sent) before looking.
  for (let i = 0; i < 100 && ((await control.stats()).creates.connection ?? 0) < 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  expect((await control.stats()).creates.connection).toBe(2);
  // Before: compensation deleted the recorded connection only; the late one stayed behind.
  expect(await resourcesOf(name)).toEqual([]);
});

test('problem 2: a 504 after commit with a lagging list leaves no twin and no leftover', async () => {
  const name = uniqueName('unkind 504');
  const { control } = stack.emulator;
  // listLag first: it marks the write; the first rule of another type decides the answer.
  await control.listLag({ kind: 'flow', method: 'POST', ms: 4_000, count: 1 });
  await control.commitThen504({ kind: 'flow', count: 1 });
  await control.addFault({
    method: 'POST',
    path: '/collection/*',
    action: { type: 'status', status: 400 },
  });
  const failure = await failureOf(
    request(name, { smokeTest: { activationWaitSeconds: 0, record: { id: 'x' } } }),
  );
  // Before: the first flow was orphaned, and it kept the base connection in use (1418-400):
  // CompensationFailed with a leftover.
  expect([failure.type, failure.rootType]).toEqual(['ProvisioningFailed', 'SmokeTestFailed']);
  expect(await resourcesOf(name)).toEqual([]);
});

test('problem 2, success: a twin from a 504 after commit is swept and reported in twinsRemoved', async () => {
  const name = uniqueName('unkind twin');
  const { control } = stack.emulator;
  // The target connection commits and answers 504; it shows in lists only 3 s later, so the
  // retry's lookup misses it and creates a second one carrying the same run marker.
  // (listLag first: the first deciding rule that fires stops the draw.)
  const targets = { method: 'POST', path: '/data/foundation/flowservice/targetConnections' };
  await control.addFault({ ...targets, action: { type: 'listLag', ms: 3_000 }, count: 1 });
  await control.addFault({ ...targets, action: { type: 'commitThen504' }, count: 1 });
  await control.resetStats();
  const result = await stack.withWorker(() => stack.client.provision(request(name)));
  // Both POSTs committed: without the sweep, both would stay.
  expect((await control.stats()).creates.targetConnection).toBe(2);
  expect(result.twinsRemoved).toHaveLength(1);
  const [twin] = result.twinsRemoved ?? [];
  expect(twin?.kind).toBe('targetConnection');
  expect(twin?.id).not.toBe(result.targetConnectionId);
  const left = (await resourcesOf(name)).filter((r) => r.kind === 'targetConnection');
  expect(left.map((r) => r.id)).toEqual([result.targetConnectionId]);
  await stack.withWorker(() => stack.client.deprovision({ name, deleteDataset: true }));
  expect(await resourcesOf(name)).toEqual([]);
});

test('problem 4: names as people write them, under both filter readings and case-insensitive names', async () => {
  const { control } = stack.emulator;
  await control.setFilterMode({ quoting: 'raw', nameMatch: 'caseInsensitive' });
  const name = uniqueName(`O'Brien & Sales, EU/US "feed" [x]`);
  const decoy = name.toUpperCase();
  await stack.withWorker(async () => {
    // A source whose name differs only in case is another source.
    const other = await stack.client.provision(request(decoy));
    const first = await stack.client.provision(request(name));
    expect(first.created).toHaveLength(5);
    expect(first.baseConnectionId).not.toBe(other.baseConnectionId);
    const stats = await control.stats();
    const creates = Object.values(stats.creates).reduce((a, b) => a + b, 0);
    // Before: refused as InvalidRequest; and under these readings a re-run found nothing.
    const again = await stack.client.provision(request(name));
    expect(again.created).toEqual([]);
    expect(again.flowId).toBe(first.flowId);
    const after = Object.values((await control.stats()).creates).reduce((a, b) => a + b, 0);
    expect(after).toBe(creates);
    await stack.client.deprovision({ name, deleteDataset: true });
    expect(await resourcesOf(name)).toEqual([]);
    expect((await resourcesOf(decoy)).length).toBe(5);
    await stack.client.deprovision({ name: decoy, deleteDataset: true });
  });
});

test('problem 5: "still in use" during compensation is retried, not left behind', async () => {
  const name = uniqueName('unkind in use');
  const { control } = stack.emulator;
  await control.addFault({
    method: 'POST',
    path: '/data/foundation/flowservice/flows',
    action: { type: 'status', status: 403 },
  });
  await control.addFault(connectionInUse(2));
  const failure = await failureOf(request(name));
  // Before: CompensationFailed, the base connection a leftover.
  expect(failure.type).toBe('ProvisioningFailed');
  expect(await resourcesOf(name)).toEqual([]);
});

test('problem 3: the shutdown grace covers an attempt, and the force time ends within the compose stop grace period', () => {
  expect(SHUTDOWN_GRACE_MS).toBeGreaterThanOrEqual(ATTEMPT_TIMEOUT_MS);
  expect(SHUTDOWN_FORCE_MS).toBeGreaterThan(SHUTDOWN_GRACE_MS);
  const compose = readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8');
  const grace = /^ {2}worker:[\s\S]*?^ {4}stop_grace_period: (\d+)s$/m.exec(compose);
  expect(Number(grace?.[1]) * 1000).toBeGreaterThan(SHUTDOWN_FORCE_MS);
});

test('problem 3: buildWorker gives the Worker the shutdown grace and force times', async () => {
  // The constants above are only numbers: this is the worker a deploy stops (src/worker.ts).
  const worker = await buildWorker({
    config: stack.config,
    connection: stack.env.nativeConnection,
    taskQueue: stack.taskQueue,
    workflowBundle: await workflowBundle(),
  });
  try {
    // The SDK's default grace is 0: SIGTERM would cancel running attempts at once.
    expect(worker.options.shutdownGraceTimeMs).toBe(SHUTDOWN_GRACE_MS);
    expect(worker.options.shutdownForceTimeMs).toBe(SHUTDOWN_FORCE_MS);
  } finally {
    // Run and stop it at once, so it releases the test connection.
    await worker.runUntil(Promise.resolve());
  }
});
