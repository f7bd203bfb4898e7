import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { Field, MapField, Type } from 'protobufjs';
import type { PayloadKeyRing } from './keys';

export { parsePayloadKeys, PayloadKeyRing } from './keys';

/**
 * AES-256-GCM payload codec, and the one place that turns the configuration into Temporal's data
 * converter (no key: undefined, the SDK's default). Each payload is sealed whole (nonce ‖
 * ciphertext ‖ tag, the key id as AAD) with the ring's current key, as docs/encryption.md shows;
 * decoding uses the key the metadata names; unmarked payloads pass through.
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const PayloadMessage = new Type('Payload')
  .add(new MapField('metadata', 1, 'string', 'bytes'))
  .add(new Field('data', 2, 'bytes'));

export class PayloadEncryptionError extends Error {
  override name = 'PayloadEncryptionError';
  constructor(
    readonly problem: 'UnknownKeyId' | 'Tampered' | 'Malformed',
    message: string,
  ) {
    super(message);
  }
}

const utf8 = (b: Uint8Array | null | undefined) =>
  b ? Buffer.from(b).toString('utf8') : undefined;

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(readonly keys: PayloadKeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const id = this.keys.currentId;
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.keys.key(id)!, nonce);
      cipher.setAAD(Buffer.from(id, 'utf8'));
      const plain = PayloadMessage.encode({ ...payload, data: payload.data ?? new Uint8Array() });
      const sealed = [nonce, cipher.update(plain.finish()), cipher.final(), cipher.getAuthTag()];
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING, 'utf8'),
          [KEY_ID_METADATA]: Buffer.from(id, 'utf8'),
        },
        data: Buffer.concat(sealed),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) =>
      utf8(p.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING ? this.decrypt(p) : p,
    );
  }

  private decrypt(payload: Payload): Payload {
    const fail = (problem: PayloadEncryptionError['problem'], message: string) => {
      throw new PayloadEncryptionError(problem, message);
    };
    const id = utf8(payload.metadata?.[KEY_ID_METADATA]);
    if (id === undefined) {
      return fail(
        'Malformed',
        `an encrypted payload names no key (no ${KEY_ID_METADATA} in its metadata)`,
      );
    }
    const key = this.keys.key(id);
    if (!key) {
      return fail(
        'UnknownKeyId',
        `a payload is encrypted with key id "${id}", which is not configured (PAYLOAD_ENCRYPTION_KEYS has ${this.keys.ids.join(', ')}): add that key back to read it`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    const what = `an encrypted payload (key id "${id}")`;
    if (data.length < NONCE_BYTES + TAG_BYTES) {
      return fail('Malformed', `${what} is too short to hold a nonce and a tag: it was truncated`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const sealed = data.subarray(NONCE_BYTES, -TAG_BYTES);
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(sealed), decipher.final()]);
    } catch {
      return fail(
        'Tampered',
        `${what} failed authentication: it was altered, or encrypted with another key of that id`,
      );
    }
    try {
      const inner = PayloadMessage.decode(plain) as Payload;
      return { metadata: inner.metadata ?? {}, data: inner.data ?? new Uint8Array() };
    } catch {
      return fail('Malformed', `${what} opened, but holds no payload`);
    }
  }
}

type EncryptionSettings = { PAYLOAD_ENCRYPTION_KEYS?: PayloadKeyRing };

export function payloadCodecOf(config: EncryptionSettings): AesGcmPayloadCodec | undefined {
  const keys = config.PAYLOAD_ENCRYPTION_KEYS;
  return keys ? new AesGcmPayloadCodec(keys) : undefined;
}

export function dataConverterOf(config: EncryptionSettings): DataConverter | undefined {
  const codec = payloadCodecOf(config);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
