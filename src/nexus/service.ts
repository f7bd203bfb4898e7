import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  getClient,
  startWorkflow,
  WorkflowRunOperationHandler,
  type WorkflowHandle,
} from '@temporalio/nexus';
import * as nexus from 'nexus-rpc';
import { servedOrg } from '../config';
import {
  CompensationPendingError,
  readOnlyOptions,
  RequestConflictError,
  startDeprovisionRun,
  startProvisionRun,
  type Door,
  type Launch,
} from '../operations';
import {
  InvalidRequestError,
  parseDeprovisionRequest,
  parseProvisionRequest,
  placeOf,
} from '../request';
import { aepStreamingService, FailureType, WorkflowType } from '../shared/names';
import type { DeprovisionResult, ProvisionResult } from '../shared/model';
import type { PlanStreamingSource } from '../workflows';

/**
 * The Nexus service's handlers, served on AEP_ORG_ID's task queue: one endpoint for every org.
 * Each operation is backed by the run it starts or attaches to (src/operations/ rules) and
 * completes with its result or failure. A request goes to the task queue of the org it names
 * (none: AEP_ORG_ID, AEP_SANDBOX); an org the deployment does not serve fails with InvalidRequest
 * before anything is cancelled or started.
 */
export function nexusServiceHandler(deployment: Parameters<typeof servedOrg>[0]) {
  const place = placeOf(deployment);
  /** The request, and the door of the served org it names; InvalidRequest otherwise. */
  const accepted = <R extends { imsOrg: string }>(parse: () => R): [R, Door] =>
    refused(() => {
      const req = parse();
      const door = { client: getClient(), taskQueue: servedOrg(deployment, req.imsOrg).taskQueue };
      return [req, door];
    });
  return nexus.serviceHandler(aepStreamingService, {
    provision: new WorkflowRunOperationHandler(async (ctx, input) => {
      const [req, door] = accepted(() => parseProvisionRequest(input, place));
      const started = await refusing(() =>
        startProvisionRun(door, nexusLaunch<ProvisionResult>(ctx), req, {
          signal: ctx.abortSignal,
        }),
      );
      return started.handle;
    }),
    deprovision: new WorkflowRunOperationHandler(async (ctx, input) => {
      const [req, door] = accepted(() => parseDeprovisionRequest(input, place));
      const started = await refusing(() =>
        startDeprovisionRun(door, nexusLaunch<DeprovisionResult>(ctx), req, {
          signal: ctx.abortSignal,
          nonce: ctx.requestId,
        }),
      );
      return started.handle;
    }),
    plan: new WorkflowRunOperationHandler(async (ctx, input) => {
      const [req, door] = accepted(() => parseProvisionRequest(input, place));
      return startWorkflow<typeof PlanStreamingSource>(
        ctx,
        WorkflowType.plan,
        readOnlyOptions<typeof PlanStreamingSource>(door, {
          kind: 'plan',
          key: req,
          args: [req],
          staticSummary: `Plan streaming source "${req.name}" in sandbox ${req.sandbox}`,
          // A retried start (same request id) is the same plan run.
          nonce: ctx.requestId,
        }),
      );
    }),
  });
}

/**
 * Starting and attaching through the operation's context, so the run completes the operation.
 * Attaching starts with conflict policy USE_EXISTING, which adds the operation's callback to the
 * open run; should that run have closed and another started in between (a window of one RPC), the
 * callback is on the newer run.
 */
function nexusLaunch<R>(ctx: nexus.StartOperationContext): Launch<WorkflowHandle<R>> {
  return {
    async start(type, options) {
      const handle = await startWorkflow(ctx, type, options);
      return { runId: handle.runId ?? '', handle: handle as unknown as WorkflowHandle<R> };
    },
    async attach(type, options) {
      const existing = { ...options, workflowIdConflictPolicy: 'USE_EXISTING' as const };
      const handle = await startWorkflow(ctx, type, existing);
      return handle;
    },
  };
}

/** A request the library would refuse fails the operation with InvalidRequest (not retried). */
function refused<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err;
    throw failed(err.message, FailureType.InvalidRequest, { problems: err.problems });
  }
}

/**
 * The library's refusals as typed failures of the operation: RequestConflict (with the open run
 * and the differing fields), and a resolve's failure (SourceNotFound) as it is. A teardown whose
 * cancelled provisioning is still compensating when the handler's deadline comes is retried by the
 * caller's server (the cancellation stands; the next attempt waits for it again).
 */
async function refusing<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (err instanceof RequestConflictError) {
      const { workflowId, runId, fields } = err;
      throw failed(err.message, FailureType.RequestConflict, { workflowId, runId, fields });
    }
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
      throw new nexus.OperationError('failed', err.cause.message, { cause: err.cause });
    }
    if (err instanceof CompensationPendingError) {
      throw new nexus.HandlerError('UNAVAILABLE', err.message, { retryableOverride: true });
    }
    throw err;
  }
}

function failed(message: string, type: FailureType, details: object): nexus.OperationError {
  const cause = ApplicationFailure.create({
    message,
    type,
    nonRetryable: true,
    details: [details],
  });
  return new nexus.OperationError('failed', message, { cause });
}
