import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Writable } from 'node:stream';
import Fastify, { type FastifyHttpOptions, type FastifyInstance } from 'fastify';
import type { ProvisioningClient } from '../client';
import type { ApiConfig } from '../config';
import { registerCodecRoutes } from '../codec/endpoint';
import { workflowPollers } from '../connection';
import { traceRequests } from '../telemetry';
import { publicRoute, registerAccess } from './auth';
import { buildOpenApi } from './openapi';
import {
  ApiProblem,
  errorMessage,
  invalid,
  registerProblemHandlers,
  sendProblem,
} from './problems';
import { registerSourceRoutes } from './routes/source';
import { registerReconcileRoutes, registerSetRoutes } from './routes/sets';
import { registerSourceListRoutes } from './routes/sources';

/** The HTTP API, a thin door onto ProvisioningClient: every rule is the library's. */
export type RouteModule = (app: FastifyInstance, c: ProvisioningClient, config: ApiConfig) => void;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** `logStream`: where JSON log lines go (default stderr); tests pass a stream to read them. */
type BuildApiOptions = { config: ApiConfig; client: ProvisioningClient; logStream?: Writable };

export async function buildApi({ config, client, logStream }: BuildApiOptions) {
  const app: FastifyInstance = Fastify(serverOptions(config, logStream));
  traceRequests(app); // a span per request when tracing is on (src/telemetry.ts)

  // JSON only: fastify's default text/plain parser would hand a string to the routes (415 instead).
  app.removeContentTypeParser('text/plain');
  // Fastify's JSON parser (__proto__ refused), and a bound on nesting: nothing here nests deeper,
  // and a deeper document would exhaust the stack of what serializes it.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    parseJson(request, body as string, (err: Error | null, value?: unknown) => {
      if (err) done(err, undefined);
      else if (depthOf(value) > MAX_JSON_DEPTH) {
        done(invalid([`the body nests deeper than ${MAX_JSON_DEPTH} levels`]), undefined);
      } else done(null, value);
    }),
  );

  app.addHook('onSend', async (request, reply) => {
    void reply.headers({
      'x-request-id': String(request.id),
      // Answers hold results and ids: never cached, never sniffed as another type.
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    // Refused before its body was read: close, so the unread rest holds no connection.
    if (!request.raw.complete) void reply.header('connection', 'close');
  });

  await registerAccess(app, config);
  registerProblemHandlers(app);

  for (const routes of [
    registerHealthRoutes,
    registerSourceRoutes,
    registerSourceListRoutes,
    registerSetRoutes,
    registerReconcileRoutes,
  ]) {
    routes(app, client, config);
  }
  registerCodecRoutes(app, config);
  app.server.maxConnections = config.API_MAX_CONNECTIONS;

  return app;
}

/** Deepest JSON body taken (a request with a smoke record nests about 10). */
const MAX_JSON_DEPTH = 64;

/** Nesting depth of a parsed JSON value, walked without recursion; stops past MAX_JSON_DEPTH. */
export function depthOf(value: unknown): number {
  let deepest = 0;
  const todo: Array<[unknown, number]> = [[value, 1]];
  while (todo.length > 0 && deepest <= MAX_JSON_DEPTH) {
    const [v, depth] = todo.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(v)) todo.push([child, depth + 1]);
  }
  return deepest;
}

/** Node's limits on slow and greedy clients (docs/api.md, "Limits"). */
function serverOptions(config: ApiConfig, logStream?: Writable): FastifyHttpOptions<Server> {
  const ms = (seconds: number) => seconds * 1000;
  return {
    bodyLimit: config.API_BODY_LIMIT_BYTES,
    requestTimeout: ms(config.API_REQUEST_TIMEOUT_SECONDS),
    connectionTimeout: ms(config.API_IDLE_TIMEOUT_SECONDS),
    keepAliveTimeout: ms(config.API_KEEP_ALIVE_TIMEOUT_SECONDS),
    // A busy client's connection is renewed now and then (spread over instances behind a balancer).
    maxRequestsPerSocket: 1000,
    http: {
      headersTimeout: ms(config.API_HEADERS_TIMEOUT_SECONDS),
      // Node checks both timeouts on this tick (its default, 30 s, would let them run that late).
      connectionsCheckingInterval: 1000,
    },
    routerOptions: { maxParamLength: 2048 },
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logger: {
      level: config.LOG_LEVEL,
      // Headers are never logged; these paths are redacted should one ever reach a log line.
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

/**
 * Health, readiness and the OpenAPI document: reachable without a key. Readiness asks Temporal, so
 * it spends the reads budget; where Temporal is and what it serves is told to a valid key only.
 */
const registerHealthRoutes: RouteModule = (app, client, config) => {
  app.get('/healthz', publicRoute, async () => ({ status: 'ok' as const }));

  app.get('/readyz', { config: { public: true } }, async (request, reply) => {
    const known = request.principal !== undefined;
    try {
      // A lazy connection to a dead address retries for a long time: answer within 3 s. The
      // deadline ends the call itself (no retry left running against a closed channel).
      const workers = await client.client.withDeadline(Date.now() + 3000, () =>
        workflowPollers(client.client, config.TEMPORAL_TASK_QUEUE),
      );
      if (!known) return { status: 'ok' as const };
      return {
        status: 'ok' as const,
        temporal: config.TEMPORAL_ADDRESS,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workers,
      };
    } catch (err) {
      request.log.warn({ err: errorMessage(err) }, 'Temporal unreachable');
      const detail = known
        ? `${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}) did not answer`
        : 'Temporal did not answer';
      const p = new ApiProblem(503, 'TemporalUnavailable', 'Temporal is not reachable', detail);
      return sendProblem(request, reply, p);
    }
  });

  const openapi = buildOpenApi();
  app.get('/openapi.json', publicRoute, async () => openapi);
};
