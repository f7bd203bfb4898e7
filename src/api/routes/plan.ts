import type { FastifyInstance } from 'fastify';
import type { ProvisioningClient } from '../../client';
import { checkName, sourceParams } from '../paths';

/** POST a source's plan: what a PUT of this body would do, per resource (read-only). */
export function registerPlanRoutes(app: FastifyInstance, client: ProvisioningClient): void {
  app.post('/v1/sandboxes/:sandbox/sources/:name/plan', async (request) => {
    const { sandbox, name } = sourceParams(request);
    checkName(name);
    const given = (request.body ?? {}) as Record<string, unknown>;
    return client.plan({ ...given, name, sandbox });
  });
}
