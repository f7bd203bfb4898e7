import { ProvisioningClient } from '../../src/client';
import { statusLines } from '../../src/cli/output';
import { xdmMessage } from '../emulator/helpers';
import { startStack, type Stack } from '../harness/stack';
import { sourceRequest, uniqueName } from '../harness/sources';
import { freshTaskQueue } from '../harness/temporal';

/**
 * A source's status shows its dataflow's recent runs, read from Flow Service by a worker
 * (`GET /runs?property=flowId==…`): what the inlet received, ingested and failed, and the last
 * error. Without AEP or a worker the status still answers, the runs marked unavailable.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/** Provisions an XDM source and sends it two valid records and one its schema refuses. */
async function sourceWithRecords(prefix: string) {
  const name = uniqueName(prefix);
  const result = await stack.client.provision(sourceRequest(name, 'xdm'));
  const send = async (entity: Record<string, unknown>) => {
    const res = await fetch(result.inletUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-adobe-flow-id': result.flowId },
      body: JSON.stringify(xdmMessage(result.flowId, entity)),
    });
    expect(res.status).toBe(200);
  };
  await send({ _id: 'one' });
  await send({ _id: 'two' });
  // Accepted without syncValidation; fails ingestion (`_id` must be a string).
  await send({ _id: 3 });
  return { name, result };
}

test('status shows the flow`s runs: received, ingested, failed and the last error', async () => {
  await stack.withWorker(async () => {
    const { name, result } = await sourceWithRecords('health');
    const status = await stack.client.status(name, 'prod');
    expect(status.result?.flowId).toBe(result.flowId);
    const health = status.health!;
    expect(health).toMatchObject({
      flowId: result.flowId,
      available: true,
      received: 3,
      ingested: 2,
      failed: 1,
      lastError: {
        runId: health.runs[0]!.id,
        code: 'INGEST-1212-400',
        message: expect.stringContaining('#/_id'),
      },
    });
    expect(health.runs).toHaveLength(1);
    expect(health.runs[0]).toMatchObject({
      status: 'success',
      received: 3,
      ingested: 2,
      failed: 1,
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const lines = statusLines(status);
    expect(lines).toMatch(/^runs {7}1 recent: 3 received, 2 ingested, 1 failed$/m);
    expect(lines).toMatch(/^lastError {2}INGEST-1212-400: .*#\/_id/m);
  });
}, 60_000);

test('a source without records yet has no runs', async () => {
  await stack.withWorker(async () => {
    const name = uniqueName('health-none');
    await stack.client.provision(sourceRequest(name, 'raw'));
    const { health } = await stack.client.status(name, 'prod');
    expect(health).toMatchObject({ available: true, received: 0, runs: [] });
    expect(statusLines(await stack.client.status(name, 'prod'))).toMatch(/^runs {7}none yet$/m);
  });
}, 60_000);

test('AEP unreachable for the runs: the status answers, the runs unavailable with the reason', async () => {
  await stack.withWorker(async () => {
    const { name, result } = await sourceWithRecords('health-down');
    await stack.emulator.control.addFault({
      method: 'GET',
      path: '/data/foundation/flowservice/runs',
      action: { type: 'status', status: 503 },
    });
    try {
      const started = Date.now();
      const status = await stack.client.status(name, 'prod');
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(status.execution).toBe('COMPLETED');
      expect(status.result?.inletUrl).toBe(result.inletUrl);
      expect(status.health).toMatchObject({
        flowId: result.flowId,
        available: false,
        reason: expect.stringContaining('readFlowHealth'),
        runs: [],
      });
      expect(statusLines(status)).toMatch(/^runs {7}unavailable: readFlowHealth: /m);
    } finally {
      await stack.emulator.control.clearFaults();
    }
  });
}, 60_000);

test('no worker polls the client`s task queue: the status answers, the runs unavailable', async () => {
  await stack.withWorker(async () => {
    const name = uniqueName('health-no-worker');
    await stack.client.provision(sourceRequest(name, 'raw'));
    // A client whose task queue no worker polls: the source's run is found by its id all the same.
    const queue = freshTaskQueue('no-worker');
    const lonely = new ProvisioningClient(stack.env.client, {
      ...stack.config,
      TEMPORAL_TASK_QUEUE: queue,
    });
    const started = Date.now();
    const status = await lonely.status(name, 'prod');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(status.execution).toBe('COMPLETED');
    expect(status.health).toMatchObject({
      available: false,
      reason: `no worker is polling task queue "${queue}" to read them`,
      runs: [],
    });
  });
}, 60_000);
