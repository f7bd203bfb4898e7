import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server';
import { ProvisioningClient } from '../../src/client';
import { parseApiConfig } from '../../src/config';
import { clientOn } from '../../src/connection';
import { sourceWorkflowId } from '../../src/shared/names';
import { startTracing, workflowSpanSinks, type Tracing } from '../../src/telemetry';
import { KEYS, rawCall } from '../api/helpers';
import { sha256Hex } from '../../src/api/auth';
import { startStack, workflowBundle, type Stack } from '../harness/stack';
import { sourceRequest, uniqueName } from '../harness/sources';

/**
 * One provisioning started by an HTTP PUT is ONE trace: the API request, the workflow start and
 * run, each activity the run executed (its history says which) and each AEP call (the emulator
 * counts them), all on the real stack (dev server, emulator, a worker built by src/worker.ts),
 * with spans kept by an in-memory exporter.
 */

const exporter = new InMemorySpanExporter();
let tracing: Tracing | undefined;
let stack: Stack;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  // Before anything is built: clients, workers and the API take their interceptors then.
  tracing = await startTracing({}, 'api', new SimpleSpanProcessor(exporter));
  stack = await startStack();
  const config = parseApiConfig({
    TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    AEP_ORG_ID: stack.config.AEP_ORG_ID,
    API_PORT: '0',
    API_KEYS: `ci:${sha256Hex(KEYS.prod)}:prod`,
  });
  const client = new ProvisioningClient(clientOn(stack.env.connection, config), config);
  app = await buildApi({ config, client, logStream: new PassThrough() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app?.close();
  await stack?.close();
  await tracing?.shutdown();
});

const isAep = (s: ReadableSpan) => typeof s.attributes['aep.operation'] === 'string';
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((s) => s.parentSpanId === parent.spanContext().spanId);
function descendantsOf(spans: ReadableSpan[], root: ReadableSpan): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  for (let level = [root]; level.length > 0;) {
    level = level.flatMap((p) => childrenOf(spans, p));
    out.push(...level);
  }
  return out;
}

/** The activity types a run executed, by its history: scheduled activities and local ones. */
function activitiesOf(history: ReturnType<typeof historyToJSON>): string[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- history JSON, walked by path
  const events = (JSON.parse(history) as { events: Record<string, any>[] }).events;
  return events.flatMap((e) => {
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name as string;
    if (scheduled) return [scheduled];
    const marker = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data as string;
    if (!marker) return [];
    const data = JSON.parse(Buffer.from(marker, 'base64').toString('utf8'));
    return data.activity_type ? [data.activity_type as string] : [];
  });
}

async function until<T>(what: string, fn: () => T | undefined): Promise<T> {
  for (const end = Date.now() + 10_000; Date.now() < end;) {
    const found = fn();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Provisioned {
  workflowId: string;
  spans: ReadableSpan[];
  /** Requests the emulator counted meanwhile (IMS, Platform, inlet). */
  aepCalls: number;
  history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
}

/** Provisions a new source by an HTTP PUT; what the exporter and the emulator saw meanwhile. */
async function provisionByPut(): Promise<Provisioned> {
  const name = uniqueName('traced');
  const body = sourceRequest(name, 'raw', {
    mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
    smokeTest: { activationWaitSeconds: 0 },
  });
  await stack.emulator.control.resetStats();
  exporter.reset();
  const path = `/v1/sandboxes/prod/sources/${encodeURIComponent(name)}`;
  const put = await rawCall(base, 'PUT', path, { body, headers: { Prefer: 'wait=45' } });
  expect([put.status, put.body?.flowId]).toEqual([200, expect.any(String)]);
  // The run's own span reaches the exporter when its last workflow task has completed.
  await until('the workflow span', () =>
    exporter.getFinishedSpans().find((s) => s.name === 'RunWorkflow:ProvisionStreamingSource'),
  );
  const workflowId = sourceWorkflowId({ ...stack.client.place, sandbox: 'prod', name });
  return {
    workflowId,
    spans: exporter.getFinishedSpans(),
    aepCalls: (await stack.emulator.control.stats()).total,
    history: await stack.env.client.workflow.getHandle(workflowId).fetchHistory(),
  };
}

/** The spans of one provisioning are one trace: request, start, run, activities, AEP calls. */
function expectOneTrace({ workflowId, spans, aepCalls, history }: Provisioned): void {
  // One trace, whose only root is the API request.
  const request = spans.find((s) => s.name === 'PUT /v1/sandboxes/:sandbox/sources/:name')!;
  expect(request).toBeDefined();
  expect(request.attributes['http.response.status_code']).toBe(200);
  const traceId = request.spanContext().traceId;
  expect(spans.filter((s) => s.spanContext().traceId !== traceId).map((s) => s.name)).toEqual([]);
  expect(spans.filter((s) => !s.parentSpanId).map((s) => s.name)).toEqual([request.name]);

  // The request started the workflow, whose run is a child of the start.
  const start = childrenOf(spans, request).find(
    (s) => s.name === 'StartWorkflow:ProvisionStreamingSource',
  )!;
  expect(start).toBeDefined();
  const run = childrenOf(spans, start).find(
    (s) => s.name === 'RunWorkflow:ProvisionStreamingSource',
  )!;
  expect(run).toBeDefined();

  // Each activity the run executed (history: scheduled and local) ran in a span under the run;
  // so did those of the dataset workflow its update reached (their own workflow id).
  const executed = activitiesOf(historyToJSON(history));
  expect(executed).toEqual(expect.arrayContaining(['validateAndReadSource', 'ensureFlow']));
  const activitySpans = descendantsOf(spans, run).filter((s) => s.name.startsWith('RunActivity:'));
  expect(
    activitySpans
      .filter((s) => s.attributes.temporalWorkflowId === workflowId)
      .map((s) => s.name.slice('RunActivity:'.length))
      .sort(),
  ).toEqual([...executed].sort());
  expect(activitySpans.map((s) => s.name)).toContain('RunActivity:ensureNamedDataset');

  // Each AEP call the emulator counted is a span of the activity that made it, with its method,
  // route template, status and the request id Adobe answered (the emulator echoes the one sent).
  const aep = spans.filter(isAep);
  expect(aep).toHaveLength(aepCalls);
  expect(aepCalls).toBeGreaterThan(executed.length);
  for (const span of aep) {
    const parent = spans.find((s) => s.spanContext().spanId === span.parentSpanId);
    expect([span.name, parent?.name]).toEqual([span.name, expect.stringMatching(/^RunActivity:/)]);
    const { attributes: a } = span;
    expect(span.name).toBe(`${String(a['http.request.method'])} ${String(a['url.template'])}`);
    expect(a['url.template']).not.toMatch(/[0-9a-f]{8}-|%/); // ids stay out of templates
    expect(a['http.response.status_code']).toEqual(expect.any(Number));
    expect(a['aep.sent_request_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a['aep.request_id']).toBe(a['aep.sent_request_id']);
  }
  const names = aep.map((s) => s.name);
  for (const call of [
    'POST data/foundation/flowservice/flows',
    'GET data/foundation/flowservice/connections/{id}',
    'POST collection/{id}',
  ]) {
    expect(names).toContain(call);
  }
}

test('a provisioning started by an HTTP PUT is one trace: request, workflow, activities, AEP calls', async () => {
  // Two runs on one worker: the second workflow of a worker is traced like the first.
  const [first, second] = await stack.withWorker(async () => [
    await provisionByPut(),
    await provisionByPut(),
  ]);
  expectOneTrace(first);
  expect(first.spans.filter(isAep).map((s) => s.name)).toContain('POST ims/token/v3');
  expectOneTrace(second);

  // Tracing added no command: a traced run replays on a bundle without the interceptor.
  const untraced = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
  });
  await Worker.runReplayHistory({ workflowBundle: untraced }, first.history);
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle(), sinks: workflowSpanSinks() },
    first.history,
  );
});
