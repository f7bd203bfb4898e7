import type { FastifyInstance } from 'fastify';
import type { ProvisioningClient } from '../../client';
import type { ApiConfig } from '../../config';
import { workflowPollers } from '../../connection';
import { publicRoute } from '../auth';
import { buildOpenApi } from '../openapi';
import { ApiProblem, errorMessage, sendProblem } from '../problems';

/** Health, readiness and the OpenAPI document: reachable without a key. */
export function registerHealthRoutes(
  app: FastifyInstance,
  client: ProvisioningClient,
  config: ApiConfig,
): void {
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
}
