import type { FastifyInstance } from 'fastify';
import { payloadCodecOf } from '../../codec';
import { registerCodecRoutes } from '../../codec/endpoint';
import type { ApiConfig } from '../../config';

/** Where the codec endpoint is mounted: the UI's TEMPORAL_CODEC_ENDPOINT is `<API>/codec`. */
export const CODEC_PREFIX = '/codec';

/**
 * The codec endpoint for the Temporal UI and CLI, when PAYLOAD_ENCRYPTION_KEYS is set: the
 * protocol and CORS are src/codec/endpoint.ts's, the API's access hook guards the POSTs.
 */
export function registerCodecEndpoint(app: FastifyInstance, config: ApiConfig): void {
  const codec = payloadCodecOf(config);
  if (!codec) return;
  registerCodecRoutes(app, {
    codec,
    namespace: config.TEMPORAL_NAMESPACE,
    origins: config.API_CODEC_ORIGINS,
    prefix: CODEC_PREFIX,
    postConfig: { codec: true },
    preflightConfig: { public: true, rateLimit: false },
  });
}
