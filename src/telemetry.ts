/**
 * Tracing (docs/operating.md, "Traces"): one provisioning is one trace, from the HTTP request
 * through the workflow run and each activity to each AEP call. On means "a global tracer provider
 * is registered" (by `startTracing`, or by an application embedding the library with its own
 * SDK); off, the SDK is not even loaded and nothing gets an interceptor or a span. Spans are only
 * made inside a trace: an API request starts one (or continues the caller's `traceparent`).
 */
import {
  context,
  propagation,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from './config';

const NAME = 'aep-streaming-provisioner';

export interface Tracing {
  /** Where finished spans go; the worker hands its workflows' spans to it as well. */
  processor: SpanProcessor;
  resource: Resource;
  /** Exports what is buffered and unregisters the provider: tracing is off again. */
  shutdown(): Promise<void>;
}

let started: Tracing | undefined;

/** Starts tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set or `processor` given (tests). */
export async function startTracing(
  config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_SERVICE_NAME'>,
  component: 'worker' | 'api',
  processor?: SpanProcessor,
): Promise<Tracing | undefined> {
  if (!processor && !config.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  if (started) throw new Error('tracing is already started in this process');
  const [sdk, { Resource, envDetectorSync }, hooks, otlp] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
    processor ? undefined : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  const spans = processor ?? new sdk.BatchSpanProcessor(new otlp!.OTLPTraceExporter());
  const name = config.OTEL_SERVICE_NAME ?? `${NAME}-${component}`;
  const resource = Resource.default()
    .merge(envDetectorSync.detect())
    .merge(new Resource({ 'service.name': name }));
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [spans] });
  // W3C trace context (OTEL_PROPAGATORS' default), and a context that follows async calls.
  provider.register({ contextManager: new hooks.AsyncLocalStorageContextManager() });
  started = {
    processor: spans,
    resource,
    async shutdown() {
      started = undefined;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  return started;
}

/** The tracer when tracing is on (a global tracer provider is registered), else undefined. */
export function activeTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider
    ? provider.getDelegateTracer(NAME)
    : provider.getTracer(NAME);
}

/** A Temporal client's: what it starts, updates, signals or queries inside a trace carries it. */
export function clientTracing(): ClientInterceptors | undefined {
  return activeTracer() && { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/** An activity scheduled inside a trace runs in a span of it; any other runs as it is. */
class TracedActivity extends OpenTelemetryActivityInboundInterceptor {
  override execute(
    ...[input, next]: Parameters<OpenTelemetryActivityInboundInterceptor['execute']>
  ) {
    return input.headers[TRACE_HEADER] ? super.execute(input, next) : next(input);
  }
}

/** The worker's activity interceptors: spans, and their trace id on log lines. None when off. */
export function activityTracing(): ActivityInterceptorsFactory[] {
  if (!activeTracer()) return [];
  const outbound = OpenTelemetryActivityOutboundInterceptor;
  return [(ctx) => ({ inbound: new TracedActivity(ctx), outbound: new outbound(ctx) })];
}

/** Where workflow spans go: nowhere when untraced (a traced start can reach such a worker). */
export function workflowSpanSinks(): InjectedSinks<OpenTelemetrySinks> {
  const exporter = started
    ? makeWorkflowExporter(started.processor, started.resource)
    : { export: { fn: () => undefined } };
  return { exporter };
}

/** A server span per HTTP request, its handler inside: the workflow it starts joins the trace. */
export function traceRequests(app: FastifyInstance): void {
  const tracer = activeTracer();
  if (!tracer) return;
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('onRequest', async (request) => {
    const { method, id } = request;
    const route = request.routeOptions.url ?? '(no route)';
    const attributes = { 'http.request.method': method, 'http.route': route };
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer.startSpan(
      `${method} ${route}`,
      { kind: SpanKind.SERVER, attributes },
      parent,
    );
    spans.set(request, span.setAttribute('api.request_id', String(id)));
  });
  // After the body is read: handlers (and the hooks after this one) run inside the span.
  app.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (span) context.with(trace.setSpan(context.active(), span), done);
    else done();
  });
  const end = (request: FastifyRequest, status?: number) => {
    const span = spans.get(request);
    spans.delete(request);
    if (status === undefined) span?.setStatus({ code: SpanStatusCode.ERROR, message: 'aborted' });
    else span?.setAttribute('http.response.status_code', status);
    if (status && status >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
    span?.end();
  };
  app.addHook('onResponse', async (request, reply) => end(request, reply.statusCode));
  app.addHook('onRequestAbort', async (request) => end(request));
}
