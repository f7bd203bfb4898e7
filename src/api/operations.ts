import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Workflow, WorkflowResultType } from '@temporalio/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { summarizeFailure, type ProvisioningClient, type Started } from '../client';
import type { ApiConfig } from '../config';
import { workflowPollers } from '../connection';
import { sourcePath } from './paths';
import { workflowFailureProblem } from './problems';
import type { operationSchema } from './schemas';

/**
 * The answer to an operation just started or attached to (PUT and DELETE of a source): with
 * `Prefer: wait=<s>` the result (or the failure as a problem) when it completes in time,
 * otherwise 202 with its Location, warning when no worker polls the task queue.
 */

type Operation = z.infer<typeof operationSchema>;

export type AnswerOperation = <W extends Workflow>(
  request: FastifyRequest,
  reply: FastifyReply,
  operation: Operation['operation'],
  sandbox: string,
  name: string,
  started: Started<W>,
) => Promise<FastifyReply>;

/** `Prefer: wait=<s>` (RFC 7240), capped; 0 when absent or `respond-async`. */
export function preferredWait(header: string | string[] | undefined, max: number): number {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  if (/(^|[,;\s])respond-async\b/i.test(value)) return 0;
  const m = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(value);
  return m ? Math.min(Number(m[1]), max) : 0;
}

export function operationAnswerer(client: ProvisioningClient, config: ApiConfig): AnswerOperation {
  const workerWarning = noWorkerWarning(client, config);
  return async (request, reply, operation, sandbox, name, started) => {
    const wait = preferredWait(request.headers.prefer, config.API_MAX_WAIT_SECONDS);
    if (wait > 0) {
      void reply.header('preference-applied', `wait=${wait}`);
      const outcome = await waitFor(started.handle, wait);
      if (outcome.done) {
        if (outcome.failure) throw workflowFailureProblem(outcome.failure, started);
        return reply.code(200).send(outcome.result);
      }
    }
    const op: Operation = {
      sandbox,
      name,
      operation,
      workflowId: started.workflowId,
      runId: started.runId,
      started: started.started,
      status: 'RUNNING',
      ...(await workerWarning()),
      links: { self: sourcePath(sandbox, name) },
    };
    return reply.code(202).header('location', op.links.self).send(op);
  };
}

/** A warning when no worker polls the task queue; the poller count is cached for 5 s. */
function noWorkerWarning(
  client: ProvisioningClient,
  config: ApiConfig,
): () => Promise<{ warning?: string }> {
  let pollersCache: { at: number; count: number } | undefined;
  return async () => {
    try {
      if (!pollersCache || Date.now() - pollersCache.at > 5000) {
        pollersCache = {
          at: Date.now(),
          count: await workflowPollers(client.client, config.TEMPORAL_TASK_QUEUE),
        };
      }
      return pollersCache.count > 0
        ? {}
        : {
            warning: `no worker is polling task queue "${config.TEMPORAL_TASK_QUEUE}": the run waits until one starts (npm run worker)`,
          };
    } catch {
      return {};
    }
  };
}

type Outcome<T> =
  | { done: false }
  | { done: true; result: T; failure?: undefined }
  | { done: true; failure: ReturnType<typeof summarizeFailure>; result?: undefined };

/** The run's result if it ends within `seconds`; the long poll is cancelled otherwise. */
async function waitFor<W extends Workflow>(
  handle: WorkflowHandle<W>,
  seconds: number,
): Promise<Outcome<WorkflowResultType<W>>> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), seconds * 1000);
  try {
    const result = await handle.client.withAbortSignal(ctrl.signal, () => handle.result());
    return { done: true, result };
  } catch (err) {
    if (err instanceof WorkflowFailedError) return { done: true, failure: summarizeFailure(err) };
    if (ctrl.signal.aborted) return { done: false };
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
