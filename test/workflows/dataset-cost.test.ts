import type { Client } from '@temporalio/client';
import { datasetAsksQueue, datasetWorkflowId, sourceWorkflowId } from '../../src/shared/names';
import { PROD } from '../harness/ids';
import { resourcesOf, sourceRequest, uniqueName } from '../harness/sources';
import { startStack, type Stack } from '../harness/stack';

/**
 * What asking a dataset's workflow costs a provisioning (docs/benchmark.md): the asks have slots
 * of their own, a dataset the provisioning's read just found absent is created without a second
 * list, and a dataset workflow sets no timer while a source writes to the dataset.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

async function events(client: Client, workflowId: string) {
  return (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

/** Requests that list datasets by name (GET on the collection), from the emulator's counters. */
async function datasetLists(): Promise<number> {
  const { requests } = await stack.emulator.control.stats();
  return Object.entries(requests)
    .filter(([key]) => /^GET \S*\/dataSets$/.test(key))
    .reduce((sum, [, n]) => sum + n, 0);
}

test('a new source: its ask on the asks queue, one list of the dataset name, no timer while written to', async () => {
  const name = uniqueName('cost');
  const datasetName = `${name} dataset`;
  const { client } = stack.env;
  await stack.emulator.control.resetStats();
  await stack.withWorker(async () => {
    const result = await stack.client.provision(sourceRequest(name, 'raw'));
    expect(result.created).toContain('dataset');

    // The plan's read lists the name; the dataset workflow takes its word and creates at once.
    expect(await datasetLists()).toBe(1);

    const asks = (await events(client, sourceWorkflowId({ ...PROD, name }))).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      return a?.activityType?.name === 'acquireDataset' ? [a.taskQueue?.name] : [];
    });
    expect(asks).toEqual([datasetAsksQueue(stack.taskQueue)]);

    // One writer: the dataset workflow waits for the next call, with no timer pending.
    const datasetId = datasetWorkflowId({ ...PROD, name: datasetName });
    const timers = async () => {
      const history = await events(client, datasetId);
      const started = history.filter((e) => e.timerStartedEventAttributes).length;
      const ended = history.filter(
        (e) => e.timerFiredEventAttributes ?? e.timerCanceledEventAttributes,
      ).length;
      return started - ended;
    };
    expect(await timers()).toBe(0);

    // No writer left: it waits IDLE_MS for a call before it ends (a timer pending).
    await stack.client.deprovision({ name });
    expect(await timers()).toBe(1);
  });
}, 60_000);

/**
 * Every attempt of the dataset workflow's call creates a dataset and answers 500, and lists show
 * each only 9 s later: the call fails with four datasets in AEP. The provisioning's ask is retried;
 * the dataset workflow then no longer takes the provisioning's read (no dataset) at its word: it
 * looks, finds the oldest once the lag is over, and sweeps the others (the same run's marker, no
 * writer) after LIST_LAG_WAIT_MS.
 */
test('a dataset call that failed after its creates landed: the retry looks, the twins are swept', async () => {
  const name = uniqueName('cost-twins');
  const { control } = stack.emulator;
  await control.listLag({ kind: 'dataset', ms: 9_000 });
  await control.addFault({
    kind: 'dataset',
    method: 'POST',
    count: 4,
    action: { type: 'commitThenFail', mode: 'status500' },
  });
  const datasets = async () =>
    (await resourcesOf(stack.emulator, name)).filter((r) => r.kind === 'dataset').map((r) => r.id);
  try {
    await stack.withWorker(async () => {
      const result = await stack.client.provision(sourceRequest(name, 'raw'));
      for (const until = Date.now() + 45_000; Date.now() < until;) {
        if ((await datasets()).length === 1) break;
        await new Promise((r) => setTimeout(r, 1_000));
      }
      expect(await datasets()).toEqual([result.datasetId]);
    });
  } finally {
    await control.clearFaults();
  }
}, 120_000);
