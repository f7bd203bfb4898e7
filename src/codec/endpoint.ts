import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { publicRoute } from '../api/auth';
import { ApiProblem } from '../api/problems';
import type { ApiConfig } from '../config';
import { payloadCodecOf, PayloadEncryptionError } from '.';

/**
 * The codec endpoint of Temporal's codec server protocol, for the Web UI and CLI, mounted on the
 * HTTP API when PAYLOAD_ENCRYPTION_KEYS is set: `POST /codec/encode` and `/codec/decode` (the UI's
 * TEMPORAL_CODEC_ENDPOINT is `<API>/codec`) take and answer the Payloads message in protobuf's JSON
 * form. The API's access hook authenticates the POSTs (route config `codec`); this module owns the
 * protocol and CORS.
 *
 * CORS: the UI calls from the browser with a JSON body and `X-Namespace` (and `Authorization` when
 * it forwards its login's token), so every call is preflighted. Origins in API_CODEC_ORIGINS get
 * the CORS headers on the preflight and on successful answers; an error answer carries none, so
 * the UI falls back to showing the encoded payloads (it would otherwise read the problem document
 * as payloads). Any other origin is refused (403); calls without an Origin (CLI, curl) need none.
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
        z.object({
          metadata: z.record(z.string(), base64).nullish(),
          data: base64.nullish(),
        }),
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

const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

export function payloadToJson(p: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v ?? new Uint8Array())]),
    ),
    data: b64(p.data ?? new Uint8Array()),
  };
}

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
        .headers({
          ...corsHeaders(request),
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type, x-namespace, authorization',
          'access-control-max-age': '600',
        })
        .send(),
    );
    app.post(
      url,
      { config: { codec: true }, bodyLimit: CODEC_BODY_LIMIT_BYTES },
      async (request, reply) => {
        const cors = corsHeaders(request);
        checkNamespace(request, config.TEMPORAL_NAMESPACE);
        const out = await runCodec(codec, op, request.body);
        void reply.headers(cors);
        return { payloads: out.map(payloadToJson) };
      },
    );
  }
}

/** A UI of another namespace must not use this endpoint's keys. */
function checkNamespace(request: FastifyRequest, namespace: string): void {
  const ns = request.headers['x-namespace'];
  if (typeof ns === 'string' && ns !== '' && ns !== namespace) {
    throw new ApiProblem(
      400,
      'CodecNamespace',
      'The codec endpoint serves another namespace',
      `X-Namespace is ${ns.slice(0, 200)}; this endpoint serves ${namespace}`,
    );
  }
}

/** Encodes or decodes a Payloads document; a bad body or an undecodable payload is a 400. */
async function runCodec(
  codec: PayloadCodec,
  op: 'encode' | 'decode',
  raw: unknown,
): Promise<Payload[]> {
  const body = bodySchema.safeParse(raw);
  if (!body.success) {
    throw new ApiProblem(
      400,
      'CodecBadRequest',
      'The body is not a Payloads document',
      body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  const payloads = body.data.payloads.map(payloadFromJson);
  try {
    return await (op === 'encode' ? codec.encode(payloads) : codec.decode(payloads));
  } catch (err) {
    if (err instanceof PayloadEncryptionError) {
      throw new ApiProblem(
        400,
        `Codec${err.problem}`,
        'The payloads cannot be decoded',
        err.message,
      );
    }
    throw err;
  }
}
