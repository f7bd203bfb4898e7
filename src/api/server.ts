import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import rateLimit from '@fastify/rate-limit';
import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  isGrpcServiceError,
  type WorkflowHandle,
} from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Workflow, WorkflowResultType } from '@temporalio/common';
import type { z } from 'zod';
import { payloadCodecOf } from '../codec';
import { CodecHttpError, registerCodecRoutes } from '../codec/endpoint';
import {
  RequestConflictError,
  summarizeFailure,
  type ProvisioningClient,
  type Started,
} from '../client';
import type { ApiConfig } from '../config';
import { workflowPollers } from '../connection';
import { InvalidRequestError, provisionRequestSchema, sandboxName } from '../request';
import { SearchAttributes, WorkflowType } from '../shared/names';
import { createAuthenticator, mayTouch, type Identified, type Principal } from './auth';
import { buildOpenApi } from './openapi';
import {
  ApiProblem,
  leftoversOf,
  PROBLEM_CONTENT_TYPE,
  sendProblem,
  workflowFailureProblem,
} from './problems';
import {
  listQuerySchema,
  provisionStatusSchema,
  type operationSchema,
  type sourceListSchema,
  type sourceStatusSchema,
  type sourceSummarySchema,
} from './schemas';

/**
 * The HTTP API (`npm run api`): fastify, with @fastify/rate-limit, problem details from one error
 * handler, bearer API keys scoped to sandboxes. It is a thin door onto ProvisioningClient: every
 * rule (validation, idempotent start, conflicts) is the library's, so HTTP, CLI and TypeScript
 * callers get the same answers.
 */

export interface BuildApiOptions {
  config: ApiConfig;
  client: ProvisioningClient;
  /** Where JSON log lines go (default stderr); tests pass a stream to read them. */
  logStream?: Writable;
}

declare module 'fastify' {
  interface FastifyRequest {
    identified?: Identified;
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Reachable without an API key (health, readiness, OpenAPI). */
    public?: boolean;
    /** The codec endpoint: a key for every sandbox, or none with API_CODEC_ANONYMOUS. */
    codec?: boolean;
  }
}

type Operation = z.infer<typeof operationSchema>;
type SourceStatusDoc = z.infer<typeof sourceStatusSchema>;
type SourceSummary = z.infer<typeof sourceSummarySchema>;
type SourceList = z.infer<typeof sourceListSchema>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Where the codec endpoint is mounted: the UI's TEMPORAL_CODEC_ENDPOINT is `<API>/codec`. */
export const CODEC_PREFIX = '/codec';

export const sourcePath = (sandbox: string, name: string) =>
  `/v1/sandboxes/${encodeURIComponent(sandbox)}/sources/${encodeURIComponent(name)}`;

/** `Prefer: wait=<s>` (RFC 7240), capped; 0 when absent or `respond-async`. */
export function preferredWait(header: string | string[] | undefined, max: number): number {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  if (/(^|[,;\s])respond-async\b/i.test(value)) return 0;
  const m = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(value);
  return m ? Math.min(Number(m[1]), max) : 0;
}

export async function buildApi(opts: BuildApiOptions): Promise<FastifyInstance> {
  const { config, client } = opts;
  const identify = createAuthenticator(config.API_KEYS, config.API_ALLOW_ANONYMOUS);

  const app = Fastify({
    bodyLimit: config.API_BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 2048 },
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logger: {
      level: config.LOG_LEVEL,
      // Request lines carry method, URL and addresses only; headers are never logged, and these
      // paths are redacted should a header or a body ever reach a log line.
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'authorization',
          'apiKey',
          '*.apiKey',
          'key',
        ],
        censor: '[redacted]',
      },
      ...(opts.logStream ? { stream: opts.logStream } : {}),
    },
  });

  // JSON only: fastify's default text/plain parser would hand a string to the routes (415 instead).
  app.removeContentTypeParser('text/plain');

  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', String(request.id));
  });

  // Who is calling, computed once: the rate limiter keys on it, the auth hook enforces it.
  const who = (request: FastifyRequest): Identified => {
    request.identified ??= identify(request.headers.authorization);
    return request.identified;
  };

  await app.register(rateLimit, {
    global: true,
    max: config.API_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    hook: 'onRequest',
    keyGenerator: (request) => {
      const w = who(request);
      return w.ok ? `key:${w.principal.id}` : `addr:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      new ApiProblem(
        429,
        'RateLimited',
        'Too many requests',
        `At most ${context.max} requests per minute per API key; retry after ${context.after}`,
      ),
  });

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    const w = who(request);
    if (request.routeOptions.config.codec) {
      // Payloads belong to no sandbox: decrypting them takes a key for every sandbox.
      if (w.ok && w.principal.sandboxes === '*') {
        request.principal = w.principal;
        request.log.info({ apiKeyId: w.principal.id }, 'authenticated');
        return;
      }
      // The Temporal UI cannot send an API key (it can forward only its own login's token).
      if (config.API_CODEC_ANONYMOUS) {
        request.principal = { id: 'codec-anonymous', sandboxes: '*' };
        return;
      }
      if (w.ok) {
        throw new ApiProblem(
          403,
          'Forbidden',
          'This API key may not use the codec endpoint',
          `key ${w.principal.id} is scoped to ${(w.principal.sandboxes as string[]).join(', ')}; payloads belong to no sandbox, so the codec takes a key for every sandbox (*)`,
        );
      }
    }
    if (!w.ok) {
      throw new ApiProblem(
        401,
        'Unauthorized',
        'A valid API key is required',
        w.reason === 'missing'
          ? 'Send Authorization: Bearer <API key>'
          : w.reason === 'malformed'
            ? 'The Authorization header must be: Bearer <API key>'
            : 'The API key is not known',
        {},
        { 'www-authenticate': 'Bearer realm="aep-stream"' },
      );
    }
    request.principal = w.principal;
    request.log.info({ apiKeyId: w.principal.id }, 'authenticated');
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new ApiProblem(404, 'NotFound', 'No such endpoint', `${request.method} ${request.url}`),
    ),
  );

  app.setErrorHandler((error, request, reply) => {
    const p = toProblem(error);
    if (p.status === 503) request.log.warn({ err: errorMessage(error) }, 'Temporal unreachable');
    else if (p.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ problem: p.type, status: p.status }, 'request refused');
    return sendProblem(request, reply, p);
  });

  // --- Health, readiness, OpenAPI (no key) ---
  const publicRoute = { config: { public: true, rateLimit: false } } as const;

  app.get('/healthz', publicRoute, async () => ({ status: 'ok' as const }));

  app.get('/readyz', publicRoute, async (request, reply) => {
    try {
      // A lazy connection to a dead address retries for a long time: answer within 3 s. The
      // deadline ends the call itself (no retry left running against a closed channel).
      const workers = await client.client.withDeadline(Date.now() + 3000, () =>
        workflowPollers(client.client, config.TEMPORAL_TASK_QUEUE),
      );
      return {
        status: 'ok' as const,
        temporal: config.TEMPORAL_ADDRESS,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workers,
      };
    } catch (err) {
      request.log.warn({ err: errorMessage(err) }, 'Temporal unreachable');
      return sendProblem(
        request,
        reply,
        new ApiProblem(
          503,
          'TemporalUnavailable',
          'Temporal is not reachable',
          `${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}) did not answer`,
        ),
      );
    }
  });

  const openapi = buildOpenApi();
  app.get('/openapi.json', publicRoute, async () => openapi);

  // --- Sources ---
  const pathParams = (request: FastifyRequest) => {
    const { sandbox, name } = request.params as { sandbox: string; name: string };
    authorize(request, sandbox);
    return { sandbox, name };
  };

  /**
   * The answer to an operation just started or attached to: with `Prefer: wait=<s>` the result
   * (or the failure as a problem) when it completes in time, otherwise 202 with its Location.
   */
  async function answer<W extends Workflow>(
    request: FastifyRequest,
    reply: FastifyReply,
    operation: Operation['operation'],
    sandbox: string,
    name: string,
    started: Started<W>,
  ) {
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
  }

  app.put('/v1/sandboxes/:sandbox/sources/:name', async (request, reply) => {
    const { sandbox, name } = pathParams(request);
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw invalid(['the body must be a JSON object (the request, see /openapi.json)']);
    }
    const problems: string[] = [];
    const given = body as Record<string, unknown>;
    if (given.name !== undefined && given.name !== name) {
      problems.push(`name: the body names ${JSON.stringify(given.name)}, the path ${name}`);
    }
    if (given.sandbox !== undefined && given.sandbox !== sandbox) {
      problems.push(
        `sandbox: the body names ${JSON.stringify(given.sandbox)}, the path ${sandbox}`,
      );
    }
    const input = { ...given, name, sandbox };
    try {
      client.validate(input);
    } catch (err) {
      if (err instanceof InvalidRequestError) problems.push(...err.problems);
      else throw err;
    }
    if (problems.length > 0) throw invalid(problems);

    const started = await client.startProvision(input);
    return answer(request, reply, 'provision', sandbox, name, started);
  });

  app.get('/v1/sandboxes/:sandbox/sources/:name', async (request) => {
    const { sandbox, name } = pathParams(request);
    checkName(name);
    try {
      const s = await client.status(name, sandbox);
      const execution = s.execution as SourceStatusDoc['execution'];
      const doc: SourceStatusDoc = {
        sandbox,
        name,
        workflowId: s.workflowId,
        runId: s.runId,
        execution,
        status: s.progress?.status ?? derivedStatus(execution),
        ...(s.progress ? { progress: s.progress } : {}),
        ...(s.result ? { result: s.result } : {}),
        ...(s.teardown ? { teardown: s.teardown } : {}),
        ...(s.failure
          ? {
              failure: {
                type: s.failure.type,
                rootType: s.failure.rootType,
                message: s.failure.message,
                ...(leftoversOf(s.failure.details)
                  ? { leftovers: leftoversOf(s.failure.details) }
                  : {}),
                ...(s.failure.details !== undefined ? { details: s.failure.details } : {}),
              },
            }
          : {}),
        links: { self: sourcePath(sandbox, name) },
      };
      return doc;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw noSuchSource(sandbox, name);
      throw err;
    }
  });

  app.delete('/v1/sandboxes/:sandbox/sources/:name', async (request, reply) => {
    const { sandbox, name } = pathParams(request);
    checkName(name);
    const started = await client.startDeprovision({ name, sandbox });
    return answer(request, reply, 'deprovision', sandbox, name, started);
  });

  app.post('/v1/sandboxes/:sandbox/sources/:name/plan', async (request) => {
    const { sandbox, name } = pathParams(request);
    checkName(name);
    const given = (request.body ?? {}) as Record<string, unknown>;
    return client.plan({ ...given, name, sandbox });
  });

  app.get('/v1/sources', async (request) => {
    const q = listQuerySchema.safeParse(request.query);
    if (!q.success) throw invalid(q.error.issues.map((i) => i.message));
    const p = request.principal!;
    const { sandbox, status, pageSize, pageToken } = q.data;
    if (sandbox !== undefined) authorize(request, sandbox);
    const clauses = [`WorkflowType = '${WorkflowType.provision}'`];
    if (sandbox !== undefined) clauses.push(`${SearchAttributes.sandbox.name} = '${sandbox}'`);
    else if (p.sandboxes !== '*') {
      clauses.push(
        `${SearchAttributes.sandbox.name} IN (${p.sandboxes.map((s) => `'${s}'`).join(', ')})`,
      );
    }
    if (status !== undefined) clauses.push(`${SearchAttributes.status.name} = '${status}'`);
    let token: Buffer | undefined;
    if (pageToken !== undefined) {
      token = Buffer.from(pageToken, 'base64url');
      if (token.length === 0) throw invalid(['pageToken is not a token of this API']);
    }
    const raw = await client.client.workflowService.listWorkflowExecutions({
      namespace: config.TEMPORAL_NAMESPACE,
      query: clauses.join(' AND '),
      pageSize,
      ...(token ? { nextPageToken: token } : {}),
    });
    const items: SourceSummary[] = [];
    for (const e of raw.executions ?? []) {
      const info = await executionInfoFromRaw(
        e,
        client.client.options.loadedDataConverter,
        undefined,
        config.TEMPORAL_NAMESPACE,
      );
      const sa = info.typedSearchAttributes;
      const sb = sa.get(SearchAttributes.sandbox) ?? '';
      const nm =
        sa.get(SearchAttributes.sourceName) ?? info.workflowId.split('/').slice(2).join('/');
      const st = sa.get(SearchAttributes.status);
      items.push({
        sandbox: sb,
        name: nm,
        workflowId: info.workflowId,
        runId: info.runId,
        workflowType: info.type,
        execution: info.status.name,
        ...(isStatus(st) ? { status: st } : {}),
        startTime: info.startTime.toISOString(),
        ...(info.closeTime ? { closeTime: info.closeTime.toISOString() } : {}),
        links: { self: sourcePath(sb, nm) },
      });
    }
    const next = raw.nextPageToken && raw.nextPageToken.length > 0 ? raw.nextPageToken : undefined;
    const list: SourceList = {
      items,
      ...(next ? { nextPageToken: Buffer.from(next).toString('base64url') } : {}),
    };
    return list;
  });

  // --- The codec endpoint for the Temporal UI and CLI (PAYLOAD_ENCRYPTION_KEYS set) ---
  const codec = payloadCodecOf(config);
  if (codec) {
    registerCodecRoutes(app, {
      codec,
      namespace: config.TEMPORAL_NAMESPACE,
      origins: config.API_CODEC_ORIGINS,
      prefix: CODEC_PREFIX,
      postConfig: { codec: true },
      preflightConfig: { public: true, rateLimit: false },
    });
  }

  // --- helpers bound to this instance ---
  let pollersCache: { at: number; count: number } | undefined;
  async function workerWarning(): Promise<{ warning?: string }> {
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
  }

  return app;
}

function authorize(request: FastifyRequest, sandbox: string): void {
  const p = request.principal!;
  if (!mayTouch(p, sandbox)) {
    throw new ApiProblem(
      403,
      'Forbidden',
      'This API key may not touch this sandbox',
      `key ${p.id} is scoped to ${p.sandboxes === '*' ? 'every sandbox' : p.sandboxes.join(', ')}`,
    );
  }
  const ok = sandboxName.safeParse(sandbox);
  if (!ok.success) throw invalid([ok.error.issues[0]!.message]);
}

/** Names in the path are held to the request's rules before any lookup. */
function checkName(name: string): void {
  const probe = { name, sandbox: 'prod' };
  const r = NAME_ONLY.safeParse(probe);
  if (!r.success) throw invalid(r.error.issues.map((i) => i.message));
}

const NAME_ONLY = provisionRequestSchema.pick({ name: true, sandbox: true });

function invalid(problems: string[]): ApiProblem {
  return new ApiProblem(
    422,
    'InvalidRequest',
    'The request is invalid',
    `${problems.length} problem(s): ${problems.join('; ')}`,
    { errors: problems },
  );
}

function noSuchSource(sandbox: string, name: string): ApiProblem {
  return new ApiProblem(
    404,
    'SourceNotFound',
    'No such source',
    `No provisioning of "${name}" in sandbox ${sandbox}`,
  );
}

const STATUSES = new Set<string>(provisionStatusSchema.options);
const isStatus = (s: unknown): s is NonNullable<SourceSummary['status']> =>
  typeof s === 'string' && STATUSES.has(s);

function derivedStatus(execution: string): SourceStatusDoc['status'] {
  if (execution === 'RUNNING') return 'QUEUED';
  if (execution === 'COMPLETED') return 'SUCCEEDED';
  if (execution === 'CANCELLED') return 'CANCELLED';
  return 'FAILED';
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

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Any error to a problem: the API's own, fastify's (body, media type), the library's, Temporal's. */
function toProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (error instanceof CodecHttpError) {
    return new ApiProblem(error.statusCode, error.type, error.title, error.message);
  }
  if (error instanceof InvalidRequestError) return invalid(error.problems);
  if (error instanceof WorkflowNotFoundError) {
    return new ApiProblem(404, 'SourceNotFound', 'No such source', error.message);
  }
  if (error instanceof RequestConflictError) {
    return new ApiProblem(
      409,
      'RequestConflict',
      'A different request for this source is in flight',
      error.message,
    );
  }
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e.statusCode === 413) {
    return new ApiProblem(413, 'BodyTooLarge', 'The body is too large', e.message);
  }
  if (e.statusCode === 415) {
    return new ApiProblem(
      415,
      'UnsupportedMediaType',
      'Send the request as application/json',
      e.message,
    );
  }
  if (e.statusCode === 400) {
    return new ApiProblem(400, 'MalformedRequest', 'The body is not valid JSON', e.message);
  }
  if (isGrpcServiceError(error) || (error instanceof Error && error.name === 'ServiceError')) {
    return new ApiProblem(
      503,
      'TemporalUnavailable',
      'Temporal is not reachable',
      'The Temporal frontend did not answer; retry later',
    );
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    return new ApiProblem(e.statusCode, 'BadRequest', 'The request was refused', e.message);
  }
  return new ApiProblem(500, 'Internal', 'Internal error', 'See the API log for the request id');
}

export { PROBLEM_CONTENT_TYPE };
