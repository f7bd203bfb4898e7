/**
 * The Adobe I/O gateway in front of Platform APIs: the checks every Platform call passes before a
 * service sees it, in the order a client meets them, and the sandbox resolution that picks the
 * caller's (org, sandbox) scope.
 */
import type { FastifyRequest } from 'fastify';
import { accountOf, type EmulatorContext } from './context';
import { sandboxHeaderMissing, sandboxNotFound } from './errors/flow';
import {
  apiKeyInvalid,
  apiKeyMissing,
  contentTypeInvalid,
  orgMissing,
  orgNotEntitled,
  tokenInvalid,
  tokenMissing,
} from './errors/gateway';
import type { Scope } from './state';

const BEARER_RE = /^Bearer\s+(\S+)\s*$/i;
const JSON_TYPE_RE = /^application\/(?:json|[\w.+-]*\+json)\s*(?:;|$)/i;

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function bearerToken(req: FastifyRequest): string | undefined {
  const auth = header(req, 'authorization');
  if (auth === undefined || auth.trim() === '') return undefined;
  return BEARER_RE.exec(auth)?.[1] ?? '';
}

/** Throws the gateway's (or Flow Service's sandbox) error, or returns the caller's scope. */
export function checkGateway(ctx: EmulatorContext, req: FastifyRequest): Scope {
  const token = bearerToken(req);
  if (token === undefined) throw tokenMissing();
  const apiKey = header(req, 'x-api-key');
  if (!apiKey) throw apiKeyMissing();
  const account = accountOf(ctx.opts, apiKey);
  if (!account) throw apiKeyInvalid();
  if (token === '' || ctx.tokens.check(token) !== 'valid') throw tokenInvalid();
  const org = header(req, 'x-gw-ims-org-id');
  if (!org) throw orgMissing();
  if (org !== account.orgId) throw orgNotEntitled();
  return ctx.state.scope(org, resolveSandbox(ctx, req));
}

/**
 * A missing x-sandbox-name resolves to `prod` (Flow Service docs) or fails with `2105-400` (its
 * error catalog), per the `missingSandbox` option; an unknown name fails with `2100-404`.
 */
export function resolveSandbox(ctx: EmulatorContext, req: FastifyRequest): string {
  let name = header(req, 'x-sandbox-name');
  if (name === undefined || name === '') {
    if (ctx.opts.missingSandbox === 'error') throw sandboxHeaderMissing();
    name = 'prod';
  }
  if (!ctx.opts.sandboxes.includes(name)) throw sandboxNotFound(name);
  return name;
}

/** POST/PUT/PATCH carrying a body must declare a JSON content type. */
export function checkContentType(req: FastifyRequest): void {
  if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return;
  const length = header(req, 'content-length');
  const hasBody =
    (length !== undefined && length !== '0') || header(req, 'transfer-encoding') !== undefined;
  if (!hasBody) return;
  const type = header(req, 'content-type');
  if (type === undefined || !JSON_TYPE_RE.test(type)) throw contentTypeInvalid();
}
