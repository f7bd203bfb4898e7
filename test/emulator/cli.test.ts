/**
 * The standalone emulator's CLI flags for the switchable readings: started as `npm run emulator`
 * does (tsx emulator/main.ts), on a random loopback port, and checked through its control API and
 * a Flow Service list. Stopped with SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { EmulatorControl } from '../../emulator/control';
import { connectionBody, FLOW, getToken, Platform } from './helpers';
import type { RunningEmulator } from '../../emulator';

const ROOT = path.join(__dirname, '../..');

async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'emulator/main.ts', '--port', '0', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed; stderr: ${err}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${String(code)}: ${err}`));
    });
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

test('--filter-quoting raw --name-match case-insensitive --mapping-set-delete unsupported', async () => {
  const { child, url } = await startCli([
    '--filter-quoting',
    'raw',
    '--name-match',
    'case-insensitive',
    '--mapping-set-delete',
    'unsupported',
  ]);
  try {
    const control = new EmulatorControl(url);
    expect(await control.filterMode()).toEqual({ quoting: 'raw', nameMatch: 'caseInsensitive' });
    const emu = {
      url,
      credentials: {
        clientId: 'emulator-client-id',
        clientSecret: 'emulator-client-secret',
        orgId: 'EMULATOR0000000000000000@AdobeOrg',
      },
    } as RunningEmulator;
    const api = new Platform(emu, await getToken(emu));
    await api.post(`${FLOW}/connections`, connectionBody('Cli Name'));
    await api.post(`${FLOW}/connections`, connectionBody('cli name'));
    const res = await api.get(`${FLOW}/connections?property=name==CLI%20NAME&limit=1`);
    expect(res.body.items).toHaveLength(1);
    expect(res.body._links.next.href).toMatch(/^\/connections\?continuationToken=[^&]+$/);
    const del = await api.delete('/data/foundation/conversion/mappingSets/abc');
    expect(del.status).toBe(405);
  } finally {
    await stop(child);
  }
});

test('an unknown mode is refused', async () => {
  await expect(startCli(['--name-match', 'sometimes'])).rejects.toThrow(/--name-match must be/);
});
