import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { sha256Hex } from '../../src/api/auth';
import { buildApi } from '../../src/api/server';
import { ProvisioningClient } from '../../src/client';
import { parseApiConfig } from '../../src/config';
import { connectClient } from '../../src/connection';
import { parseDeprovisionRequest, parseProvisionRequest } from '../../src/request';
import { EMULATOR_ORG, PROD } from '../harness/ids';
import { rawCall } from '../api/helpers';
import { nameRequest, refusal } from '../harness/requests';

/**
 * Names that look alike are one name: a source or dataset name not in Unicode NFC form is refused
 * (never silently normalized: the name is the source's identity), by the request schema, so the
 * library, the CLI and every HTTP route (body and path) refuse it, naming the NFC form.
 */

const COMPOSED = 'Caf\u00E9';
const DECOMPOSED = 'Cafe\u0301';
const NFC_HINT = `must be in Unicode NFC form (composed characters), as "${COMPOSED}"`;

const request = nameRequest;

describe('the request schema', () => {
  test('the two spellings of "Café" are two strings that look alike', () => {
    expect(DECOMPOSED).not.toBe(COMPOSED);
    expect(DECOMPOSED.normalize('NFC')).toBe(COMPOSED);
  });

  test('a decomposed name is refused, naming its NFC form; the composed one is taken', () => {
    expect(refusal(() => parseProvisionRequest(request(DECOMPOSED), PROD))).toContain(
      `name ${NFC_HINT}`,
    );
    expect(parseProvisionRequest(request(COMPOSED), PROD).name).toBe(COMPOSED);
  });

  test('a dataset name and a teardown by name are held to it too', () => {
    expect(refusal(() => parseProvisionRequest(request('x', DECOMPOSED), PROD))).toContain(
      `target.dataset.name ${NFC_HINT}`,
    );
    expect(refusal(() => parseDeprovisionRequest({ name: DECOMPOSED }, PROD))).toContain(
      `name ${NFC_HINT}`,
    );
  });
});

describe('the HTTP API', () => {
  const KEY = 'aeps_names-test-key-0123456789abcdef0123456789';
  let app: FastifyInstance;
  let client: ProvisioningClient;
  let base: string;

  // Refused before any call to Temporal: the API's client is a lazy connection never used.
  beforeAll(async () => {
    const config = parseApiConfig({
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      AEP_ORG_ID: EMULATOR_ORG,
      LOG_LEVEL: 'warn',
      API_KEYS: `names:${sha256Hex(KEY)}:prod`,
    });
    client = new ProvisioningClient(await connectClient(config, { lazy: true }), config);
    app = await buildApi({ config, client, logStream: new PassThrough() });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await client?.close();
  });

  const path = (name: string, tail = '') =>
    `/v1/sandboxes/prod/sources/${encodeURIComponent(name)}${tail}`;

  test.each([
    ['PUT', ''],
    ['GET', ''],
    ['DELETE', ''],
    ['POST', '/plan'],
  ])('%s%s with a decomposed name in the path is 422 naming the NFC form', async (method, tail) => {
    const { name: _name, ...body } = request(DECOMPOSED);
    const res = await rawCall(base, method, path(DECOMPOSED, tail), {
      key: KEY,
      ...(method === 'PUT' || method === 'POST' ? { body } : {}),
    });
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('urn:aep-stream:problem:InvalidRequest');
    expect(res.body.errors).toContain(`name ${NFC_HINT}`);
  });
});
