import { TRACE_HEADER as SDK_TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import { TRACE_HEADER } from '../../src/workflows/tracing';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { aepKy, exchange } from '../../src/aep/http';
import {
  activeTracer,
  activityTracing,
  clientTracing,
  startTracing,
  workflowSpanSinks,
} from '../../src/telemetry';
import { closedPort, startFakeServer, type FakeServer } from '../aep/helpers';

/**
 * src/telemetry.ts and the AEP span of src/aep/http.ts without Temporal: off by default (nothing
 * registered, nothing added), on with a processor, OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer((req) =>
    req.url === '/fail'
      ? { status: 503, headers: { 'x-request-id': 'adobe-503' }, body: {} }
      : { status: 200, headers: { 'x-request-id': 'adobe-200' }, body: {} },
  );
});
afterAll(() => server.close());

const http = aepKy({ config: { AEP_REQUEST_TIMEOUT_MS: 2000 } });
const call = (url: string, allow?: number[]) =>
  exchange({ method: 'get', route: 'things/{id}', operation: 'test.getThing', allow }, (headers) =>
    http.get(url, { headers }),
  );

test('off by default: no provider, no interceptors, a dropping workflow sink', async () => {
  expect(await startTracing({}, 'worker')).toBeUndefined();
  expect(activeTracer()).toBeUndefined();
  expect(clientTracing()).toBeUndefined();
  expect(activityTracing()).toEqual([]);
  expect(() => workflowSpanSinks().exporter.export.fn({} as never, [])).not.toThrow();
  // The request id is sent all the same.
  server.requests.length = 0;
  expect((await call(`${server.url}/things/1`)).status).toBe(200);
  expect(server.requests[0]?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});

test('on: an AEP call inside a trace is a client span with route, status and request ids', async () => {
  const exporter = new InMemorySpanExporter();
  const tracing = await startTracing({}, 'worker', new SimpleSpanProcessor(exporter));
  try {
    const tracer = activeTracer()!;
    expect(tracer).toBeDefined();
    expect(clientTracing()?.workflow).toHaveLength(1);
    expect(activityTracing()).toHaveLength(1);
    await expect(startTracing({}, 'worker', new SimpleSpanProcessor(exporter))).rejects.toThrow(
      /already started/,
    );

    // Outside a trace: no span of its own.
    server.requests.length = 0;
    await call(`${server.url}/things/1`);
    expect(exporter.getFinishedSpans()).toEqual([]);

    const dead = `http://127.0.0.1:${await closedPort()}/things/3`;
    await tracer.startActiveSpan('activity', async (parent) => {
      await call(`${server.url}/things/2`);
      await call(`${server.url}/fail`);
      await expect(call(dead)).rejects.toThrow();
      await call(`${server.url}/fail`, [503]);
      parent.end();
    });
    const [ok, failed, unreachable, allowed, parent] = exporter.getFinishedSpans();
    const sent = server.requests.slice(1).map((r) => r.headers['x-request-id']);
    expect(ok?.name).toBe('GET things/{id}');
    expect(ok?.attributes).toEqual({
      'http.request.method': 'GET',
      'url.template': 'things/{id}',
      'aep.operation': 'test.getThing',
      'aep.sent_request_id': sent[0],
      'http.response.status_code': 200,
      'aep.request_id': 'adobe-200',
    });
    expect(ok?.status.code).toBe(0); // UNSET
    expect(parent?.name).toBe('activity');
    expect(ok?.parentSpanId).toBe(parent?.spanContext().spanId);
    expect(failed?.attributes).toMatchObject({
      'aep.sent_request_id': sent[1],
      'http.response.status_code': 503,
      'aep.request_id': 'adobe-503',
    });
    expect(failed?.status.code).toBe(2); // ERROR
    expect(unreachable?.attributes['http.response.status_code']).toBeUndefined();
    expect(unreachable?.status.code).toBe(2);
    // A status the call allows (a lookup's 404) is an answer, not an error.
    expect(allowed?.attributes['http.response.status_code']).toBe(503);
    expect(allowed?.status.code).toBe(0);
  } finally {
    await tracing?.shutdown();
  }
  // Shut down, it is off again.
  expect(activeTracer()).toBeUndefined();
  expect(trace.getActiveSpan()).toBeUndefined();
});

test('OTEL_EXPORTER_OTLP_ENDPOINT: spans leave by OTLP/HTTP, named by OTEL_SERVICE_NAME', async () => {
  const collector = await startFakeServer(() => ({ status: 200, body: {} }));
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url };
  // The exporter reads the standard variables itself.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
  try {
    const tracing = await startTracing({ ...endpoint, OTEL_SERVICE_NAME: 'svc-under-test' }, 'api');
    expect(tracing).toBeDefined();
    activeTracer()!.startSpan('exported span').end();
    await tracing!.shutdown(); // flushes the batch
    const [post] = collector.requests;
    expect(post?.method).toBe('POST');
    expect(post?.url).toBe('/v1/traces');
    expect(post?.headers['content-type']).toBe('application/x-protobuf');
    expect(post?.body).toContain('svc-under-test');
    expect(post?.body).toContain('exported span');
  } finally {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    await collector.close();
  }
});

test("the workflow gate looks for the header Temporal's interceptors carry a trace in", () => {
  expect(TRACE_HEADER).toBe(SDK_TRACE_HEADER);
});
