import type { FastifyInstance } from 'fastify';
import type { ProvisioningClient } from '../../client';
import { InvalidRequestError } from '../../request';
import type { AnswerOperation } from '../operations';
import { sourceParams } from '../paths';
import { invalid } from '../problems';

/** PUT a source: start (or attach to) its provisioning to the desired state in the body. */
export function registerProvisionRoutes(
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
