/**
 * The real third-party client, not an imitation: Adobe's Python wrapper aepp 0.6.0 (installed
 * into .tools/aepp by scripts/install-aepp.sh) runs test/emulator/aepp-client.py against the
 * emulator. It finds the HTTP API and Data Lake specs by name, creates streaming connections,
 * source and target connections and flows its own way, and lists them with a page size that
 * forces it to follow `_links.next.href` (issue #27 item 5). No aepp, no pass: a failed install
 * fails this test.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CATALOG,
  DATA_LAKE_SPEC,
  HTTP_API_SPEC,
  type Json,
  type Platform,
  SCHEMA_ID,
  useEmulator,
} from './helpers';
import type { RunningEmulator } from '../../emulator';

const root = join(__dirname, '..', '..');
const python = join(root, '.tools', 'aepp', 'bin', 'python');
const script = join(__dirname, 'aepp-client.py');
const COUNT = 5;
const LIMIT = 2;

let emu: RunningEmulator;
let api: Platform;
useEmulator({}, (s) => ({ emu, api } = s));

beforeAll(() => {
  // Quick when installed; on a fresh clone it installs (the same script `make test` runs).
  try {
    execFileSync('bash', [join(root, 'scripts', 'install-aepp.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    throw new Error(
      `aepp is not installed and scripts/install-aepp.sh failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`,
      { cause: err },
    );
  }
  if (!existsSync(python)) throw new Error(`aepp: ${python} missing after install-aepp.sh`);
}, 120_000);

function runAepp(
  args: Record<string, unknown>,
): Promise<{ code: number; summary: Json; log: string }> {
  return new Promise((resolve) => {
    execFile(
      python,
      [script, JSON.stringify(args)],
      { cwd: root, timeout: 60_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const last = stdout.trim().split('\n').pop() ?? '';
        let summary: Json;
        try {
          summary = JSON.parse(last);
        } catch {
          summary = { error: `no JSON summary; stdout:\n${stdout}\nstderr:\n${stderr}` };
        }
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, summary, log: `${stdout}\n${stderr}` });
      },
    );
  });
}

test('aepp finds the specs by name, creates a streaming source and pages every list', async () => {
  const ds = await api.post(`${CATALOG}/dataSets`, {
    name: 'aepp target dataset',
    schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
  });
  expect(ds.status).toBe(201);
  const datasetId = String(ds.body[0]).replace('@/dataSets/', '');

  const { code, summary } = await runAepp({
    url: emu.url,
    ...emu.credentials,
    datasetId,
    schemaId: SCHEMA_ID,
    count: COUNT,
    limit: LIMIT,
  });
  // The step aepp tripped on, with its exception, is the most useful failure message.
  expect(summary.error).toBeUndefined();
  expect(code).toBe(0);
  expect(summary.aeppVersion).toBe('0.6.0');

  expect(summary.specIds).toEqual({
    'Streaming Connection': HTTP_API_SPEC,
    datalake: DATA_LAKE_SPEC,
  });
  expect(summary.inletUrl).toMatch(new RegExp(`^${emu.url}/collection/[0-9a-f]{64}$`));

  for (const kind of [
    'connections',
    'flows',
    'sourceFlows',
    'sourceConnections',
    'targetConnections',
  ]) {
    const created: string[] = summary.created[kind === 'sourceFlows' ? 'flows' : kind];
    const { ids, requests } = summary.listed[kind] as { ids: string[]; requests: Json[] };
    expect(created).toHaveLength(COUNT);
    // Every item exactly once: nothing lost, nothing repeated, nothing else.
    expect([...ids].sort()).toEqual([...created].sort());
    // One request per page of LIMIT items, so aepp did follow the next links.
    expect(requests).toHaveLength(Math.ceil(COUNT / LIMIT));
  }
  // getConnections re-sends the href verbatim: the token travels in the path it appends.
  const connPages = summary.listed.connections.requests as { path: string }[];
  expect(connPages[1]?.path).toMatch(
    /^\/data\/foundation\/flowservice\/connections\?continuationToken=[\w-]+$/,
  );
});
