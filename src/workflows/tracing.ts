/**
 * The bundle's interceptors: Temporal's OpenTelemetry ones, gated. A call carrying trace context
 * (TRACE_HEADER) runs in a span of it, and what the workflow does inside carries the trace on.
 * Other calls go straight to `next` and the SDK's tracing code is not even loaded (the sandbox
 * loads a run's modules afresh: its hundred-odd modules would cost every untraced run). Spans
 * are no commands (test/telemetry).
 */
import type * as OtelApi from '@opentelemetry/api';
import type { Headers } from '@temporalio/common';
import type * as OtelWorkflow from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** The header Temporal's OpenTelemetry interceptors carry a trace in (their TRACE_HEADER). */
export const TRACE_HEADER = '_tracer-data';

type Input = { headers?: Headers };
type Intercept = (input: Input, next: (input: Input) => unknown) => unknown;

/** Loads the SDK's interceptors: the first traced call of a run does, once. */
function load() {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded on a traced call only */
  const api = require('@opentelemetry/api') as typeof OtelApi;
  const otel =
    require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof OtelWorkflow;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    inbound: new otel.OpenTelemetryInboundInterceptor(),
    outbound: new otel.OpenTelemetryOutboundInterceptor(),
    internals: new otel.OpenTelemetryInternalsInterceptor(),
    traced: () => api.trace.getActiveSpan() !== undefined,
  };
}

/** For each of `methods`, `use(input)`'s method if it has one, else `next`. */
function gated<T>(methods: ReadonlyArray<keyof T>, use: (input: Input) => T | undefined): T {
  const call =
    (method: keyof T): Intercept =>
    (input, next) => {
      const chosen = use(input) as Record<keyof T, Intercept | undefined> | undefined;
      const fn = chosen?.[method];
      return fn ? fn.call(chosen, input, next) : next(input);
    };
  return Object.fromEntries(methods.map((m) => [m, call(m)])) as T;
}

export const interceptors = (): WorkflowInterceptors => {
  let otel: ReturnType<typeof load> | undefined;
  const inSpan = () => (otel?.traced() ? otel : undefined);
  return {
    inbound: [
      gated<WorkflowInboundCallsInterceptor>(
        ['execute', 'handleSignal', 'handleUpdate', 'validateUpdate', 'handleQuery'],
        (input) => (input.headers?.[TRACE_HEADER] ? (otel ??= load()).inbound : undefined),
      ),
    ],
    outbound: [
      gated<WorkflowOutboundCallsInterceptor>(
        [
          'scheduleActivity',
          'scheduleLocalActivity',
          'startNexusOperation',
          'startChildWorkflowExecution',
          'continueAsNew',
          'signalWorkflow',
          'getLogAttributes',
        ],
        () => inSpan()?.outbound,
      ),
    ],
    internals: [gated<WorkflowInternalsInterceptor>(['dispose'], () => otel?.internals)],
  };
};
