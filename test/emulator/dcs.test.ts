/** The DCS streaming inlet: routing by flow id, authenticated inlets, size limit, sync validation, batch. */
import { gzipSync } from 'node:zlib';
import type { RunningEmulator } from '../../emulator';
import {
  getToken,
  http,
  type Platform,
  provision,
  unique,
  xdmMessage,
  useEmulator,
  withEmulator,
} from './helpers';

let emu: RunningEmulator;
let api: Platform;
useEmulator({}, (s) => ({ emu, api } = s));

const entity = (extra: Record<string, unknown> = {}) => ({
  _id: 'rec-1',
  person: { name: { firstName: 'suman', lastName: 'nolan' } },
  workEmail: { primary: true, address: 'suman@acme.com', type: 'work', status: 'active' },
  ...extra,
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  http(url, { method: 'POST', headers, body });

describe('single messages', () => {
  test('flow id from the header, the query or header.flowId; records are kept', async () => {
    const p = await provision(api, unique('route'));
    const byHeader = await post(p.inletUrl, xdmMessage(undefined, entity()), {
      'x-adobe-flow-id': p.flowId,
    });
    expect(byHeader.status).toBe(200);
    expect(byHeader.body).toEqual({
      inletId: p.inletId,
      xactionId: expect.any(String),
      receivedTimeMs: expect.any(Number),
      syncValidation: { skipped: true },
    });
    expect(
      (await post(`${p.inletUrl}?x-adobe-flow-id=${p.flowId}`, xdmMessage(undefined, entity())))
        .status,
    ).toBe(200);
    expect((await post(p.inletUrl, xdmMessage(p.flowId, entity()))).status).toBe(200);
    const records = await emu.control.records({ inletId: p.inletId });
    expect(records).toHaveLength(3);
    expect(new Set(records.map((r) => r.flowId))).toEqual(new Set([p.flowId]));
    expect(records[0]!.message).toEqual(xdmMessage(undefined, entity()));
  });

  test('no flow id, an unknown flow, or a flow of another inlet → 400, nothing stored', async () => {
    const a = await provision(api, unique('a'));
    const b = await provision(api, unique('b'));
    const noFlow = await post(a.inletUrl, xdmMessage(undefined, entity()));
    expect(noFlow.status).toBe(400);
    expect(noFlow.body.report.message).toContain(`inletId: [${a.inletId}]`);
    expect(
      (await post(a.inletUrl, xdmMessage('00000000-0000-0000-0000-000000000000', entity()))).status,
    ).toBe(400);
    const foreign = await post(a.inletUrl, xdmMessage(b.flowId, entity()));
    expect(foreign.status).toBe(400);
    expect(foreign.body.report.message).toContain(b.flowId);
    expect(await emu.control.records({ inletId: a.inletId })).toEqual([]);
  });

  test('unknown inlet → 404; XDM inlet refuses non-XDM bodies and foreign orgs', async () => {
    const missing = await post(`${emu.url}/collection/${'0'.repeat(64)}`, {});
    expect(missing.status).toBe(404);
    const p = await provision(api, unique('format'));
    const raw = await post(p.inletUrl, { name: 'not xdm' }, { 'x-adobe-flow-id': p.flowId });
    expect(raw.status).toBe(400);
    expect(raw.body.report.message).toBe(
      `inletId: [${p.inletId}] imsOrgId: [${emu.credentials.orgId}] Message has unknown xdm format`,
    );
    const msg = xdmMessage(p.flowId, entity());
    const foreignOrg = await post(p.inletUrl, {
      ...msg,
      header: { ...msg.header, imsOrgId: 'OTHER@AdobeOrg' },
    });
    expect(foreignOrg.status).toBe(400);
    expect(foreignOrg.body.report.message).toContain('wrong ims org');
  });

  test('raw inlets take any JSON with a flow id', async () => {
    const p = await provision(api, unique('raw'), { dataType: 'raw' });
    const res = await post(
      p.inletUrl,
      { name: 'Johnson Smith', birthday: { year: 1984 } },
      { 'x-adobe-flow-id': p.flowId },
    );
    expect(res.status).toBe(200);
    const [rec] = await emu.control.records({ flowId: p.flowId });
    expect(rec).toMatchObject({ dataType: 'raw', message: { name: 'Johnson Smith' } });
  });

  test('body over 1 MB → 413; gzip bodies are accepted', async () => {
    const p = await provision(api, unique('size'));
    const big = xdmMessage(p.flowId, entity({ _id: 'x'.repeat(1024 * 1024 + 10) }));
    const res = await post(p.inletUrl, big);
    expect(res.status).toBe(413);
    expect(res.body.status).toBe(413);
    const gz = await http(p.inletUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      raw: gzipSync(JSON.stringify(xdmMessage(p.flowId, entity()))),
    });
    expect(gz.status).toBe(200);
  });
});

describe('authenticated inlets', () => {
  test('no token → 401 (string status); bad or expired token → 403; valid token → 200', async () => {
    const p = await provision(api, unique('auth'), {
      dataType: 'xdm',
      authenticationRequired: true,
    });
    const msg = xdmMessage(p.flowId, entity());
    const none = await post(p.inletUrl, msg);
    expect(none.status).toBe(401);
    expect(none.body.status).toBe('401');
    expect(none.body.report.message).toBe(`[${p.inletId}] Ims service token is empty`);
    const bad = await post(p.inletUrl, msg, { authorization: 'Bearer forged' });
    expect(bad.status).toBe(403);
    expect(bad.body.status).toBe('403');
    const token = await getToken(emu);
    expect((await post(p.inletUrl, msg, { authorization: `Bearer ${token}` })).status).toBe(200);
    await emu.control.expireTokens();
    expect((await post(p.inletUrl, msg, { authorization: `Bearer ${token}` })).status).toBe(403);
    api.token = await getToken(emu);
    // The batch endpoint is guarded the same way.
    expect(
      (await post(`${emu.url}/collection/batch/${p.inletId}`, { messages: [msg] })).status,
    ).toBe(401);
  });

  test('inletInvalidTokenStatus: 401 switches the bad-token answer', async () => {
    await withEmulator({ inletInvalidTokenStatus: 401 }, async ({ api: altApi }) => {
      const p = await provision(altApi, 'alt', { dataType: 'xdm', authenticationRequired: true });
      const res = await post(p.inletUrl, xdmMessage(p.flowId, entity()), {
        authorization: 'Bearer forged',
      });
      expect(res.status).toBe(401);
      expect(res.body.status).toBe('401');
    });
  });
});

describe('syncValidation', () => {
  test('pass → {status: "pass"}; violations → the documented 400, at most 5', async () => {
    const p = await provision(api, unique('sync'));
    const url = `${p.inletUrl}?syncValidation=true`;
    const ok = await post(url, xdmMessage(p.flowId, entity()));
    expect(ok.status).toBe(200);
    expect(ok.body.syncValidation).toEqual({ status: 'pass' });

    const bad = await post(
      url,
      xdmMessage(p.flowId, {
        _id: 12,
        person: { name: { firstName: 3 } },
        workEmail: { address: 'not-an-email', status: 'sleeping' },
        extra: true,
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      type: 'http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet',
      status: 400,
      title: 'Invalid XDM Message Format',
      report: {
        message: `inletId: [${p.inletId}] imsOrgId: [${emu.credentials.orgId}] Message is invalid`,
      },
    });
    const [top] = bad.body.report.cause._streamingValidation;
    expect(top).toMatchObject({
      schemaLocation: '#',
      pointerToViolation: '#',
      message: '5 schema violations found',
    });
    expect(top.causingExceptions).toHaveLength(5);
    expect(top.causingExceptions).toEqual(
      expect.arrayContaining([
        {
          schemaLocation: '#',
          pointerToViolation: '#',
          causingExceptions: [],
          keyword: 'additionalProperties',
          message: 'extraneous key [extra] is not permitted',
        },
        {
          schemaLocation: '#/properties/_id',
          pointerToViolation: '#/_id',
          causingExceptions: [],
          keyword: 'type',
          message: 'expected type: String, found: Long',
        },
        expect.objectContaining({ pointerToViolation: '#/person/name/firstName', keyword: 'type' }),
        expect.objectContaining({ pointerToViolation: '#/workEmail/address', keyword: 'format' }),
        expect.objectContaining({ pointerToViolation: '#/workEmail/status', keyword: 'enum' }),
      ]),
    );
    // Without syncValidation the same record is accepted (asynchronous failures are not reported).
    expect((await post(p.inletUrl, xdmMessage(p.flowId, { _id: 12 }))).status).toBe(200);
    const missingId = await post(url, xdmMessage(p.flowId, { person: {} }));
    expect(missingId.body.report.cause._streamingValidation[0].causingExceptions).toEqual([
      expect.objectContaining({ keyword: 'required', message: 'required key [_id] not found' }),
    ]);
  });
});

describe('batch', () => {
  test('207 with one response per message, in order; only accepted ones are stored', async () => {
    const p = await provision(api, unique('batch'));
    const res = await post(`${emu.url}/collection/batch/${p.inletId}`, {
      messages: [
        xdmMessage(p.flowId, entity({ _id: 'b1' })),
        { header: {}, body: {} },
        xdmMessage(p.flowId, entity({ _id: 'b3' })),
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({
      inletId: p.inletId,
      batchId: expect.any(String),
      receivedTimeMs: expect.any(Number),
    });
    expect(res.body.responses).toEqual([
      { xactionId: `${res.body.batchId}:0` },
      { statusCode: 400, message: expect.stringContaining('Message has unknown xdm format') },
      { xactionId: `${res.body.batchId}:2` },
    ]);
    const records = await emu.control.records({ inletId: p.inletId });
    expect(
      records.map(
        (r) => (r.message as { body: { xdmEntity: { _id: string } } }).body.xdmEntity._id,
      ),
    ).toEqual(['b1', 'b3']);
    const notABatch = await post(`${emu.url}/collection/batch/${p.inletId}`, [1, 2]);
    expect(notABatch.status).toBe(400);
  });
});
