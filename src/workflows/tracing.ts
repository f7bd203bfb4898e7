/**
 * The workflow bundle's interceptors (no workflow here): Temporal's OpenTelemetry workflow
 * interceptors, behind a gate. A call that arrives with trace context (the `_tracer-data` header
 * of a start, signal, update or query made inside a trace, src/telemetry.ts) runs in a span of
 * it, and what the workflow does inside that span (activities, child workflows, signals,
 * continue-as-new) carries the trace on. Every other call goes straight to `next`: a run nobody
 * traces does what it does without this module, and the SDK's tracing code is not even set up.
 * Spans are no commands: a traced run's commands are those of an untraced one (test/telemetry).
 */
import { trace } from '@opentelemetry/api';
import type { Headers } from '@temporalio/common';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { WorkflowInterceptors } from '@temporalio/workflow';

type Input = { headers?: Headers };
type Intercept = (input: Input, next: (input: Input) => unknown) => unknown;

/** Every method of `impl`'s class, run by the interceptor `use` picks for the input, else `next`. */
function gated<T extends object>(impl: { prototype: T }, use: (input: Input) => T | undefined): T {
  const methods = Object.getOwnPropertyNames(impl.prototype).filter((m) => m !== 'constructor');
  const call =
    (method: string): Intercept =>
    (input, next) => {
      const chosen = use(input) as Record<string, Intercept> | undefined;
      return chosen ? chosen[method]!(input, next) : next(input);
    };
  return Object.fromEntries(methods.map((m) => [m, call(m)])) as T;
}

export const interceptors = (): WorkflowInterceptors => {
  // This run's OpenTelemetry interceptors, made by its first traced call.
  let otel:
    | { inbound: OpenTelemetryInboundInterceptor; outbound: OpenTelemetryOutboundInterceptor }
    | undefined;
  const traced = () =>
    (otel ??= {
      inbound: new OpenTelemetryInboundInterceptor(),
      outbound: new OpenTelemetryOutboundInterceptor(),
    });
  return {
    inbound: [
      gated(OpenTelemetryInboundInterceptor, (input) =>
        input.headers?.[TRACE_HEADER] ? traced().inbound : undefined,
      ),
    ],
    outbound: [
      gated(OpenTelemetryOutboundInterceptor, () =>
        otel && trace.getActiveSpan() ? otel.outbound : undefined,
      ),
    ],
    internals: [new OpenTelemetryInternalsInterceptor()],
  };
};
