import { WorkflowFailedError } from '@temporalio/client';
import { summarizeFailure } from '../../src/client';
import { SCHEMA_ID, startStack, type Stack } from '../harness/stack';

/**
 * Regression test for a finding of the chaos suite (permanent preset with 20 % faults): when the
 * inlet read failed while the source connection's create was still on the wire, compensation ran
 * at once, found no source connection yet, and the create then committed: an orphan. The run must
 * wait for every create in flight before it compensates, and leave nothing.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

test('a step failing while a create is on the wire leaves no orphan', async () => {
  const name = `inflight ${Date.now().toString(36)}`;
  const { control } = stack.emulator;
  // The inlet read fails for good after 500 ms; the source connection create, started beside
  // it, takes 2 s: it is on the wire when the failure arrives.
  await control.addFault({
    method: 'GET',
    path: '/data/foundation/flowservice/connections/*',
    action: { type: 'latency', ms: 500 },
  });
  await control.addFault({
    method: 'GET',
    path: '/data/foundation/flowservice/connections/*',
    action: { type: 'status', status: 404 },
  });
  await control.addFault({
    method: 'POST',
    path: '/data/foundation/flowservice/sourceConnections',
    action: { type: 'latency', ms: 2000 },
  });
  // Compensation deletes the base connection last; a slow dataset delete before it keeps the
  // base connection alive until the source connection's create has landed.
  await control.addFault({
    method: 'DELETE',
    path: '/data/foundation/catalog/dataSets/*',
    action: { type: 'latency', ms: 3000 },
  });
  let err: unknown;
  try {
    err = await stack.withWorker(() =>
      stack.client
        .provision({
          name,
          dataType: 'raw',
          target: { schemaId: SCHEMA_ID, dataset: { name: `${name} ds` } },
        })
        .then(
          () => new Error('provisioning unexpectedly succeeded'),
          (e: unknown) => e,
        ),
    );
  } finally {
    await control.clearFaults();
  }
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(summarizeFailure(err)).toMatchObject({
    type: 'ProvisioningFailed',
    rootType: 'AepNotFound',
  });
  // Let a create that might still be on the wire land before looking.
  await new Promise((r) => setTimeout(r, 1000));
  const stats = await control.stats();
  expect(stats.creates.sourceConnection).toBeGreaterThanOrEqual(1);
  const left = (await control.resources()).filter(
    (r) => r.name === name || r.name === `${name} ds`,
  );
  expect(left.map((r) => r.kind)).toEqual([]);
}, 60_000);
