/**
 * The emulator's HTTP server: one fastify instance serving IMS, Platform, DCS and the control API
 * on a single origin. Cross-cutting behaviour lives in the hooks below, in the order a real call
 * meets it: counting → base latency and fault rules → gateway checks → the service's handler →
 * commit-then-fail replacement of the answer.
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorContext } from './context';
import { familyError } from './errors';
import { payloadTooLarge } from './errors/dcs';
import { gatewayTimeout, tooManyRequests } from './errors/gateway';
import { type Family, familyOf, HttpError, isPlatform } from './errors/http-error';
import { checkContentType, checkGateway } from './gateway';
import { requestId } from './ids';
import { registerCatalog } from './routes/catalog';
import { registerControl } from './routes/control';
import { registerDataPrep } from './routes/dataprep';
import { registerDcs } from './routes/dcs';
import { registerFlowService } from './routes/flowservice';
import { registerIms } from './routes/ims';
import { registerSchemaRegistry } from './routes/schemaregistry';

const pathOf = (url: string): string => {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
};

function sandboxForFaults(
  ctx: EmulatorContext,
  req: FastifyRequest,
  family: Family,
  path: string,
): string {
  const header = req.headers['x-sandbox-name'];
  if (typeof header === 'string' && header !== '') return header;
  if (family === 'dcs') {
    const inletId = path.split('/').pop() ?? '';
    const binding = ctx.state.inlets.get(inletId);
    if (binding) return binding.scope.sandbox;
  }
  return 'prod';
}

function sendError(reply: FastifyReply, err: HttpError): FastifyReply {
  return reply.code(err.status).headers(err.headers).send(err.body);
}

/** Parses JSON bodies; an empty body is "no body" (actions are POSTed without one). */
function jsonParser(
  _req: FastifyRequest,
  body: string,
  done: (err: Error | null, value?: unknown) => void,
) {
  if (body.trim() === '') {
    done(null, undefined);
    return;
  }
  try {
    done(null, JSON.parse(body) as unknown);
  } catch (err) {
    const e = new Error(`Malformed JSON body: ${(err as Error).message}`) as Error & {
      statusCode: number;
    };
    e.statusCode = 400;
    done(e);
  }
}

export async function buildServer(ctx: EmulatorContext): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    // Platform bodies are small; DCS routes set their own 1 MiB limit.
    bodyLimit: 8 * 1024 * 1024,
    // URL-encoded schema `$id`s are long path parameters.
    routerOptions: { maxParamLength: 2048 },
    keepAliveTimeout: 65_000,
    // Keep-alive sockets of clients must not hold close() open.
    forceCloseConnections: true,
  });

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      ctx.routes.push({ method, url: route.url });
    }
  });

  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonParser);
  app.addContentTypeParser(/^application\/[\w.+-]*\+json/i, { parseAs: 'string' }, jsonParser);
  await app.register(formbody);

  app.decorateRequest('emu', null as unknown as FastifyRequest['emu']);

  app.addHook('onRequest', async (req, reply) => {
    req.emu = { scope: null, commitThenFail: null, inlet: null, slowCommitMs: 0, listLagMs: 0 };
    const path = pathOf(req.url);
    const family = familyOf(path);
    if (family === 'control') return;
    ctx.stats.hit(`${req.method} ${req.routeOptions.url ?? path}`);
    if (isPlatform(family)) {
      const org = req.headers['x-gw-ims-org-id'];
      ctx.stats.platformRequest(typeof org === 'string' && org ? org : '(none)', performance.now());
    }
    // Every answer names its request: the caller's `x-request-id` when it sent one, else a new id.
    const given = req.headers['x-request-id'];
    void reply.header('x-request-id', typeof given === 'string' && given ? given : requestId());

    const decision =
      ctx.faults.size === 0
        ? undefined
        : ctx.faults.evaluate(req.method, path, sandboxForFaults(ctx, req, family, path));
    const delay = ctx.latencyMs + (decision?.latencyMs ?? 0);
    if (delay > 0) await sleep(delay);

    req.emu.listLagMs = decision?.listLagMs ?? 0;
    const outcome = decision?.outcome;
    if (outcome) {
      switch (outcome.type) {
        case 'slowCommit':
          req.emu.slowCommitMs = outcome.ms;
          break;
        case 'commitThen504':
          req.emu.commitThenFail = 'gateway504';
          req.emu.failBody = outcome.body;
          break;
        case 'drop':
          reply.hijack();
          req.raw.socket.destroy();
          return;
        case 'commitThenFail':
          req.emu.commitThenFail = outcome.mode;
          break;
        case 'status': {
          const retryAfter = outcome.retryAfterSeconds ?? (outcome.status === 429 ? 1 : undefined);
          const base =
            outcome.status === 429 && isPlatform(family)
              ? tooManyRequests(retryAfter ?? 1)
              : familyError(family, outcome.status, `Injected fault: HTTP ${outcome.status}`);
          const headers = {
            ...base.headers,
            ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
          };
          throw new HttpError(outcome.status, outcome.body ?? base.body, headers);
        }
      }
    }

    if (isPlatform(family)) {
      req.emu.scope = checkGateway(ctx, req);
      checkContentType(req);
    }
  });

  // slowCommit: wait after the body was read, then let the handler commit. The wait does not
  // watch the client: a caller that timed out and went away still gets its write, late.
  app.addHook('preHandler', async (req) => {
    const ms = req.emu?.slowCommitMs ?? 0;
    if (ms > 0) await sleep(ms);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const mode = req.emu?.commitThenFail;
    if (!mode) return payload;
    req.emu.commitThenFail = null;
    if (mode === 'drop') {
      req.raw.socket.destroy();
      return payload;
    }
    if (mode === 'gateway504') {
      reply.code(504).header('content-type', 'application/json; charset=utf-8');
      return JSON.stringify(req.emu.failBody ?? gatewayTimeout().body);
    }
    const err = familyError(
      familyOf(pathOf(req.url)),
      500,
      'Injected fault: the request was committed, then failed',
    );
    reply.code(500).header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify(err.body);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof HttpError) return sendError(reply, err);
    const family = familyOf(pathOf(req.url));
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    if (family === 'dcs' && err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, payloadTooLarge(ctx.opts.inletBodyLimitBytes));
    }
    return sendError(reply, familyError(family, status, err.message));
  });

  app.setNotFoundHandler((req, reply) => {
    const path = pathOf(req.url);
    return sendError(
      reply,
      familyError(familyOf(path), 404, `No such endpoint: ${req.method} ${path}`),
    );
  });

  registerIms(app, ctx);
  registerFlowService(app, ctx);
  registerCatalog(app, ctx);
  registerSchemaRegistry(app, ctx);
  registerDataPrep(app, ctx);
  registerDcs(app, ctx);
  registerControl(app, ctx);
  return app;
}
