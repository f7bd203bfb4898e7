import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { TimeoutFailure, type Workflow } from '@temporalio/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  CompensationPendingError,
  summarizeFailure,
  type ProvisioningClient,
  type SourceStatus,
  type Started,
} from '../../client';
import type { ApiConfig } from '../../config';
import { workflowPollers } from '../../connection';
import { InvalidRequestError, provisionRequestSchema } from '../../request';
import { authorize, openOperationsCap } from '../auth';
import {
  ApiProblem,
  invalid,
  leftoversOf,
  noSuchSource,
  RETRY_AFTER,
  workflowFailureProblem,
} from '../problems';
import type { operationSchema, sourceStatusSchema } from '../schemas';
import type { RouteModule } from '../server';

/**
 * One source: PUT provisions, DELETE tears down, GET reads its latest run, POST …/plan says what a
 * PUT would do. The path is checked first; every wait ends API_MAX_WAIT_SECONDS after arrival.
 */

type Operation = z.infer<typeof operationSchema>;
type SourceStatusDoc = z.infer<typeof sourceStatusSchema>;
type SourceKey = { name: string; sandbox: string };

const SOURCE = '/v1/sandboxes/:sandbox/sources/:name';
const ORG_HEADER = 'x-aep-org';
const NAME_ONLY = provisionRequestSchema.pick({ name: true, sandbox: true });

export const sourcePath = (sandbox: string, name: string) =>
  `/v1/sandboxes/${encodeURIComponent(sandbox)}/sources/${encodeURIComponent(name)}`;

export const registerSourceRoutes: RouteModule = (app, client, config) => {
  const warning = workerWarning(client, config.TEMPORAL_TASK_QUEUE);
  const { left, bounded } = requestBounds(config);
  const answer = answerer(config, warning);
  const underCap = openOperationsCap(client, config);
  /** The detail of a wait that ran out, naming a missing worker when none polls. */
  const ranOut = async (detail: string) => [detail, await warning()].filter(Boolean).join('; ');
  const retry = { 'retry-after': RETRY_AFTER };

  app.put(SOURCE, async (request, reply) => {
    const path = sourceParams(request);
    const { pc, input } = putInput(request, client, path);
    await underCap(request);
    return answer(reply, 'provision', path, await pc.startProvision(input, bounded(reply)));
  });

  app.delete(SOURCE, async (request, reply) => {
    const path = sourceParams(request, true);
    const value = (request.query as Record<string, unknown> | undefined)?.deleteDataset ?? 'false';
    if (value !== 'true' && value !== 'false') {
      throw invalid([`deleteDataset: must be true or false, not ${JSON.stringify(value)}`]);
    }
    await underCap(request);
    const pc = orgClient(request, client);
    const req = { ...path, deleteDataset: value === 'true' };
    const started = await pc.startDeprovision(req, undefined, bounded(reply)).catch(async (err) => {
      if (!(err instanceof CompensationPendingError)) throw err;
      throw new ApiProblem(
        503,
        'CompensationPending',
        'The open provisioning is still compensating; the teardown has not started',
        await ranOut(`${err.message} (waited ${config.API_MAX_WAIT_SECONDS} s)`),
        { workflowId: err.workflowId, runId: err.runId },
        retry,
      );
    });
    return answer(reply, 'deprovision', path, started);
  });

  app.get(SOURCE, async (request, reply) => {
    const path = sourceParams(request, true);
    const pc = orgClient(request, client);
    const status = await pc.status(path.name, path.sandbox, bounded(reply)).catch((err) => {
      throw err instanceof WorkflowNotFoundError ? noSuchSource(path.sandbox, path.name) : err;
    });
    return statusDoc(path, status);
  });

  // A plan has nothing to poll: it ends within the wait (its run times out then), or 503.
  app.post(`${SOURCE}/plan`, { config: { budget: 'plans' } }, async (request, reply) => {
    const input = { ...(request.body ?? {}), ...sourceParams(request, true) };
    const pc = orgClient(request, client);
    return pc.plan(input, { timeoutMs: Math.max(1000, left(reply)) }).catch(async (err) => {
      if (!(err instanceof WorkflowFailedError && err.cause instanceof TimeoutFailure)) throw err;
      throw new ApiProblem(
        503,
        'PlanTimedOut',
        'The plan did not finish in time',
        await ranOut(`No plan within ${config.API_MAX_WAIT_SECONDS} s (API_MAX_WAIT_SECONDS)`),
        {},
        retry,
      );
    });
  });
};

/** A PUT's request, or every problem of it: the body's name, sandbox and imsOrg must agree. */
function putInput(request: FastifyRequest, client: ProvisioningClient, path: SourceKey) {
  const given = request.body as Record<string, unknown> | null;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw invalid(['the body must be a JSON object (the request, see /openapi.json)']);
  }
  const pc = orgClient(request, client);
  const org = request.headers[ORG_HEADER] === undefined ? {} : { imsOrg: pc.place.imsOrg };
  const problems = Object.entries({ ...path, ...org })
    .filter(([k, v]) => given[k] !== undefined && given[k] !== v)
    .map(([k, v]) => {
      const from = k === 'imsOrg' ? ORG_HEADER : 'the path';
      return `${k}: the body names ${JSON.stringify(given[k])}, ${from} ${v}`;
    });
  const input = { ...given, ...path };
  try {
    pc.validate(input);
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0) throw invalid(problems);
  return { pc, input };
}

/** The client of the org of `x-aep-org` (an org not served: 422), else AEP_ORG_ID's. */
export function orgClient(request: FastifyRequest, client: ProvisioningClient): ProvisioningClient {
  const org = request.headers[ORG_HEADER];
  if (org === undefined) return client;
  if (typeof org !== 'string') throw invalid([`${ORG_HEADER}: give one org`]);
  return client.forOrg(org);
}

/** A request's waits, which end with it; a run it starts records its key (AepApiKeyId). */
export function requestBounds(config: ApiConfig) {
  /** Milliseconds left of `seconds` counted from the request's arrival. */
  const left = (reply: FastifyReply, seconds = config.API_MAX_WAIT_SECONDS) =>
    Math.max(0, Math.floor(seconds * 1000 - reply.elapsedTime));
  const bounded = (reply: FastifyReply) => ({
    signal: AbortSignal.timeout(left(reply)),
    apiKeyId: reply.request.principal!.id,
  });
  return { left, bounded };
}

/** The path's name and sandbox, the key allowed the sandbox; `checkName`: the name's rules too. */
function sourceParams(request: FastifyRequest, checkName = false): SourceKey {
  const { sandbox, name } = request.params as SourceKey;
  authorize(request, sandbox);
  const r = checkName ? NAME_ONLY.safeParse({ name, sandbox: 'prod' }) : undefined;
  if (r?.success === false) throw invalid(r.error.issues.map((i) => i.message));
  return { name, sandbox };
}

const STATUS_OF_EXECUTION: Record<string, SourceStatusDoc['status']> = {
  RUNNING: 'QUEUED',
  COMPLETED: 'SUCCEEDED',
  CANCELLED: 'CANCELLED',
};

// Absent fields are undefined here: JSON leaves them out.
function statusDoc({ name, sandbox }: SourceKey, s: SourceStatus): SourceStatusDoc {
  const f = s.failure;
  return {
    sandbox,
    name,
    workflowId: s.workflowId,
    runId: s.runId,
    execution: s.execution,
    status: s.progress?.status ?? STATUS_OF_EXECUTION[s.execution] ?? 'FAILED',
    progress: s.progress,
    result: s.result,
    teardown: s.teardown,
    failure: f && {
      type: f.type,
      rootType: f.rootType,
      message: f.message,
      leftovers: leftoversOf(f.details),
      details: f.details,
    },
    health: s.health,
    links: { self: sourcePath(sandbox, name) },
  };
}

/** `Prefer: wait=<s>` (RFC 7240), capped; 0 when absent or `respond-async`. */
export function preferredWait(header: string | string[] | undefined, max: number): number {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  if (/(^|[,;\s])respond-async\b/i.test(value)) return 0;
  const m = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(value);
  return m ? Math.min(Number(m[1]), max) : 0;
}

/** A warning when no worker polls the task queue; the poller count is cached for 5 s. */
function workerWarning(client: ProvisioningClient, queue: string) {
  let pollers: { at: number; count: number } | undefined;
  return async (): Promise<string | undefined> => {
    if (!pollers || Date.now() - pollers.at > 5000) {
      const count = await workflowPollers(client.client, queue).catch(() => undefined);
      if (count === undefined) return undefined;
      pollers = { at: Date.now(), count };
    }
    return pollers.count > 0
      ? undefined
      : `no worker is polling task queue "${queue}": the run waits until one starts (npm run worker)`;
  };
}

/** With `Prefer: wait` the run's outcome when it ends in time, else 202 and its Location. */
function answerer(config: ApiConfig, warning: () => Promise<string | undefined>) {
  const { left } = requestBounds(config);
  return async <W extends Workflow>(
    reply: FastifyReply,
    operation: Operation['operation'],
    { name, sandbox }: SourceKey,
    started: Started<W>,
  ) => {
    const wait = preferredWait(reply.request.headers.prefer, config.API_MAX_WAIT_SECONDS);
    if (wait > 0) {
      void reply.header('preference-applied', `wait=${wait}`);
      const { handle } = started;
      const ms = left(reply, wait);
      const signal = AbortSignal.timeout(ms);
      // A run's result is an object: falsy when the wait ran out.
      const result =
        ms > 0 &&
        (await handle.client
          .withAbortSignal(signal, () => handle.result())
          .catch((err: unknown) => {
            if (err instanceof WorkflowFailedError) {
              throw workflowFailureProblem(summarizeFailure(err), started);
            }
            if (!signal.aborted) throw err;
          }));
      if (result) return reply.code(200).send(result);
    }
    const { workflowId, runId } = started;
    const self = sourcePath(sandbox, name);
    const op: Operation = {
      sandbox,
      name,
      operation,
      workflowId,
      runId,
      started: started.started,
      status: 'RUNNING',
      warning: await warning(),
      links: { self },
    };
    return reply.code(202).header('location', self).send(op);
  };
}
