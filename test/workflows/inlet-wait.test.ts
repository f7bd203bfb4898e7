import { progressQuery } from '../../src/shared/names';
import { SCHEMA_ID, startStack, type Stack } from '../harness/stack';

/**
 * Adobe documents no delay before a base connection exposes its inlet URL, but the client must
 * not assume it is there: with the emulator hiding it for 2 s, the workflow waits (retryable
 * InletNotReady) and still returns the URL.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ inletReadyAfterMs: 2000 });
});
afterAll(async () => {
  await stack?.close();
});

test('the workflow waits for the inlet URL and returns it', async () => {
  const name = `inlet wait ${Date.now().toString(36)}`;
  await stack.withWorker(async () => {
    const started = await stack.client.startProvision({
      name,
      dataType: 'xdm',
      target: { schemaId: SCHEMA_ID, dataset: { name: `${name} dataset` } },
    });
    const result = await started.handle.result();
    expect(result.inletUrl).toBe(`${stack.emulator.url}/collection/${result.inletId}`);
    expect((await started.handle.query(progressQuery)).status).toBe('SUCCEEDED');

    const history = await started.handle.fetchHistory();
    const inletAttempts = (history.events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
    // The inlet read is the activity that needed more than one attempt.
    expect(Math.max(...inletAttempts)).toBeGreaterThan(1);
  });
  const stats = await stack.emulator.control.stats();
  expect(stats.requests['GET /data/foundation/flowservice/connections/:id']).toBeGreaterThan(1);
});
