import type { FastifyRequest } from 'fastify';
import { provisionRequestSchema } from '../request';
import { authorize } from './access';
import { invalid } from './problems';

/** A source's URL, and its path parameters checked before any lookup. */

export const sourcePath = (sandbox: string, name: string) =>
  `/v1/sandboxes/${encodeURIComponent(sandbox)}/sources/${encodeURIComponent(name)}`;

/** The sandbox and name of the path, the caller's key allowed to touch the sandbox. */
export function sourceParams(request: FastifyRequest): { sandbox: string; name: string } {
  const { sandbox, name } = request.params as { sandbox: string; name: string };
  authorize(request, sandbox);
  return { sandbox, name };
}

const NAME_ONLY = provisionRequestSchema.pick({ name: true, sandbox: true });

/** Names in the path are held to the request's rules before any lookup. */
export function checkName(name: string): void {
  const probe = { name, sandbox: 'prod' };
  const r = NAME_ONLY.safeParse(probe);
  if (!r.success) throw invalid(r.error.issues.map((i) => i.message));
}
