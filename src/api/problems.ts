import { WorkflowNotFoundError, isGrpcServiceError } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { RequestConflictError, type FailureSummary } from '../client';
import { InvalidRequestError } from '../request';
import { errorMessage } from '../shared/failures';
import type { problemSchema } from './schemas';

/** RFC 9457 problem details, of type `urn:aep-stream:problem:<Type>` (docs/api.md lists them). */

type Problem = z.infer<typeof problemSchema>;

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Partial<Problem> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = 'ApiProblem';
  }
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, p: ApiProblem) {
  const body: Problem = {
    type: `urn:aep-stream:problem:${p.type}`,
    title: p.title,
    status: p.status,
    detail: p.detail,
    instance: request.url,
    requestId: String(request.id),
    ...p.extra,
  };
  return reply.code(p.status).headers(p.headers).type('application/problem+json').send(body);
}

/** HTTP status of a failed workflow by its root cause: the caller's doing (4xx) or AEP's (502). */
const STATUS_OF_ROOT: Record<string, number> = {
  InvalidRequest: 422,
  SchemaNotFound: 422,
  DatasetMismatch: 422,
  ForeignResourceConflict: 409,
  ExistingSourceDiffers: 409,
  SourceNotFound: 404,
  Cancelled: 409,
};

const TITLES: Record<string, string> = {
  ProvisioningFailed: 'Provisioning failed; what this run created was deleted',
  CompensationFailed: 'Provisioning failed and some resources were left behind',
  SourceNotFound: 'No such source',
  InvalidRequest: 'The request is invalid',
};

export function workflowFailureProblem(
  f: FailureSummary,
  ids: { workflowId: string; runId: string },
): ApiProblem {
  const status = STATUS_OF_ROOT[f.rootType] ?? STATUS_OF_ROOT[f.type] ?? 502;
  const title = TITLES[f.type] ?? `The workflow failed: ${f.type}`;
  return new ApiProblem(status, f.type, title, f.message, {
    failureType: f.type,
    rootCause: f.rootType,
    leftovers: leftoversOf(f.details),
    workflowId: ids.workflowId,
    runId: ids.runId,
  });
}

export const leftoversOf = (details: unknown): unknown[] | undefined =>
  [(details as { leftovers?: unknown } | null | undefined)?.leftovers].find(Array.isArray);

/** A document's zod issues, one line each: `path: message` (`body: …` for the whole). */
export const issueLines = (issues: readonly z.core.$ZodIssue[]) =>
  issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);

export function invalid(errors: string[]) {
  const detail = `${errors.length} problem(s): ${errors.join('; ')}`;
  return new ApiProblem(422, 'InvalidRequest', 'The request is invalid', detail, { errors });
}

const sourceNotFound = (detail: string) =>
  new ApiProblem(404, 'SourceNotFound', 'No such source', detail);

export const noSuchSource = (sandbox: string, name: string) =>
  sourceNotFound(`No provisioning of "${name}" in sandbox ${sandbox}`);

/** `Retry-After` of a wait that ran out (seconds): a retry waits again, up to the cap. */
export const RETRY_AFTER = '10';

export { errorMessage };

/** Unknown endpoints and every error a route throws answer with a problem document. */
export function registerProblemHandlers(app: FastifyInstance): void {
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
}

const FASTIFY_PROBLEMS: Record<number, (message?: string) => ApiProblem> = {
  400: (m) => new ApiProblem(400, 'MalformedRequest', 'The body is not valid JSON', m),
  413: (m) => new ApiProblem(413, 'BodyTooLarge', 'The body is too large', m),
  415: (m) =>
    new ApiProblem(415, 'UnsupportedMediaType', 'Send the request as application/json', m),
};

/** Any error to a problem: the API's own, fastify's (body, media type), the library's, Temporal's. */
export function toProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (error instanceof InvalidRequestError) return invalid(error.problems);
  if (error instanceof WorkflowNotFoundError) return sourceNotFound(error.message);
  if (error instanceof RequestConflictError) {
    const title = 'A different request for this source is in flight';
    return new ApiProblem(409, 'RequestConflict', title, error.message);
  }
  const e = error as { statusCode?: number; message?: string };
  const fastify = FASTIFY_PROBLEMS[e.statusCode ?? 0];
  if (fastify) return fastify(e.message);
  if (isGrpcServiceError(error) || (error instanceof Error && error.name === 'ServiceError')) {
    const detail = 'The Temporal frontend did not answer; retry later';
    return new ApiProblem(503, 'TemporalUnavailable', 'Temporal is not reachable', detail);
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    return new ApiProblem(e.statusCode, 'BadRequest', 'The request was refused', e.message);
  }
  return new ApiProblem(500, 'Internal', 'Internal error', 'See the API log for the request id');
}
