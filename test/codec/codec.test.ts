import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  decodeFromPayloadsAtIndex,
  encodeToPayload,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import {
  AesGcmPayloadCodec,
  dataConverterOf,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  parsePayloadKeys,
  PayloadEncryptionError,
  payloadCodecOf,
  type PayloadKeyRing,
} from '../../src/codec';

/**
 * The AES-256-GCM payload codec on its own: real node:crypto, real payloads from Temporal's
 * default payload converter, the SDK's own data-converter helpers for the wiring.
 */

const key = () => randomBytes(32).toString('base64');
const OLD = key();
const NEW = key();

function ring(spec: string): PayloadKeyRing {
  const { ring, problems } = parsePayloadKeys(spec);
  expect(problems).toEqual([]);
  return ring!;
}

const request = {
  name: 'ACME Orders',
  target: { schemaId: 'https://ns.adobe.com/acme/schemas/0123456789abcdef' },
  smokeTest: { record: { id: 'smoke-7f3a' } },
};
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString();

async function expectFailure(p: Promise<unknown>): Promise<PayloadEncryptionError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PayloadEncryptionError);
  return err as PayloadEncryptionError;
}

describe('AesGcmPayloadCodec', () => {
  const codec = new AesGcmPayloadCodec(ring(`k1:${OLD}`));

  test('round trip: every kind of payload comes back as it went in', async () => {
    const payloads: Payload[] = [
      defaultPayloadConverter.toPayload(request),
      defaultPayloadConverter.toPayload(undefined), // binary/null: metadata only, empty data
      defaultPayloadConverter.toPayload(new Uint8Array([0, 1, 2, 255])), // binary/plain
      defaultPayloadConverter.toPayload('x'.repeat(100_000)),
    ];
    const encoded = await codec.encode(payloads);
    const decoded = await codec.decode(encoded);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      request,
      undefined,
      new Uint8Array([0, 1, 2, 255]),
      'x'.repeat(100_000),
    ]);
    for (const [i, p] of decoded.entries()) {
      expect(Object.keys(p.metadata!).sort()).toEqual(Object.keys(payloads[i]!.metadata!).sort());
    }
  });

  test('the encoded payload is marked, names its key, and hides the value and its encoding', async () => {
    const [plain] = [defaultPayloadConverter.toPayload(request)];
    const [a] = await codec.encode([plain]);
    const [b] = await codec.encode([plain]);
    expect(Object.keys(a!.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA].sort());
    expect(text(a!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(a!.metadata![KEY_ID_METADATA])).toBe('k1');
    for (const secret of ['ACME Orders', 'schemas/0123456789abcdef', 'smoke-7f3a', 'json/plain']) {
      expect(Buffer.from(a!.data!).includes(secret)).toBe(false);
    }
    // A fresh nonce each time: the same payload never encrypts to the same bytes.
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    // Nonce (12) + the serialized payload + tag (16).
    expect(a!.data!.length).toBe(
      12 + temporal.api.common.v1.Payload.encode(plain).finish().length + 16,
    );
  });

  test('the plaintext is the temporal.api.common.v1.Payload message, as other SDKs write it', async () => {
    const plain = defaultPayloadConverter.toPayload(request);
    const keyBytes = Buffer.from(OLD, 'base64');
    // Opened by hand (node:crypto, Temporal's own proto): nonce ‖ ciphertext ‖ tag, id as AAD.
    const [encoded] = await codec.encode([plain]);
    const data = Buffer.from(encoded!.data!);
    const decipher = createDecipheriv('aes-256-gcm', keyBytes, data.subarray(0, 12));
    decipher.setAAD(Buffer.from('k1'));
    decipher.setAuthTag(data.subarray(data.length - 16));
    const opened = Buffer.concat([
      decipher.update(data.subarray(12, data.length - 16)),
      decipher.final(),
    ]);
    expect(
      defaultPayloadConverter.fromPayload(temporal.api.common.v1.Payload.decode(opened)),
    ).toEqual(request);
    // Sealed by hand the same way: the codec opens it.
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyBytes, nonce);
    cipher.setAAD(Buffer.from('k1'));
    const body = temporal.api.common.v1.Payload.encode(plain).finish();
    const sealed: Payload = {
      metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from('k1') },
      data: Buffer.concat([nonce, cipher.update(body), cipher.final(), cipher.getAuthTag()]),
    };
    const [back] = await codec.decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual(request);
  });

  test('key rotation: written under the old key, read once a new key is added first', async () => {
    const before = new AesGcmPayloadCodec(ring(`2025:${OLD}`));
    const [old] = await before.encode([defaultPayloadConverter.toPayload(request)]);

    const rotated = new AesGcmPayloadCodec(ring(`2026:${NEW},2025:${OLD}`));
    expect(rotated.keys.currentId).toBe('2026');
    const [back] = await rotated.decode([old!]);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual(request);
    // New payloads use the new key, and the old-key-only side cannot read them.
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(request)]);
    expect(text(fresh!.metadata![KEY_ID_METADATA])).toBe('2026');
    const err = await expectFailure(before.decode([fresh!]));
    expect(err.problem).toBe('UnknownKeyId');
  });

  test('an unknown key id is a clear error naming the id and the configured ones', async () => {
    const [encoded] = await new AesGcmPayloadCodec(ring(`gone:${OLD}`)).encode([
      defaultPayloadConverter.toPayload(request),
    ]);
    const err = await expectFailure(codec.decode([encoded!]));
    expect(err.problem).toBe('UnknownKeyId');
    expect(err.message).toBe(
      'a payload is encrypted with key id "gone", which is not configured (PAYLOAD_ENCRYPTION_KEYS has k1): add that key back to read it',
    );
  });

  describe('tampering is detected', () => {
    let encoded: Payload;
    beforeAll(async () => {
      [encoded] = (await codec.encode([defaultPayloadConverter.toPayload(request)])) as [Payload];
    });

    test('one flipped bit in the ciphertext', async () => {
      const data = Buffer.from(encoded.data!);
      data[20]! ^= 0x01;
      const err = await expectFailure(codec.decode([{ ...encoded, data }]));
      expect(err.problem).toBe('Tampered');
      expect(err.message).toMatch(/failed authentication/);
    });

    test('one flipped bit in the tag', async () => {
      const data = Buffer.from(encoded.data!);
      data[data.length - 1]! ^= 0x80;
      expect((await expectFailure(codec.decode([{ ...encoded, data }]))).problem).toBe('Tampered');
    });

    test('the key id swapped for another configured key', async () => {
      const two = new AesGcmPayloadCodec(ring(`k1:${OLD},k2:${NEW}`));
      const relabelled = {
        ...encoded,
        metadata: { ...encoded.metadata, [KEY_ID_METADATA]: Buffer.from('k2') },
      };
      expect((await expectFailure(two.decode([relabelled]))).problem).toBe('Tampered');
    });

    test('the same key under another id (the id is authenticated too)', async () => {
      const alias = new AesGcmPayloadCodec(ring(`k1:${OLD},alias:${OLD}`));
      const relabelled = {
        ...encoded,
        metadata: { ...encoded.metadata, [KEY_ID_METADATA]: Buffer.from('alias') },
      };
      expect((await expectFailure(alias.decode([relabelled]))).problem).toBe('Tampered');
    });

    test('truncated, or without a key id', async () => {
      const short = { ...encoded, data: encoded.data!.subarray(0, 20) };
      expect((await expectFailure(codec.decode([short]))).problem).toBe('Malformed');
      const anonymous = { ...encoded, metadata: { encoding: encoded.metadata!.encoding! } };
      expect((await expectFailure(codec.decode([anonymous]))).problem).toBe('Malformed');
    });

    test('control: the untouched payload still decodes', async () => {
      const [back] = await codec.decode([encoded]);
      expect(defaultPayloadConverter.fromPayload(back!)).toEqual(request);
    });
  });

  test('payloads that are not encrypted pass through decode unchanged (older histories)', async () => {
    const plain = defaultPayloadConverter.toPayload(request);
    const [out] = await codec.decode([plain]);
    expect(out).toBe(plain);
  });
});

describe('the data converter built from the configuration', () => {
  test('no key configured: no codec, the SDK default converter, payloads stay plain', async () => {
    expect(payloadCodecOf({})).toBeUndefined();
    expect(dataConverterOf({})).toBeUndefined();
    const loaded = loadDataConverter(dataConverterOf({}));
    const payload = await encodeToPayload(loaded, request);
    expect(text(payload.metadata!.encoding)).toBe('json/plain');
    expect(text(payload.data)).toContain('ACME Orders');
  });

  test('keys configured: what the SDK encodes is encrypted, and decodes back', async () => {
    const loaded = loadDataConverter(
      dataConverterOf({ PAYLOAD_ENCRYPTION_KEYS: ring(`k1:${OLD}`) }),
    );
    const payload = await encodeToPayload(loaded, request);
    expect(text(payload.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(payload.data)).not.toContain('ACME Orders');
    expect(await decodeFromPayloadsAtIndex(loaded, 0, [payload])).toEqual(request);
    // Without the codec, the SDK refuses the encrypted payload rather than misreading it.
    expect(() => defaultPayloadConverter.fromPayload(payload)).toThrow(/binary\/encrypted/);
  });
});
