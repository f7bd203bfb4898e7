import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ProvisioningClient } from '../client';
import type { ApiConfig } from '../config';
import { registerCodecRoutes } from '../codec/endpoint';
import { workflowPollers } from '../connection';
import { traceRequests } from '../telemetry';
import { publicRoute, registerAccess } from './auth';
import { buildOpenApi } from './openapi';
import { ApiProblem, errorMessage, registerProblemHandlers, sendProblem } from './problems';
import { registerSourceRoutes } from './routes/source';
import { registerSourceListRoutes } from './routes/sources';

/**
 * The HTTP API (`npm run api`), a thin door onto ProvisioningClient: every rule is the library's,
 * so HTTP, CLI and TypeScript callers get the same answers.
 */

/** A module of routes over the provisioning client. */
export type RouteModule = (app: FastifyInstance, c: ProvisioningClient, config: ApiConfig) => void;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** `logStream`: where JSON log lines go (default stderr); tests pass a stream to read them. */
type BuildApiOptions = { config: ApiConfig; client: ProvisioningClient; logStream?: Writable };

export async function buildApi({ config, client, logStream }: BuildApiOptions) {
  const app: FastifyInstance = Fastify(serverOptions(config, logStream));
  traceRequests(app); // a span per request when tracing is on (src/telemetry.ts)

  // JSON only: fastify's default text/plain parser would hand a string to the routes (415 instead).
  app.removeContentTypeParser('text/plain');

  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', String(request.id));
  });

  await registerAccess(app, config);
  registerProblemHandlers(app);

  for (const routes of [registerHealthRoutes, registerSourceRoutes, registerSourceListRoutes]) {
    routes(app, client, config);
  }
  registerCodecRoutes(app, config);

  return app;
}

function serverOptions(config: ApiConfig, logStream?: Writable): FastifyServerOptions {
  return {
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
      ...(logStream ? { stream: logStream } : {}),
    },
  };
}

/** Health, readiness and the OpenAPI document: reachable without a key. */
const registerHealthRoutes: RouteModule = (app, client, config) => {
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
      const detail = `${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}) did not answer`;
      const p = new ApiProblem(503, 'TemporalUnavailable', 'Temporal is not reachable', detail);
      return sendProblem(request, reply, p);
    }
  });

  const openapi = buildOpenApi();
  app.get('/openapi.json', publicRoute, async () => openapi);
};
