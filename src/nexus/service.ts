import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  getClient,
  startWorkflow,
  WorkflowRunOperationHandler,
  type WorkflowHandle,
  type WorkflowRunOperationStartHandler,
} from '@temporalio/nexus';
import * as nexus from 'nexus-rpc';
import { ProvisioningClient } from '../client';
import type { ClientConfig } from '../config';
import {
  CompensationPendingError,
  readOnlyOptions,
  RequestConflictError,
  startDeprovisionRun,
  startProvisionRun,
  type Launch,
} from '../operations';
import { InvalidRequestError, parseDeprovisionRequest } from '../request';
import { aepStreamingService, FailureType, WorkflowType } from '../shared/names';
import type { DeprovisionResult, ProvisionResult } from '../shared/model';
import type { PlanStreamingSource } from '../workflows';

/**
 * The Nexus service's handlers, served on AEP_ORG_ID's task queue for every org. Each operation is
 * backed by the run it starts or attaches to (src/operations/ rules). A request goes to the task
 * queue of the org it names (none: AEP_ORG_ID, AEP_SANDBOX); an org not served fails with
 * InvalidRequest before anything is cancelled or started (ProvisioningClient.forOrg).
 */
export function nexusServiceHandler(deployment: ClientConfig) {
  const clientOf = () => new ProvisioningClient(getClient(), deployment);
  return nexus.serviceHandler(aepStreamingService, {
    provision: refusing(async (ctx, input) => {
      const pc = clientOf();
      const req = pc.validate(input);
      const launch = nexusLaunch<ProvisionResult>(ctx);
      const options = { signal: ctx.abortSignal };
      return (await startProvisionRun(pc.forOrg(req.imsOrg), launch, req, options)).handle;
    }),
    deprovision: refusing(async (ctx, input) => {
      const pc = clientOf();
      const req = parseDeprovisionRequest(input, pc.place);
      const launch = nexusLaunch<DeprovisionResult>(ctx);
      const options = { signal: ctx.abortSignal, nonce: ctx.requestId };
      return (await startDeprovisionRun(pc.forOrg(req.imsOrg), launch, req, options)).handle;
    }),
    plan: refusing(async (ctx, input) => {
      const pc = clientOf();
      const req = pc.validate(input);
      const options = readOnlyOptions<typeof PlanStreamingSource>(pc.forOrg(req.imsOrg), {
        kind: 'plan',
        key: req,
        args: [req],
        staticSummary: `Plan streaming source "${req.name}" in sandbox ${req.sandbox}`,
        // A retried start (same request id) is the same plan run.
        nonce: ctx.requestId,
      });
      return startWorkflow<typeof PlanStreamingSource>(ctx, WorkflowType.plan, options);
    }),
  });
}

/**
 * Starting and attaching through the operation's context, so the run completes the operation.
 * Attaching starts with conflict policy USE_EXISTING, which adds the operation's callback to the
 * open run (should it have closed and another started in between, to the newer run).
 */
function nexusLaunch<R>(ctx: nexus.StartOperationContext): Launch<WorkflowHandle<R>> {
  return {
    async start(type, options) {
      const handle = await startWorkflow(ctx, type, options);
      return { runId: handle.runId ?? '', handle: handle as unknown as WorkflowHandle<R> };
    },
    attach: (type, options) =>
      startWorkflow(ctx, type, { ...options, workflowIdConflictPolicy: 'USE_EXISTING' }),
  };
}

/**
 * The library's refusals as typed failures of the operation (not retried): InvalidRequest (with
 * the problems), RequestConflict (with the open run and the differing fields), and a resolve's
 * failure (SourceNotFound) as it is. A teardown whose cancelled provisioning is still compensating
 * at the handler's deadline is retried by the caller's server.
 */
function refusing<I, O>(start: WorkflowRunOperationStartHandler<I, O>) {
  return new WorkflowRunOperationHandler<I, O>(async (ctx, input) => {
    try {
      return await start(ctx, input);
    } catch (err) {
      if (err instanceof InvalidRequestError) {
        throw failed(err.message, FailureType.InvalidRequest, { problems: err.problems });
      }
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
  });
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
