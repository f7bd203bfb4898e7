import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ProvisioningClient } from '../client';
import type { ApiConfig } from '../config';
import { registerCodecRoutes } from '../codec/endpoint';
import { registerAccess } from './auth';
import { registerProblemHandlers } from './problems';
import { registerHealthRoutes } from './routes/health';
import { registerSourceRoutes } from './routes/source';
import { registerSourceListRoutes } from './routes/sources';

/**
 * The HTTP API (`npm run api`): fastify, with @fastify/rate-limit, problem details from one error
 * handler, bearer API keys scoped to sandboxes. It is a thin door onto ProvisioningClient: every
 * rule (validation, idempotent start, conflicts) is the library's, so HTTP, CLI and TypeScript
 * callers get the same answers. `buildApi` assembles the modules of this folder: auth (rate
 * limit, keys), problems (errors), the route modules in routes/ and the codec endpoint.
 */

interface BuildApiOptions {
  config: ApiConfig;
  client: ProvisioningClient;
  /** Where JSON log lines go (default stderr); tests pass a stream to read them. */
  logStream?: Writable;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApi(opts: BuildApiOptions): Promise<FastifyInstance> {
  const { config, client } = opts;
  const app = Fastify(serverOptions(config, opts.logStream));

  // JSON only: fastify's default text/plain parser would hand a string to the routes (415 instead).
  app.removeContentTypeParser('text/plain');

  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', String(request.id));
  });

  await registerAccess(app, config);
  registerProblemHandlers(app);

  registerHealthRoutes(app, client, config);
  registerSourceRoutes(app, client, config);
  registerSourceListRoutes(app, client, config);
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
