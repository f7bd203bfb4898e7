import type { Client } from '@temporalio/client';
import { datasetCallsQueue, datasetWorkflowId, sourceWorkflowId } from '../../src/shared/names';
import { buildWorker } from '../../src/worker';
import { PROD } from '../harness/ids';
import { sourceRequest, uniqueName } from '../harness/sources';
import { startStack, workflowBundle, type Stack } from '../harness/stack';

/**
 * More new sources at once than a worker has activity slots. Each provisioning's acquireDataset
 * (and each teardown's releaseDataset) holds an activity slot while its dataset's workflow
 * decides; that workflow's own AEP calls must not need a slot there too. Before they had a task
 * queue of their own, every slot could be held by such a wait with the dataset workflows' calls
 * queued behind them: nothing moved until the waits timed out (2 min) and were retried.
 */
const SLOTS = 2;
const SOURCES = 6;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/** Runs `fn` with one worker of SLOTS activity slots. */
async function withFewSlots<T>(fn: () => Promise<T>): Promise<T> {
  const worker = await buildWorker({
    config: { ...stack.config, WORKER_MAX_CONCURRENT_ACTIVITIES: SLOTS },
    connection: stack.env.nativeConnection,
    taskQueue: stack.taskQueue,
    workflowBundle: await workflowBundle(),
  });
  return worker.runUntil(fn());
}

/** The attempt of every activity `type` started in `workflowId`'s latest run. */
async function attemptsOf(client: Client, workflowId: string, type: string): Promise<number[]> {
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, string>();
  const attempts: number[] = [];
  for (const e of events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
    const started = e.activityTaskStartedEventAttributes;
    if (started && scheduled.get(String(started.scheduledEventId)) === type) {
      attempts.push(started.attempt ?? 0);
    }
  }
  return attempts;
}

/** The task queue of each AEP call the dataset workflow made, by activity type. */
async function datasetCalls(client: Client, datasetName: string) {
  const id = datasetWorkflowId({ ...PROD, name: datasetName });
  const { events } = await client.workflow.getHandle(id).fetchHistory();
  return (events ?? []).flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    return a ? [[a.activityType?.name, a.taskQueue?.name]] : [];
  });
}

test(`${SOURCES} new sources on ${SLOTS} activity slots: every dataset acquired and released in one attempt`, async () => {
  const names = Array.from({ length: SOURCES }, () => uniqueName('slots'));
  const { client } = stack.env;
  const sourceId = (name: string) => sourceWorkflowId({ ...PROD, name });
  await withFewSlots(async () => {
    const results = await Promise.all(
      names.map((name) => stack.client.provision(sourceRequest(name, 'raw'))),
    );
    for (const name of names) {
      expect(await attemptsOf(client, sourceId(name), 'acquireDataset')).toEqual([1]);
    }
    const torn = await Promise.all(
      names.map((name) => stack.client.deprovision({ name, deleteDataset: true })),
    );
    for (const [i, t] of torn.entries()) {
      expect(t.deleted).toContainEqual({ kind: 'dataset', id: results[i]!.datasetId });
      expect(await attemptsOf(client, sourceId(names[i]!), 'releaseDataset')).toEqual([1]);
    }
  });
  for (const name of names) {
    // The dataset's own calls go to their task queue, never to the one its askers hold slots on.
    const queue = datasetCallsQueue(stack.taskQueue);
    expect(await datasetCalls(client, `${name} dataset`)).toEqual([
      ['ensureNamedDataset', queue],
      ['deleteDataset', queue],
    ]);
  }
}, 120_000);

test('WORKER_ACTIVITY_POLLERS and WORKER_WORKFLOW_POLLERS reach every worker', async () => {
  const workers = await buildWorker({
    config: { ...stack.config, WORKER_ACTIVITY_POLLERS: 1, WORKER_WORKFLOW_POLLERS: 3 },
    connection: stack.env.nativeConnection,
    taskQueue: stack.taskQueue,
    workflowBundle: await workflowBundle(),
  });
  const behaviours = workers.all.map((w) => [
    w.options.activityTaskPollerBehavior,
    w.options.workflowTaskPollerBehavior,
  ]);
  await workers.runUntil(Promise.resolve());
  expect(behaviours).toEqual(
    workers.all.map(() => [
      { type: 'simple-maximum', maximum: 1 },
      { type: 'simple-maximum', maximum: 3 },
    ]),
  );
});
