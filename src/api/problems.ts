import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FailureSummary } from '../client';
import type { z } from 'zod';
import type { problemSchema } from './schemas';

/**
 * RFC 9457 problem details. Types are `urn:aep-stream:problem:<Type>` with the failure types of
 * the docs (README "Failure types") plus the HTTP-level ones below; docs/api.md lists them all.
 */

export type Problem = z.infer<typeof problemSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemType = (type: string) => `urn:aep-stream:problem:${type}`;

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

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  p: ApiProblem,
): FastifyReply {
  const body: Problem = {
    type: problemType(p.type),
    title: p.title,
    status: p.status,
    ...(p.detail !== undefined ? { detail: p.detail } : {}),
    instance: request.url,
    requestId: String(request.id),
    ...p.extra,
  };
  for (const [k, v] of Object.entries(p.headers)) void reply.header(k, v);
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

/**
 * HTTP status of a failed workflow, by its root cause: the caller's doing (4xx) or AEP's (502).
 */
const STATUS_OF_ROOT: Record<string, number> = {
  InvalidRequest: 422,
  SchemaNotFound: 422,
  DatasetMismatch: 422,
  ForeignResourceConflict: 409,
  ExistingSourceDiffers: 409,
  SourceNotFound: 404,
  Cancelled: 409,
};

export function workflowFailureProblem(
  f: FailureSummary,
  ids: { workflowId: string; runId: string },
): ApiProblem {
  const status = STATUS_OF_ROOT[f.rootType] ?? STATUS_OF_ROOT[f.type] ?? 502;
  const leftovers = leftoversOf(f.details);
  return new ApiProblem(status, f.type, titleOf(f.type), f.message, {
    failureType: f.type,
    rootCause: f.rootType,
    ...(leftovers ? { leftovers } : {}),
    workflowId: ids.workflowId,
    runId: ids.runId,
  });
}

export function leftoversOf(details: unknown): unknown[] | undefined {
  if (details && typeof details === 'object' && 'leftovers' in details) {
    const l = details.leftovers;
    if (Array.isArray(l)) return l as unknown[];
  }
  return undefined;
}

const TITLES: Record<string, string> = {
  ProvisioningFailed: 'Provisioning failed; what this run created was deleted',
  CompensationFailed: 'Provisioning failed and some resources were left behind',
  SourceNotFound: 'No such source',
  InvalidRequest: 'The request is invalid',
};

function titleOf(type: string): string {
  return TITLES[type] ?? `The workflow failed: ${type}`;
}
