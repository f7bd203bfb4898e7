import type { FastifyInstance } from 'fastify';
import type { ProvisioningClient } from '../../client';
import type { AnswerOperation } from '../operations';
import { checkName, sourceParams } from '../paths';

/** DELETE a source: start (or attach to) its teardown. */
export function registerTeardownRoutes(
  app: FastifyInstance,
  client: ProvisioningClient,
  answer: AnswerOperation,
): void {
  app.delete('/v1/sandboxes/:sandbox/sources/:name', async (request, reply) => {
    const { sandbox, name } = sourceParams(request);
    checkName(name);
    const started = await client.startDeprovision({ name, sandbox });
    return answer(request, reply, 'deprovision', sandbox, name, started);
  });
}
