import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { bundleWorkflowCode } from '@temporalio/worker';
import { summarizeFailure } from '../../src/client';
import type { ProvisionRequestInput } from '../../src/request';
import { progressQuery } from '../../src/shared/names';
import { buildWorker } from '../../src/worker';
import { startStack, workflowBundle, type Stack } from '../harness/stack';
import { lagEveryList } from '../harness/faults';
import { sourceRequest, uniqueName } from '../harness/sources';
import { sourceIdOf } from '../harness/ids';

/**
 * Ingested data is never lost as a side effect, end to end on the dev server and the emulator,
 * with Flow Service, Catalog and Data Prep lists lagging behind writes where it matters:
 * problems 1-5 of the data-safety issue, each failing on the code before it.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  await stack.emulator.control.clearFaults();
});

const run = <T>(fn: () => Promise<T>) => stack.withWorker(fn);
const request = (name: string, extra: Partial<ProvisionRequestInput> = {}) =>
  sourceRequest(name, 'raw', extra);

async function exists(id: string): Promise<boolean> {
  return (await stack.emulator.control.resources({ sandbox: 'prod' })).some((r) => r.id === id);
}

/** Tears `name` down asking for its dataset: `datasetId` is deleted. */
async function expectDeletedWith(name: string, datasetId: string): Promise<void> {
  const torn = await stack.client.deprovision({ name, deleteDataset: true });
  expect(torn.deleted).toContainEqual({ kind: 'dataset', id: datasetId });
  expect(await exists(datasetId)).toBe(false);
}

/** Waits until the run's progress says `status`. */
async function untilStatus(handle: WorkflowHandle, status: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const p = await handle.query(progressQuery).catch(() => undefined);
    if (p?.status === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the run never reached ${status}`);
}

async function ids(): Promise<string[]> {
  return (await stack.emulator.control.resources({ sandbox: 'prod' })).map((r) => r.id);
}

async function ofKind(kind: string, name: string) {
  return (await stack.emulator.control.resources({ sandbox: 'prod' })).filter(
    (r) => r.kind === kind && r.name === name,
  );
}

test('problem 1: a dataset another source started writing to seconds ago is not deleted, lists lagging', async () => {
  const shared = uniqueName('shared');
  const [a, b] = [uniqueName('writer a'), uniqueName('writer b')];
  const target = (name: string) =>
    request(name, { target: { ...request(name).target, dataset: { name: shared } } });
  await run(async () => {
    const first = await stack.client.provision(target(a));
    await lagEveryList(stack.emulator.control, 8_000);
    const second = await stack.client.provision(target(b));
    expect(second.datasetId).toBe(first.datasetId);
    // B's target connection is not in any list yet: A leaving must still keep the dataset.
    const left = await stack.client.deprovision({ name: a, deleteDataset: true });
    expect(left.kept).toEqual([
      expect.objectContaining({ kind: 'dataset', id: first.datasetId, reason: `in use by ${b}` }),
    ]);
    expect(await exists(first.datasetId)).toBe(true);
    // The last writer asking for it deletes it.
    await expectDeletedWith(b, first.datasetId);
  });
});

test('lists lagging: a re-run seconds after the first finds what it made (Temporal recorded it)', async () => {
  const name = uniqueName('re-run in lag');
  await lagEveryList(stack.emulator.control, 8_000);
  await run(async () => {
    const first = await stack.client.provision(request(name));
    // None of it shows in any list yet: the plan reads the ids the last run left, by id.
    const again = await stack.client.provision(request(name));
    expect(again).toMatchObject({ created: [], flowId: first.flowId });
    expect(await ofKind('targetConnection', name)).toHaveLength(1);
    expect(await ofKind('flow', name)).toHaveLength(1);
  });
});

test('problem 1: three sources naming one new dataset at once make one dataset, lists lagging', async () => {
  const shared = uniqueName('at once');
  await lagEveryList(stack.emulator.control, 8_000);
  const names = [uniqueName('at once a'), uniqueName('at once b'), uniqueName('at once c')];
  const results = await run(() =>
    Promise.all(
      names.map((n) =>
        stack.client.provision(
          request(n, { target: { ...request(n).target, dataset: { name: shared } } }),
        ),
      ),
    ),
  );
  expect(new Set(results.map((r) => r.datasetId)).size).toBe(1);
  expect(await ofKind('dataset', shared)).toHaveLength(1);
});

test('problem 2: replace: true turning authentication on keeps the dataset and its data', async () => {
  const name = uniqueName('replace auth');
  await run(async () => {
    const before = await stack.client.provision(
      request(name, { smokeTest: { activationWaitSeconds: 0 } }),
    );
    const after = await stack.client.provision(
      request(name, { authentication: { required: true }, replace: true }),
    );
    expect(after.inletUrlChanged).toBe(true);
    expect(after.authenticationRequired).toBe(true);
    expect(after.datasetId).toBe(before.datasetId);
    expect(after.flowId).not.toBe(before.flowId);
    expect(await exists(before.datasetId)).toBe(true);
    expect(await exists(before.flowId)).toBe(false);
    // The smoke record ingested before the replace is still in the dataset's inlet records.
    const records = await stack.emulator.control.records({ flowId: before.flowId });
    expect(records.length).toBeGreaterThan(0);
  });
});

test('problem 3: a teardown keeps the dataset (retained); --delete-dataset deletes it', async () => {
  const [kept, deleted] = [uniqueName('teardown keeps'), uniqueName('teardown deletes')];
  await run(async () => {
    const k = await stack.client.provision(request(kept));
    const d = await stack.client.provision(request(deleted));
    const plain = await stack.client.deprovision({ name: kept });
    expect(plain.kept).toEqual([{ kind: 'dataset', id: k.datasetId, reason: 'retained' }]);
    expect(plain.deleted.map((r) => r.kind).sort()).toEqual(
      ['baseConnection', 'flow', 'sourceConnection', 'targetConnection'].sort(),
    );
    expect(await exists(k.datasetId)).toBe(true);
    await expectDeletedWith(deleted, d.datasetId);
  });
});

test('problem 3: a dataset kept by a teardown is found and deleted by a later --delete-dataset', async () => {
  const name = uniqueName('kept then deleted');
  await run(async () => {
    const r = await stack.client.provision(
      request(name, { target: { ...request(name).target, dataset: { name } } }),
    );
    await stack.client.deprovision({ name });
    expect(await exists(r.datasetId)).toBe(true);
    const later = await stack.client.deprovision({ name, deleteDataset: true });
    expect(later.deleted).toEqual([{ kind: 'dataset', id: r.datasetId }]);
    expect(await exists(r.datasetId)).toBe(false);
  });
});

test('problem 4: a flow replacement cancelled in its activation wait keeps the new flow, enabled', async () => {
  const name = uniqueName('make before break');
  await run(async () => {
    const first = await stack.client.provision(request(name));
    const started = await stack.client.startProvision(
      request(name, {
        mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
        smokeTest: { activationWaitSeconds: 600 },
      }),
    );
    const handle = started.handle;
    await untilStatus(handle, 'WAITING_FOR_ACTIVATION');
    await handle.cancel();
    const error = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.query(progressQuery)).sourceState).toBe('new');
    const flows = await ofKind('flow', name);
    expect(flows).toHaveLength(1);
    expect(flows[0]!.id).not.toBe(first.flowId);
    expect((flows[0]!.body as { state?: string }).state).toBe('enabled');
    expect(await exists(first.baseConnectionId)).toBe(true);
  });
});

test('problem 4: a flow replacement whose new flow is refused leaves the old flow', async () => {
  const name = uniqueName('old flow stays');
  await run(async () => {
    const first = await stack.client.provision(request(name));
    await stack.emulator.control.addFault({
      method: 'POST',
      path: '/data/foundation/flowservice/flows',
      count: 1,
      action: { type: 'status', status: 400, body: { title: 'refused', status: 400 } },
    });
    const error = await stack.client
      .provision(
        request(name, { mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }] }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(summarizeFailure(error).details).toMatchObject({ sourceState: 'previous' });
    const flows = await ofKind('flow', name);
    expect(flows.map((f) => f.id)).toEqual([first.flowId]);
  });
});

test('problem 5: a bug in a deploy fails the workflow task, deletes nothing; the fixed build finishes', async () => {
  const name = uniqueName('buggy deploy');
  const broken = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    workflowInterceptorModules: [require.resolve('../fixtures/workflows/type-error-at-flow')],
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  const worker = await buildWorker({
    config: stack.config,
    connection: stack.env.nativeConnection,
    taskQueue: stack.taskQueue,
    workflowBundle: broken,
    tuning: { maxCachedWorkflows: 0 },
  });
  const before = new Set(await ids());
  const started = await worker.runUntil(async () => {
    const s = await stack.client.startProvision(request(name));
    // The broken build reaches the flow and fails its workflow task, again and again.
    for (let i = 0; i < 300; i++) {
      const history = await s.handle.fetchHistory();
      if ((history.events ?? []).some((e) => e.workflowTaskFailedEventAttributes)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return s;
  });
  const description = await started.handle.describe();
  expect(description.status.name).toBe('RUNNING');
  // What the broken build created, read from the emulator rather than by a query: a query sent
  // while the broken build's last workflow task times out waits tens of seconds on the dev server.
  const created = (await ids()).filter((id) => !before.has(id));
  expect(created.length).toBeGreaterThanOrEqual(4);
  // The fixed build (today's bundle) resumes the same run.
  const result = await run(() => started.handle.result());
  expect(result.flowId).toBeTruthy();
  for (const id of created) expect(await exists(id)).toBe(true);
  expect(started.workflowId).toBe(sourceIdOf(name));
  await workflowBundle();
});

test('a dataset every writer of which failed goes with the last compensation: no orphan', async () => {
  const shared = uniqueName('all failed');
  const [a, b] = [uniqueName('failed a'), uniqueName('failed b')];
  const waiting = (name: string) =>
    request(name, {
      target: { ...request(name).target, dataset: { name: shared } },
      smokeTest: { activationWaitSeconds: 120 },
    });
  await run(async () => {
    const first = await stack.client.startProvision(waiting(a));
    await untilStatus(first.handle, 'WAITING_FOR_ACTIVATION');
    const second = await stack.client.startProvision(waiting(b));
    await untilStatus(second.handle, 'WAITING_FOR_ACTIVATION');
    const [dataset] = await ofKind('dataset', shared);
    // The creator fails first: B still writes to it, so it stays.
    await first.handle.cancel();
    await first.handle.result().catch(() => undefined);
    expect(await exists(dataset!.id)).toBe(true);
    // B fails too: nobody ever succeeded onto it, so it goes with B's compensation.
    await second.handle.cancel();
    await second.handle.result().catch(() => undefined);
    expect(await exists(dataset!.id)).toBe(false);
  });
});

describe('smaller items', () => {
  /**
   * Provisions `name`, then starts `operation` with the flow's delete slowed down and cancels it
   * while that delete is on the wire: the run must end CANCELLED.
   */
  async function cancelledWhileDeletingTheFlow(
    name: string,
    operation: () => Promise<{
      handle: {
        cancel(): Promise<unknown>;
        result(): Promise<unknown>;
        describe(): Promise<{ status: { name: string } }>;
      };
    }>,
  ) {
    await run(async () => {
      await stack.client.provision(request(name));
      await stack.emulator.control.addFault({
        method: 'DELETE',
        kind: 'flow',
        count: 1,
        action: { type: 'latency', ms: 4_000 },
      });
      const { handle } = await operation();
      await new Promise((r) => setTimeout(r, 1_000));
      await handle.cancel();
      const error = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
    });
  }

  test('a cancelled teardown ends CANCELLED, not CompensationFailed', async () => {
    const name = uniqueName('cancelled teardown');
    await cancelledWhileDeletingTheFlow(name, () => stack.client.startDeprovision({ name }));
  });

  test('a cancelled replace ends CANCELLED, not CompensationFailed', async () => {
    const name = uniqueName('cancelled replace');
    await cancelledWhileDeletingTheFlow(name, () =>
      stack.client.startProvision(
        request(name, { authentication: { required: true }, replace: true }),
      ),
    );
  });
});
