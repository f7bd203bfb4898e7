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

const bodySchema = z.object(
  {
    payloads: z
      .array(
        z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() }),
        { error: 'payloads must be an array of payloads' },
      )
      .max(MAX_PAYLOADS, `at most ${MAX_PAYLOADS} payloads per call`),
  },
  { error: 'the body must be {"payloads": [...]}' },
);

type JsonPayload = { metadata?: Record<string, string> | null; data?: string | null };

export function payloadFromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

const b64 = (b?: Uint8Array | null) => Buffer.from(b ?? new Uint8Array()).toString('base64');

export function payloadToJson(p: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
    data: b64(p.data),
  };
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

  /** The CORS headers of the request's Origin; throws for a browser origin that may not call. */
  const corsHeaders = ({ headers: { origin } }: FastifyRequest) => {
    if (origin === undefined) return { vary: 'Origin' };
    if (!allowed.has(origin)) {
      throw new ApiProblem(
        403,
        'CodecOriginRefused',
        'This origin may not call the codec endpoint',
        `${origin.slice(0, 200)} is not in API_CODEC_ORIGINS`,
      );
    }
    // The UI may send cookies (TEMPORAL_CODEC_INCLUDE_CREDENTIALS) or its access token.
    return {
      vary: 'Origin',
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
    };
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
      if (typeof ns === 'string' && ns !== '' && ns !== config.TEMPORAL_NAMESPACE) {
        throw new ApiProblem(
          400,
          'CodecNamespace',
          'The codec endpoint serves another namespace',
          `X-Namespace is ${ns.slice(0, 200)}; this endpoint serves ${config.TEMPORAL_NAMESPACE}`,
        );
      }
      const body = bodySchema.safeParse(request.body);
      if (!body.success) {
        throw new ApiProblem(
          400,
          'CodecBadRequest',
          'The body is not a Payloads document',
          issueLines(body.error.issues).join('; '),
        );
      }
      const payloads = body.data.payloads.map(payloadFromJson);
      const out = await codec[op](payloads).catch((err: unknown) => {
        if (!(err instanceof PayloadEncryptionError)) throw err;
        const title = 'The payloads cannot be decoded';
        throw new ApiProblem(400, `Codec${err.problem}`, title, err.message);
      });
      void reply.headers(cors);
      return { payloads: out.map(payloadToJson) };
    });
  }
}
