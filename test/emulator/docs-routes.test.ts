/**
 * docs/emulator.md's endpoint table against the routes the running emulator registers (collected
 * by an `onRoute` hook, read through the control API): every served or partial row is a route,
 * every route has a row, and every "not served" row really answers 404.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunningEmulator } from '../../emulator';
import { type Platform, useEmulator } from './helpers';

let emu: RunningEmulator;
let api: Platform;
useEmulator({}, (s) => ({ emu, api } = s));

interface Row {
  method: string;
  url: string;
  status: string;
}

function documentedEndpoints(): Row[] {
  const md = readFileSync(path.join(__dirname, '../../docs/emulator.md'), 'utf8');
  const start = md.indexOf('<!-- endpoints:start -->');
  const end = md.indexOf('<!-- endpoints:end -->');
  if (start < 0 || end < start) throw new Error('docs/emulator.md: endpoint table markers missing');
  const rows: Row[] = [];
  for (const line of md.slice(start, end).split('\n')) {
    const m = /^\|\s*([A-Z]+)\s*\|\s*`([^`]+)`\s*\|\s*(.*?)\s*\|\s*$/.exec(line);
    if (m) rows.push({ method: m[1] ?? '', url: m[2] ?? '', status: m[3] ?? '' });
  }
  return rows;
}

const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

test('every registered route has a served/partial row, and every such row is registered', async () => {
  const rows = documentedEndpoints();
  expect(rows.length).toBeGreaterThan(20);
  for (const r of rows) expect(r.status).toMatch(/^(served|partial|not served)\b/);
  const documented = rows.filter((r) => !r.status.startsWith('not served')).map(key);
  const registered = (await emu.control.routes()).map(key);
  expect([...new Set(registered)].sort()).toEqual([...new Set(documented)].sort());
  expect(new Set(documented).size).toBe(documented.length);
});

test('"not served" rows are not registered and answer 404', async () => {
  const registered = new Set((await emu.control.routes()).map(key));
  const notServed = documentedEndpoints().filter((r) => r.status.startsWith('not served'));
  expect(notServed.length).toBeGreaterThan(0);
  for (const r of notServed) {
    expect(registered.has(key(r))).toBe(false);
    const url = r.url.replace(/:[A-Za-z]+/g, 'abc');
    const res =
      r.method === 'GET'
        ? await api.get(url)
        : r.method === 'DELETE'
          ? await api.delete(url)
          : r.method === 'PUT'
            ? await api.put(url, { x: 1 })
            : r.method === 'PATCH'
              ? await api.patch(url, [{ op: 'add', path: '/x', value: 1 }])
              : await api.post(url, { x: 1 });
    expect({ endpoint: key(r), status: res.status }).toEqual({ endpoint: key(r), status: 404 });
  }
});
