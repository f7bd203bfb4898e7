import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { progressQuery } from '../../src/shared/names';
import { SCHEMA_ID, startStack, type Stack } from '../harness/stack';

/**
 * Regression test for a finding of the chaos suite (cancel preset with 20 % faults): a run
 * cancelled while an AEP call was on the wire ended FAILED as ProvisioningFailed/AepRateLimited
 * instead of CANCELLED, because Temporal does not retry an activity whose cancellation was
 * requested and hands the workflow that attempt's retryable failure. The caller asked for a
 * cancellation: the run must end CANCELLED, with everything it created deleted.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

test('a cancel that lands while a create is failing retryably ends CANCELLED, nothing left', async () => {
  const name = `cancel mid 503 ${Date.now().toString(36)}`;
  const { control } = stack.emulator;
  // The dataset create takes 3 s and then answers 503 (retryable), on every attempt.
  await control.addFault({
    method: 'POST',
    path: '/data/foundation/catalog/dataSets',
    action: { type: 'latency', ms: 3000 },
  });
  await control.addFault({
    method: 'POST',
    path: '/data/foundation/catalog/dataSets',
    action: { type: 'status', status: 503 },
  });
  try {
    await stack.withWorker(async () => {
      const { handle } = await stack.client.startProvision({
        name,
        dataType: 'xdm',
        target: { schemaId: SCHEMA_ID, dataset: { name: `${name} ds` } },
      });
      // Wait until the base connection exists: the dataset create is then on the wire.
      for (let i = 0; i < 100; i++) {
        const p = await handle.query(progressQuery).catch(() => undefined);
        if (p?.resources.baseConnection) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 500));
      await handle.cancel();
      const err: unknown = await handle.result().then(
        () => new Error('provisioning unexpectedly succeeded'),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
      expect((await handle.query(progressQuery)).status).toBe('CANCELLED');
    });
  } finally {
    await control.clearFaults();
  }
  const left = (await control.resources()).filter(
    (r) => r.name === name || r.name === `${name} ds`,
  );
  expect(left).toEqual([]);
}, 60_000);
