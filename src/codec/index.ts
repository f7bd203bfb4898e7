import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './aes-gcm-codec';
import type { PayloadKeyRing } from './keys';

/**
 * The one place that turns the configuration into Temporal's data converter: the worker
 * (src/worker.ts), the client library, the CLI and the HTTP API (src/connection.ts) all take it
 * from here, so what one side encrypts every other side decrypts. No key configured: undefined,
 * Temporal's default converter, nothing encrypted.
 *
 * The payload codec runs outside the workflow sandbox (the worker encodes what workflow code
 * produced and decodes what it receives), so the workflow bundle is the same with or without it.
 */

export {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  isEncrypted,
} from './aes-gcm-codec';
export { PayloadEncryptionError } from './aes-gcm-codec';
export { parsePayloadKeys, PayloadKeyRing } from './keys';

export interface EncryptionSettings {
  PAYLOAD_ENCRYPTION_KEYS?: PayloadKeyRing;
}

/** The payload codec of the configuration, or undefined when no key is configured. */
export function payloadCodecOf(config: EncryptionSettings): AesGcmPayloadCodec | undefined {
  const keys = config.PAYLOAD_ENCRYPTION_KEYS;
  return keys ? new AesGcmPayloadCodec(keys) : undefined;
}

/** Temporal's data converter for the configuration (undefined: the SDK's default). */
export function dataConverterOf(config: EncryptionSettings): DataConverter | undefined {
  const codec = payloadCodecOf(config);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
