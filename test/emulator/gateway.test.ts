/** IMS token endpoint and the gateway checks every Platform call passes. */
import type { RunningEmulator } from '../../emulator';
import { FLOW, getToken, http, Platform, CATALOG, useEmulator, withEmulator } from './helpers';

let emu: RunningEmulator;
let api: Platform;
useEmulator({}, (s) => ({ emu, api } = s));

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  raw: new URLSearchParams(fields).toString(),
});

describe('IMS /ims/token/v3', () => {
  const good = () => ({
    grant_type: 'client_credentials',
    client_id: emu.credentials.clientId,
    client_secret: emu.credentials.clientSecret,
    scope: 'openid,AdobeID',
  });

  test('issues distinct opaque tokens, all listed by the control API', async () => {
    const a = await http(`${emu.url}/ims/token/v3`, form(good()));
    const b = await http(`${emu.url}/ims/token/v3`, form(good()));
    expect(a.status).toBe(200);
    expect(a.body.token_type).toBe('bearer');
    expect(a.body.access_token).not.toBe(b.body.access_token);
    const tokens = await emu.control.tokens();
    expect(tokens).toEqual(expect.arrayContaining([a.body.access_token, b.body.access_token]));
  });

  test('fields may come as query parameters', async () => {
    const q = new URLSearchParams(good()).toString();
    const res = await http(`${emu.url}/ims/token/v3?${q}`, { method: 'POST' });
    expect(res.status).toBe(200);
  });

  test('wrong secret or client → 401 invalid_client', async () => {
    for (const bad of [{ client_secret: 'nope' }, { client_id: 'someone-else' }]) {
      const res = await http(`${emu.url}/ims/token/v3`, form({ ...good(), ...bad }));
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    }
  });

  test('missing field → 400 invalid_request; other grant → 400 unsupported_grant_type', async () => {
    for (const field of ['client_id', 'client_secret', 'scope', 'grant_type'] as const) {
      const fields: Record<string, string> = good();
      delete fields[field];
      const res = await http(`${emu.url}/ims/token/v3`, form(fields));
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.error_description).toContain(field);
    }
    const res = await http(`${emu.url}/ims/token/v3`, form({ ...good(), grant_type: 'password' }));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unsupported_grant_type');
  });

  test('a JSON body is not read (the endpoint is form-encoded)', async () => {
    const res = await http(`${emu.url}/ims/token/v3`, { method: 'POST', body: good() });
    expect(res.status).toBe(400);
  });

  test('tokens expire after tokenLifetimeSeconds', async () => {
    await withEmulator({ tokenLifetimeSeconds: 1 }, async ({ emu: short }) => {
      const res = await http(
        `${short.url}/ims/token/v3`,
        form({ ...good(), client_id: short.credentials.clientId }),
      );
      expect(res.body.expires_in).toBe(1);
      const shortApi = new Platform(short, res.body.access_token);
      expect((await shortApi.get(`${FLOW}/flows`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_100));
      const after = await shortApi.get(`${FLOW}/flows`);
      expect(after.status).toBe(401);
      expect(after.body).toEqual({ error_code: '401013', message: 'Oauth token is not valid' });
    });
  });
});

describe('gateway', () => {
  const path = `${FLOW}/connections`;
  const without = (header: string) => {
    const h = api.headers();
    delete h[header];
    return h;
  };

  test('Authorization missing → 403 403010', async () => {
    const res = await http(`${emu.url}${path}`, { headers: without('authorization') });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error_code: '403010', message: 'Oauth token is missing.' });
  });

  test('unknown token → 401 401013', async () => {
    const res = await http(`${emu.url}${path}`, {
      headers: { ...api.headers(), authorization: 'Bearer forged' },
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error_code: '401013', message: 'Oauth token is not valid' });
  });

  test('x-api-key missing → 403 403000; wrong → 403 403003', async () => {
    const missing = await http(`${emu.url}${path}`, { headers: without('x-api-key') });
    expect(missing.status).toBe(403);
    expect(missing.body).toEqual({ error_code: '403000', message: 'Api Key is required' });
    const wrong = await http(`${emu.url}${path}`, {
      headers: { ...api.headers(), 'x-api-key': 'other' },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toEqual({ error_code: '403003', message: 'Api Key is invalid' });
  });

  test('x-gw-ims-org-id missing → 400 400003; another org → 403 403025', async () => {
    const missing = await http(`${emu.url}${path}`, { headers: without('x-gw-ims-org-id') });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error_code: '400003', message: 'Missing header' });
    const other = await http(`${emu.url}${path}`, {
      headers: { ...api.headers(), 'x-gw-ims-org-id': 'OTHER@AdobeOrg' },
    });
    expect(other.status).toBe(403);
    expect(other.body.error_code).toBe('403025');
  });

  test('every Platform service is behind the gateway', async () => {
    for (const p of [
      `${CATALOG}/dataSets`,
      '/data/foundation/conversion/mappingSets',
      '/data/foundation/mappingSets',
    ]) {
      const res = await http(`${emu.url}${p}`, { headers: without('authorization') });
      expect(res.status).toBe(403);
      expect(res.body.error_code).toBe('403010');
    }
  });

  test('x-sandbox-name: missing → prod; unknown → 404 FLOW-2100-404; resources are per sandbox', async () => {
    const name = `sandboxed-${Date.now()}`;
    const created = await http(`${emu.url}${path}`, {
      method: 'POST',
      headers: without('x-sandbox-name'),
      body: {
        name,
        connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' },
        auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } },
      },
    });
    expect(created.status).toBe(201);
    expect((await api.get(`${path}/${created.body.id}`)).body.items[0].sandboxName).toBe('prod');
    const dev = new Platform(emu, api.token, 'dev');
    const inDev = await dev.get(`${path}/${created.body.id}`);
    expect(inDev.status).toBe(404);
    const unknown = await http(`${emu.url}${path}`, {
      headers: { ...api.headers(), 'x-sandbox-name': 'nope' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('https://ns.adobe.com/aep/errors/FLOW-2100-404');
    expect(unknown.body.title).toBe('Sandbox not found');
  });

  test("missingSandbox: 'error' → 400 FLOW-2105-400", async () => {
    await withEmulator({ missingSandbox: 'error' }, async ({ emu: strict, api: strictApi }) => {
      const h = strictApi.headers();
      delete h['x-sandbox-name'];
      const res = await http(`${strict.url}${path}`, { headers: h });
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('https://ns.adobe.com/aep/errors/FLOW-2105-400');
    });
  });

  test('a body without a JSON Content-Type → the documented 400', async () => {
    const res = await http(`${emu.url}${path}`, {
      method: 'POST',
      headers: { ...api.headers(), 'content-type': 'text/plain' },
      raw: '{"name":"x"}',
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      type: '/placeholder/type/uri',
      status: 400,
      title: 'BadRequestError',
      detail: 'A valid content-type must be specified',
    });
    const none = await http(`${emu.url}${path}`, {
      method: 'POST',
      headers: api.headers(),
      raw: '{"name":"x"}',
    });
    expect(none.status).toBe(400);
    expect(none.body.detail).toBe('A valid content-type must be specified');
  });

  test('expireTokens() invalidates issued tokens; a new token works', async () => {
    const own = new Platform(emu, await getToken(emu));
    expect((await own.get(`${FLOW}/flows`)).status).toBe(200);
    await emu.control.expireTokens();
    const res = await own.get(`${FLOW}/flows`);
    expect(res.status).toBe(401);
    expect(res.body.error_code).toBe('401013');
    own.token = await getToken(emu);
    api.token = own.token;
    expect((await own.get(`${FLOW}/flows`)).status).toBe(200);
  });
});
