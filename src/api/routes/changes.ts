import type { FastifyInstance } from 'fastify';
import type { ProvisioningClient } from '../../client';
import { InvalidRequestError } from '../../request';
import type { AnswerOperation } from '../operations';
import { checkName, sourceParams } from '../paths';
import { invalid } from '../problems';

/**
 * The two calls that change a source, each answered with the operation it started or attached to
 * (202): PUT starts its provisioning to the desired state in the body, DELETE its teardown.
 */
export function registerChangeRoutes(
  app: FastifyInstance,
  client: ProvisioningClient,
  answer: AnswerOperation,
): void {
  app.put('/v1/sandboxes/:sandbox/sources/:name', async (request, reply) => {
    const { sandbox, name } = sourceParams(request);
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw invalid(['the body must be a JSON object (the request, see /openapi.json)']);
    }
    const given = body as Record<string, unknown>;
    const problems = pathMismatches(given, sandbox, name);
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

  app.delete('/v1/sandboxes/:sandbox/sources/:name', async (request, reply) => {
    const { sandbox, name } = sourceParams(request);
    checkName(name);
    const deleteDataset = deleteDatasetParam(request.query);
    const started = await client.startDeprovision({
      name,
      sandbox,
      ...(deleteDataset ? { deleteDataset: true } : {}),
    });
    return answer(request, reply, 'deprovision', sandbox, name, started);
  });
}

/** `?deleteDataset=true|false` (absent: false); anything else is refused, nothing started. */
function deleteDatasetParam(query: unknown): boolean {
  const value = (query as Record<string, unknown> | undefined)?.deleteDataset;
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw invalid([`deleteDataset: must be true or false, not ${JSON.stringify(value)}`]);
}

/** A name or sandbox in the body must be the path's. */
function pathMismatches(given: Record<string, unknown>, sandbox: string, name: string): string[] {
  const problems: string[] = [];
  if (given.name !== undefined && given.name !== name) {
    problems.push(`name: the body names ${JSON.stringify(given.name)}, the path ${name}`);
  }
  if (given.sandbox !== undefined && given.sandbox !== sandbox) {
    problems.push(`sandbox: the body names ${JSON.stringify(given.sandbox)}, the path ${sandbox}`);
  }
  return problems;
}
