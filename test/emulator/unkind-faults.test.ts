/**
 * Unkind faults, as real AEP can be: late commits (slowCommit), lists that lag behind writes
 * (listLag), commits answered by a gateway 504 (commitThen504), and the switchable filter
 * readings (case-insensitive names, literal vs raw quotes). Driven through EmulatorControl.
 */
import type { RunningEmulator } from '../../emulator';
import {
  CATALOG,
  connectionBody,
  FLOW,
  type Platform,
  SCHEMA_ID,
  unique,
  useEmulator,
  withEmulator,
} from './helpers';

let emu: RunningEmulator;
let api: Platform;
useEmulator({ seed: 7 }, (s) => ({ emu, api } = s));
afterEach(async () => {
  await emu.control.clearFaults();
  await emu.control.setFilterMode({ quoting: 'literal', nameMatch: 'exact' });
});

const CONNECTIONS = `${FLOW}/connections`;
const prop = (p: string) => new URLSearchParams({ property: p }).toString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const named = async (name: string) =>
  (await emu.control.resources({ kind: 'connection' })).filter((r) => r.name === name);
const listed = async (name: string) =>
  (await api.get(`${CONNECTIONS}?${prop(`name==${name}`)}`)).body.items as { id: string }[];

describe('slowCommit', () => {
  test('the create answers only after N ms', async () => {
    await emu.control.slowCommit({ kind: 'connection', ms: 300 });
    const t = Date.now();
    const res = await api.post(CONNECTIONS, connectionBody(unique('slow')));
    expect(res.status).toBe(201);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
  });

  test('a caller that gives up still gets the resource, committed late', async () => {
    await emu.control.slowCommit({ kind: 'connection', ms: 400 });
    const name = unique('abandoned');
    const abort = new AbortController();
    const call = fetch(`${emu.url}${CONNECTIONS}`, {
      method: 'POST',
      headers: { ...api.headers(), 'content-type': 'application/json' },
      body: JSON.stringify(connectionBody(name)),
      signal: abort.signal,
    });
    await sleep(100);
    abort.abort();
    await expect(call).rejects.toThrow();
    expect(await named(name)).toHaveLength(0);
    await sleep(500);
    const committed = await named(name);
    expect(committed).toHaveLength(1);
    // A retry now makes a duplicate: nothing in Flow Service makes names unique.
    await emu.control.clearFaults();
    await api.post(CONNECTIONS, connectionBody(name));
    expect(await listed(name)).toHaveLength(2);
  });

  test('kind and probability target the fault: other kinds and p=0 are untouched', async () => {
    await emu.control.slowCommit({ kind: 'flow', ms: 1_000 });
    await emu.control.slowCommit({ kind: 'connection', ms: 1_000, probability: 0 });
    const t = Date.now();
    expect((await api.post(CONNECTIONS, connectionBody(unique('fast')))).status).toBe(201);
    expect(Date.now() - t).toBeLessThan(900);
    expect((await emu.control.faults()).map((f) => f.fired)).toEqual([0, 0]);
  });
});

describe('listLag', () => {
  test('a new resource is readable by id at once but listed only after N ms', async () => {
    await emu.control.listLag({ kind: 'connection', ms: 400 });
    const name = unique('lagging');
    const created = await api.post(CONNECTIONS, connectionBody(name));
    expect(created.status).toBe(201);
    expect((await api.get(`${CONNECTIONS}/${created.body.id}`)).status).toBe(200);
    expect(await listed(name)).toEqual([]);
    await sleep(450);
    expect((await listed(name)).map((c) => c.id)).toEqual([created.body.id]);
  });

  test('a deleted resource is gone by id at once but still listed for N ms', async () => {
    const name = unique('ghost');
    const created = await api.post(CONNECTIONS, connectionBody(name));
    await emu.control.listLag({ kind: 'connection', method: 'DELETE', ms: 400 });
    expect((await api.delete(`${CONNECTIONS}/${created.body.id}`)).status).toBe(204);
    expect((await api.get(`${CONNECTIONS}/${created.body.id}`)).status).toBe(404);
    expect((await listed(name)).map((c) => c.id)).toEqual([created.body.id]);
    await sleep(450);
    expect(await listed(name)).toEqual([]);
  });

  test('reads do not consume the rule; Catalog lists lag too', async () => {
    await emu.control.listLag({ kind: 'dataset', ms: 300, count: 1 });
    await api.get(`${CATALOG}/dataSets`);
    const name = unique('lagds');
    const res = await api.post(`${CATALOG}/dataSets`, {
      name,
      schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
    });
    const id = String(res.body[0]).replace('@/dataSets/', '');
    expect((await api.get(`${CATALOG}/dataSets/${id}`)).status).toBe(200);
    expect((await api.get(`${CATALOG}/dataSets?name=${name}`)).body).toEqual({});
    await sleep(350);
    expect(Object.keys((await api.get(`${CATALOG}/dataSets?name=${name}`)).body)).toEqual([id]);
    expect((await emu.control.faults())[0]?.fired).toBe(1);
  });
});

describe('commitThen504', () => {
  test('commits, then answers a gateway 504 {error_code, message}', async () => {
    await emu.control.commitThen504({ kind: 'connection' });
    const name = unique('504');
    const res = await api.post(CONNECTIONS, connectionBody(name));
    expect(res.status).toBe(504);
    expect(res.body).toEqual({
      error_code: expect.stringMatching(/^504/),
      message: expect.any(String),
    });
    expect(await named(name)).toHaveLength(1);
    expect((await emu.control.stats()).creates.connection).toBeGreaterThanOrEqual(1);
  });

  test('a given body replaces the default', async () => {
    await emu.control.commitThen504({
      path: CONNECTIONS,
      body: { error_code: '504001', message: 'x' },
    });
    const res = await api.post(CONNECTIONS, connectionBody(unique('504b')));
    expect(res.status).toBe(504);
    expect(res.body).toEqual({ error_code: '504001', message: 'x' });
  });

  test('a rule needs a path or a kind', async () => {
    await expect(emu.control.addFault({ action: { type: 'drop' } })).rejects.toThrow(/400/);
  });
});

describe('filter readings', () => {
  test('nameMatch caseInsensitive: name==X matches whatever the case (Flow Service, Catalog)', async () => {
    const name = unique('MixedCase');
    const created = await api.post(CONNECTIONS, connectionBody(name));
    expect(await listed(name.toUpperCase())).toEqual([]);
    expect(await emu.control.setFilterMode({ nameMatch: 'caseInsensitive' })).toEqual({
      quoting: 'literal',
      nameMatch: 'caseInsensitive',
    });
    expect((await listed(name.toUpperCase())).map((c) => c.id)).toEqual([created.body.id]);
    const quoted = await api.get(`${CONNECTIONS}?${prop(`name=="${name.toLowerCase()}"`)}`);
    expect(quoted.body.items).toHaveLength(1);
    // Only `name` compares loosely.
    const desc = await api.get(
      `${CONNECTIONS}?${new URLSearchParams({ property: 'description==TEST CONNECTION' }).toString()}`,
    );
    expect(desc.body.items).toEqual([]);
    const ds = await api.post(`${CATALOG}/dataSets`, {
      name,
      schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
    });
    const id = String(ds.body[0]).replace('@/dataSets/', '');
    const catalog = await api.get(`${CATALOG}/dataSets?name=${name.toLowerCase()}`);
    expect(Object.keys(catalog.body)).toEqual([id]);
  });

  test('quoting literal (default) vs raw: quotes and commas in a name', async () => {
    const comma = unique('a, b');
    const a = await api.post(CONNECTIONS, connectionBody(comma));
    const withQuotes = `"${unique('q')}"`;
    const b = await api.post(CONNECTIONS, connectionBody(withQuotes));
    const find = async (value: string) =>
      (
        (await api.get(`${CONNECTIONS}?${prop(`name==${value}`)}`)).body.items as { id: string }[]
      ).map((c) => c.id);

    // literal: a quoted value is one literal; quotes stripped; commas kept.
    expect(await find(`"${comma}"`)).toEqual([a.body.id]);
    expect(await find(withQuotes)).toEqual([]);

    await emu.control.setFilterMode({ quoting: 'raw' });
    // raw: quotes belong to the value; commas always mean "any of".
    expect(await find(`"${comma}"`)).toEqual([]);
    expect(await find(withQuotes)).toEqual([b.body.id]);
    const [left = '', right = ''] = comma.split(',');
    expect(await find(`${left},${withQuotes}`)).toEqual([b.body.id]);
    expect(await find(`${right.trim()},${withQuotes}`)).toEqual([b.body.id]);

    // reset() restores the mode the emulator started with.
    await emu.control.reset();
    expect(await emu.control.filterMode()).toEqual({ quoting: 'literal', nameMatch: 'exact' });
  });

  test('the modes can be chosen at start', async () => {
    await withEmulator({ filterQuoting: 'raw', nameMatch: 'caseInsensitive' }, async (s) => {
      expect(await s.emu.control.filterMode()).toEqual({
        quoting: 'raw',
        nameMatch: 'caseInsensitive',
      });
      await s.api.post(CONNECTIONS, connectionBody('Hello'));
      const res = await s.api.get(`${CONNECTIONS}?property=name==HELLO,nothing`);
      expect(res.body.items).toHaveLength(1);
    });
  });
});
