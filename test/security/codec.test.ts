import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { defaultPayloadConverter } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { sha256Hex } from '../../src/api/auth';
import { buildApi } from '../../src/api/server';
import { ProvisioningClient } from '../../src/client';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../src/codec';
import { payloadFromJson, payloadToJson } from '../../src/codec/endpoint';
import { parseApiConfig, type ApiConfig } from '../../src/config';
import { connectClient } from '../../src/connection';
import { EMULATOR_ORG } from '../harness/ids';

/**
 * The codec endpoint the Temporal UI is pointed at, over HTTP: the real API (fastify, its auth and
 * rate-limit hooks) listening on a loopback port, called with fetch as a browser or the CLI would.
 * The codec routes never reach Temporal, so the API's client is a lazy connection never used.
 */

const UI = 'http://127.0.0.1:8233';
const KEYS = {
  all: 'aeps_codec-test-all-key-0123456789abcdef0123456',
  prod: 'aeps_codec-test-prod-key-0123456789abcdef012345',
  codec: 'aeps_codec-test-codec-key-0123456789abcdef01234',
};
const OLD = randomBytes(32).toString('base64');
const CURRENT = randomBytes(32).toString('base64');
const request = { name: 'ACME Orders', target: { schemaId: 'https://ns.adobe.com/acme/x' } };

interface Running {
  base: string;
  config: ApiConfig;
  close(): Promise<void>;
}

async function startApi(env: Record<string, string>): Promise<Running> {
  const config = parseApiConfig({
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    AEP_ORG_ID: EMULATOR_ORG,
    LOG_LEVEL: 'warn',
    API_HOST: '127.0.0.1',
    API_KEYS: `all:${sha256Hex(KEYS.all)}:*;prod:${sha256Hex(KEYS.prod)}:prod`,
    API_CODEC_KEYS: `ui:${sha256Hex(KEYS.codec)}`,
    API_CODEC_ORIGINS: UI,
    ...env,
  });
  const client = new ProvisioningClient(await connectClient(config, { lazy: true }), config);
  const app: FastifyInstance = await buildApi({ config, client, logStream: new PassThrough() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    base: app.listeningOrigin,
    config,
    async close() {
      await app.close();
      await client.close();
    },
  };
}

interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any shape
  body: any;
}

async function post(
  api: Running,
  op: 'encode' | 'decode',
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${KEYS.all}` },
): Promise<Answer> {
  const res = await fetch(`${api.base}/codec/${op}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const plainJson = () => payloadToJson(defaultPayloadConverter.toPayload(request));

describe('the codec endpoint (/codec on the HTTP API)', () => {
  let api: Running;
  beforeAll(async () => {
    api = await startApi({ PAYLOAD_ENCRYPTION_KEYS: `current:${CURRENT},old:${OLD}` });
  });
  afterAll(async () => {
    await api?.close();
  });

  test('encode then decode over HTTP: the protocol JSON round trip', async () => {
    const sent = {
      payloads: [plainJson(), payloadToJson(defaultPayloadConverter.toPayload(null))],
    };
    const enc = await post(api, 'encode', sent);
    expect(enc.status).toBe(200);
    expect(enc.headers.get('content-type')).toMatch(/^application\/json/);
    expect(enc.body.payloads).toHaveLength(2);
    for (const p of enc.body.payloads) {
      expect(p.metadata).toEqual({
        encoding: b64(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: b64('current'),
      });
      expect(Buffer.from(p.data, 'base64').includes('ACME Orders')).toBe(false);
    }
    const dec = await post(api, 'decode', enc.body);
    expect(dec.status).toBe(200);
    expect(dec.body).toEqual(sent);
  });

  test('what the endpoint encrypts, the worker and client codec decrypts, and back', async () => {
    const codec = new AesGcmPayloadCodec(api.config.PAYLOAD_ENCRYPTION_KEYS!);
    const enc = await post(api, 'encode', { payloads: [plainJson()] });
    const [mine] = await codec.decode(enc.body.payloads.map(payloadFromJson));
    expect(defaultPayloadConverter.fromPayload(mine!)).toEqual(request);

    // Written under the older key (before a rotation): the endpoint reads it too.
    const older = new AesGcmPayloadCodec(
      parseApiConfig({
        API_ALLOW_ANONYMOUS: 'true',
        AEP_ORG_ID: EMULATOR_ORG,
        PAYLOAD_ENCRYPTION_KEYS: `old:${OLD}`,
      }).PAYLOAD_ENCRYPTION_KEYS!,
    );
    const [sealed] = await older.encode([defaultPayloadConverter.toPayload(request)]);
    const dec = await post(api, 'decode', { payloads: [payloadToJson(sealed!)] });
    expect(dec.status).toBe(200);
    expect(defaultPayloadConverter.fromPayload(payloadFromJson(dec.body.payloads[0]))).toEqual(
      request,
    );
  });

  test('a payload that is not encrypted decodes to itself (histories from before the keys)', async () => {
    const dec = await post(api, 'decode', { payloads: [plainJson()] });
    expect(dec.body).toEqual({ payloads: [plainJson()] });
  });

  test('tampered, unknown key, malformed body, other namespace: 400 problems', async () => {
    const enc = await post(api, 'encode', { payloads: [plainJson()] });
    const p = enc.body.payloads[0];
    const data = Buffer.from(p.data, 'base64');
    data[15]! ^= 1;
    const tampered = await post(api, 'decode', {
      payloads: [{ ...p, data: data.toString('base64') }],
    });
    expect([tampered.status, tampered.body.type]).toEqual([
      400,
      'urn:aep-stream:problem:CodecTampered',
    ]);

    const stranger = await post(api, 'decode', {
      payloads: [{ ...p, metadata: { ...p.metadata, [KEY_ID_METADATA]: b64('2019') } }],
    });
    expect([stranger.status, stranger.body.type]).toEqual([
      400,
      'urn:aep-stream:problem:CodecUnknownKeyId',
    ]);
    expect(stranger.body.detail).toMatch(
      /key id "2019", which is not configured \(PAYLOAD_ENCRYPTION_KEYS has current, old\)/,
    );

    for (const bad of [
      { payload: [] },
      { payloads: [{ data: 'not base64!' }] },
      '{"payloads": [',
    ]) {
      const res = await post(api, 'decode', bad);
      expect([res.status, res.headers.get('content-type')]).toEqual([
        400,
        'application/problem+json; charset=utf-8',
      ]);
    }
    const other = await post(
      api,
      'decode',
      { payloads: [p] },
      {
        authorization: `Bearer ${KEYS.all}`,
        'x-namespace': 'payments',
      },
    );
    expect([other.status, other.body.type]).toEqual([400, 'urn:aep-stream:problem:CodecNamespace']);
  });

  test('it takes an API key for every sandbox: none is 401, a sandbox-scoped one 403', async () => {
    const none = await post(api, 'decode', { payloads: [] }, {});
    expect([none.status, none.headers.get('www-authenticate')]).toEqual([
      401,
      'Bearer realm="aep-stream"',
    ]);
    const scoped = await post(
      api,
      'decode',
      { payloads: [] },
      { authorization: `Bearer ${KEYS.prod}` },
    );
    expect([scoped.status, scoped.body.title]).toEqual([
      403,
      'This API key may not use the codec endpoint',
    ]);
    const wrong = await post(
      api,
      'decode',
      { payloads: [] },
      { authorization: 'Bearer aeps_nope' },
    );
    expect(wrong.status).toBe(401);
  });

  test('a codec key (API_CODEC_KEYS) opens /codec and nothing else; an unknown one is 401', async () => {
    const codecKey = { authorization: `Bearer ${KEYS.codec}`, origin: UI };
    const enc = await post(api, 'encode', { payloads: [plainJson()] }, codecKey);
    expect([enc.status, enc.headers.get('access-control-allow-origin')]).toEqual([200, UI]);
    expect((await post(api, 'decode', enc.body, codecKey)).body).toEqual({
      payloads: [plainJson()],
    });
    const wrong = await post(api, 'decode', enc.body, { authorization: `Bearer ${KEYS.codec}x` });
    expect([wrong.status, wrong.body.type]).toEqual([401, 'urn:aep-stream:problem:Unauthorized']);
    for (const path of ['/v1/sources', '/v1/sandboxes/prod/sources/x']) {
      const res = await fetch(`${api.base}${path}`, { headers: codecKey });
      const problem = (await res.json()) as { type: string; detail: string };
      expect([res.status, problem.type]).toEqual([403, 'urn:aep-stream:problem:Forbidden']);
      expect(problem.detail).toBe('key ui is a codec key (API_CODEC_KEYS): it opens /codec only');
    }
  });

  describe('CORS for the Temporal UI', () => {
    test("the UI's preflight: its origin, POST, the headers it sends (no credentials needed)", async () => {
      const res = await fetch(`${api.base}/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin: UI,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(UI);
      expect(res.headers.get('access-control-allow-methods')).toBe('POST');
      expect(res.headers.get('access-control-allow-headers')).toBe(
        'content-type, x-namespace, authorization',
      );
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('vary')).toMatch(/Origin/);
    });

    test('a successful answer to the UI carries its origin; an error answer none', async () => {
      const ok = await post(
        api,
        'decode',
        { payloads: [plainJson()] },
        {
          authorization: `Bearer ${KEYS.all}`,
          origin: UI,
        },
      );
      expect([ok.status, ok.headers.get('access-control-allow-origin')]).toEqual([200, UI]);
      // The UI then falls back to the encoded payloads (it would read a problem as payloads).
      const refused = await post(api, 'decode', { payloads: [plainJson()] }, { origin: UI });
      expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([
        401,
        null,
      ]);
    });

    test('another origin is refused, preflight and call alike', async () => {
      const evil = 'http://127.0.0.1:9999';
      const pre = await fetch(`${api.base}/codec/encode`, {
        method: 'OPTIONS',
        headers: { origin: evil, 'access-control-request-method': 'POST' },
      });
      expect([pre.status, pre.headers.get('access-control-allow-origin')]).toEqual([403, null]);
      const call = await post(
        api,
        'encode',
        { payloads: [plainJson()] },
        {
          authorization: `Bearer ${KEYS.all}`,
          origin: evil,
        },
      );
      expect([call.status, call.body.type]).toEqual([
        403,
        'urn:aep-stream:problem:CodecOriginRefused',
      ]);
    });
  });
});

describe('API_CODEC_ANONYMOUS: the codec without a key, for a UI without a login', () => {
  let api: Running;
  beforeAll(async () => {
    api = await startApi({
      PAYLOAD_ENCRYPTION_KEYS: `current:${CURRENT}`,
      API_CODEC_ANONYMOUS: 'true',
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  test('the codec answers without a key (or with a token it does not know, as the UI forwards)', async () => {
    const enc = await post(api, 'encode', { payloads: [plainJson()] }, { origin: UI });
    expect([enc.status, enc.headers.get('access-control-allow-origin')]).toEqual([200, UI]);
    const dec = await post(api, 'decode', enc.body, {
      origin: UI,
      authorization: 'Bearer eyJ.oidc.token',
    });
    expect(dec.body).toEqual({ payloads: [plainJson()] });
  });

  test('it is refused off loopback: whoever reached the port could decrypt every payload', () => {
    const offLoopback = {
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      AEP_ORG_ID: EMULATOR_ORG,
      API_KEYS: `all:${sha256Hex(KEYS.all)}:*`,
      API_HOST: '0.0.0.0',
      API_CODEC_ANONYMOUS: 'true',
    };
    expect(() => parseApiConfig(offLoopback)).toThrow(/API_CODEC_ANONYMOUS=true lets whoever/);
  });

  test('the rest of the API still takes a key', async () => {
    const res = await fetch(`${api.base}/v1/sources`);
    expect(res.status).toBe(401);
  });
});

describe('no key configured', () => {
  test('there is no codec endpoint', async () => {
    const api = await startApi({});
    try {
      const res = await post(api, 'decode', { payloads: [plainJson()] });
      expect([res.status, res.body.type]).toEqual([404, 'urn:aep-stream:problem:NotFound']);
    } finally {
      await api.close();
    }
  });
});
