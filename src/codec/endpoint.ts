import type { Payload } from '@temporalio/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { publicRoute } from '../api/auth';
import { ApiProblem, issueLines } from '../api/problems';
import type { ApiConfig } from '../config';
import { payloadCodecOf, PayloadEncryptionError } from '.';

/**
 * Temporal's codec server protocol for the Web UI and CLI (`POST /codec/encode|decode`, Payloads
 * in protobuf's JSON form), mounted when PAYLOAD_ENCRYPTION_KEYS is set; the API's access hook
 * authenticates the POSTs (route config `codec`). CORS as docs/encryption.md, "CORS", says: an
 * error carries no CORS header, so the UI shows the encoded payloads instead of reading the
 * problem as payloads.
 */

export const CODEC_PREFIX = '/codec';
/** Temporal's payload size limit is 2 MB; base64 adds a third, several payloads ride together. */
const CODEC_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
const MAX_PAYLOADS = 1000;

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const jsonPayload = z.object({
  metadata: z.record(z.string(), base64).nullish(),
  data: base64.nullish(),
});
const bodySchema = z.object(
  {
    payloads: z
      .array(jsonPayload, { error: 'payloads must be an array of payloads' })
      .max(MAX_PAYLOADS, `at most ${MAX_PAYLOADS} payloads per call`),
  },
  { error: 'the body must be {"payloads": [...]}' },
);

const mapValues = <A, B>(o: Record<string, A>, f: (a: A) => B) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
const bytes = (s?: string | null) => Buffer.from(s ?? '', 'base64');
const b64 = (b?: Uint8Array | null) => Buffer.from(b ?? new Uint8Array()).toString('base64');

export function payloadFromJson(p: z.output<typeof jsonPayload>): Payload {
  return { metadata: mapValues(p.metadata ?? {}, bytes), data: bytes(p.data) };
}

export function payloadToJson(p: Payload): { metadata: Record<string, string>; data: string } {
  return { metadata: mapValues(p.metadata ?? {}, b64), data: b64(p.data) };
}

const PREFLIGHT = {
  'access-control-allow-methods': 'POST',
  'access-control-allow-headers': 'content-type, x-namespace, authorization',
  'access-control-max-age': '600',
};

export function registerCodecRoutes(app: FastifyInstance, config: ApiConfig): void {
  const codec = payloadCodecOf(config);
  if (!codec) return;
  const allowed = new Set(config.API_CODEC_ORIGINS);
  const refuse = (status: number, type: string, title: string, detail: string) => {
    throw new ApiProblem(status, type, title, detail);
  };

  /** The CORS headers of the request's Origin; throws for a browser origin that may not call. */
  const corsHeaders = ({ headers: { origin } }: FastifyRequest) => {
    if (origin === undefined) return { vary: 'Origin' };
    if (!allowed.has(origin)) {
      const detail = `${origin.slice(0, 200)} is not in API_CODEC_ORIGINS`;
      refuse(403, 'CodecOriginRefused', 'This origin may not call the codec endpoint', detail);
    }
    // The UI may send cookies (TEMPORAL_CODEC_INCLUDE_CREDENTIALS) or its access token.
    const allow = {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
    };
    return { vary: 'Origin', ...allow };
  };

  for (const op of ['encode', 'decode'] as const) {
    const url = `${CODEC_PREFIX}/${op}`;
    // Public: a browser sends the preflight without credentials.
    app.options(url, publicRoute, async (request, reply) =>
      reply
        .code(204)
        .headers({ ...corsHeaders(request), ...PREFLIGHT })
        .send(),
    );
    const options = { config: { codec: true }, bodyLimit: CODEC_BODY_LIMIT_BYTES };
    app.post(url, options, async (request, reply) => {
      const cors = corsHeaders(request);
      // A UI of another namespace must not use this endpoint's keys.
      const ns = request.headers['x-namespace'];
      const served = config.TEMPORAL_NAMESPACE;
      if (typeof ns === 'string' && ns !== '' && ns !== served) {
        const detail = `X-Namespace is ${ns.slice(0, 200)}; this endpoint serves ${served}`;
        refuse(400, 'CodecNamespace', 'The codec endpoint serves another namespace', detail);
      }
      const body = bodySchema.safeParse(request.body);
      if (!body.success) {
        const detail = issueLines(body.error.issues).join('; ');
        return refuse(400, 'CodecBadRequest', 'The body is not a Payloads document', detail);
      }
      const out = await codec[op](body.data.payloads.map(payloadFromJson)).catch((err: unknown) => {
        if (!(err instanceof PayloadEncryptionError)) throw err;
        return refuse(400, `Codec${err.problem}`, 'The payloads cannot be decoded', err.message);
      });
      void reply.headers(cors);
      return { payloads: out.map(payloadToJson) };
    });
  }
}
