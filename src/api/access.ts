import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiConfig } from '../config';
import { sandboxName } from '../request';
import { createAuthenticator, mayTouch, type Identified, type Principal } from './auth';
import { ApiProblem, invalid } from './problems';

/**
 * Who may call what: the rate limit (per API key, per address without one), the bearer-key check
 * of every route but the public ones, the codec endpoint's rule, and the sandbox scope of a key.
 */

declare module 'fastify' {
  interface FastifyRequest {
    identified?: Identified;
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Reachable without an API key (health, readiness, OpenAPI). */
    public?: boolean;
    /** The codec endpoint: a key for every sandbox, or none with API_CODEC_ANONYMOUS. */
    codec?: boolean;
  }
}

/** Route options of the routes reachable without a key and without the rate limit. */
export const publicRoute = { config: { public: true, rateLimit: false } } as const;

export async function registerAccess(app: FastifyInstance, config: ApiConfig): Promise<void> {
  const identify = createAuthenticator(config.API_KEYS, config.API_ALLOW_ANONYMOUS);

  // Who is calling, computed once: the rate limiter keys on it, the auth hook enforces it.
  const who = (request: FastifyRequest): Identified => {
    request.identified ??= identify(request.headers.authorization);
    return request.identified;
  };

  await app.register(rateLimit, {
    global: true,
    max: config.API_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    hook: 'onRequest',
    keyGenerator: (request) => {
      const w = who(request);
      return w.ok ? `key:${w.principal.id}` : `addr:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      new ApiProblem(
        429,
        'RateLimited',
        'Too many requests',
        `At most ${context.max} requests per minute per API key; retry after ${context.after}`,
      ),
  });

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    const w = who(request);
    if (request.routeOptions.config.codec && codecCaller(request, w, config.API_CODEC_ANONYMOUS)) {
      return;
    }
    if (!w.ok) throw unauthorized(w.reason);
    request.principal = w.principal;
    request.log.info({ apiKeyId: w.principal.id }, 'authenticated');
  });
}

/**
 * The codec endpoint's caller, set on the request when it may call; throws for a key scoped to
 * some sandboxes; false leaves the decision to the ordinary key check.
 */
function codecCaller(request: FastifyRequest, w: Identified, anonymous: boolean): boolean {
  // Payloads belong to no sandbox: decrypting them takes a key for every sandbox.
  if (w.ok && w.principal.sandboxes === '*') {
    request.principal = w.principal;
    request.log.info({ apiKeyId: w.principal.id }, 'authenticated');
    return true;
  }
  // The Temporal UI cannot send an API key (it can forward only its own login's token).
  if (anonymous) {
    request.principal = { id: 'codec-anonymous', sandboxes: '*' };
    return true;
  }
  if (w.ok) {
    throw new ApiProblem(
      403,
      'Forbidden',
      'This API key may not use the codec endpoint',
      `key ${w.principal.id} is scoped to ${(w.principal.sandboxes as string[]).join(', ')}; payloads belong to no sandbox, so the codec takes a key for every sandbox (*)`,
    );
  }
  return false;
}

function unauthorized(reason: 'missing' | 'malformed' | 'unknown'): ApiProblem {
  return new ApiProblem(
    401,
    'Unauthorized',
    'A valid API key is required',
    reason === 'missing'
      ? 'Send Authorization: Bearer <API key>'
      : reason === 'malformed'
        ? 'The Authorization header must be: Bearer <API key>'
        : 'The API key is not known',
    {},
    { 'www-authenticate': 'Bearer realm="aep-stream"' },
  );
}

/** The caller's key may touch `sandbox`, and `sandbox` is a sandbox name; throws otherwise. */
export function authorize(request: FastifyRequest, sandbox: string): void {
  const p = request.principal!;
  if (!mayTouch(p, sandbox)) {
    throw new ApiProblem(
      403,
      'Forbidden',
      'This API key may not touch this sandbox',
      `key ${p.id} is scoped to ${p.sandboxes === '*' ? 'every sandbox' : p.sandboxes.join(', ')}`,
    );
  }
  const ok = sandboxName.safeParse(sandbox);
  if (!ok.success) throw invalid([ok.error.issues[0]!.message]);
}
