/**
 * zod-validated request bodies. The first issue is turned into the calling service's own error
 * shape by `toError`, so a client always gets its service's 400, never a generic one.
 */
import type { z } from 'zod';
import type { HttpError } from './errors/http-error';

export interface BodyIssue {
  /** Dotted path of the offending field (`auth.params.dataType`), or `body` for the root. */
  path: string;
  /** The field is absent (as opposed to present with a wrong value). */
  missing: boolean;
  message: string;
}

export function parseBody<S extends z.ZodType>(
  schema: S,
  body: unknown,
  toError: (issue: BodyIssue) => HttpError,
): z.infer<S> {
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  const missing = issue?.code === 'invalid_type' && issue.input === undefined;
  throw toError({ path, missing, message: issue?.message ?? 'invalid body' });
}

export const isEmptyBody = (body: unknown): boolean =>
  body === undefined ||
  body === null ||
  (typeof body === 'object' && Object.keys(body).length === 0 && !Array.isArray(body));

/** Query parameters arrive as a string, or an array of strings when repeated. */
export function queryList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export const queryFirst = (value: unknown): string | undefined => queryList(value)[0];
