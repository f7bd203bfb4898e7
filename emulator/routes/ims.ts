/**
 * IMS OAuth server-to-server token endpoint, `POST /ims/token/v3`: form-encoded (or query-string)
 * `grant_type=client_credentials`, `client_id`, `client_secret`, `scope`, all mandatory.
 * 200 `{access_token, token_type: "bearer", expires_in}` (seconds); missing field or other grant →
 * 400, wrong credentials → 401 `invalid_client`.
 */
import type { FastifyInstance } from 'fastify';
import { accountOf, type EmulatorContext } from '../context';
import { IMS_TOKEN_PATH } from '../errors/http-error';
import { invalidClient, missingParameter, unsupportedGrant } from '../errors/ims';
import { queryFirst } from '../validation';

type Field = 'grant_type' | 'client_id' | 'client_secret' | 'scope';

export function registerIms(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post(IMS_TOKEN_PATH, async (req) => {
    const isForm = /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '');
    const body =
      isForm && req.body !== null && typeof req.body === 'object'
        ? (req.body as Record<string, unknown>)
        : {};
    const query = req.query as Record<string, unknown>;
    const field = (name: Field): string | undefined => {
      const s = queryFirst(body[name]) ?? queryFirst(query[name]);
      return s === '' ? undefined : s;
    };
    const grant = field('grant_type');
    if (grant === undefined) throw missingParameter('grant_type');
    if (grant !== 'client_credentials') throw unsupportedGrant(grant);
    const clientId = field('client_id');
    if (clientId === undefined) throw missingParameter('client_id');
    const secret = field('client_secret');
    if (secret === undefined) throw missingParameter('client_secret');
    if (field('scope') === undefined) throw missingParameter('scope');
    if (accountOf(ctx.opts, clientId)?.clientSecret !== secret) throw invalidClient();
    const token = ctx.tokens.issue(clientId, ctx.opts.tokenLifetimeSeconds);
    return { access_token: token, token_type: 'bearer', expires_in: ctx.opts.tokenLifetimeSeconds };
  });
}
