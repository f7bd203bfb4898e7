import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChaosReport } from '../../chaos/run';

/**
 * Runs `npm run chaos -- <args> --json` as a child process (its own dev server, emulator and
 * workers) and returns the report parsed from the last line of stdout. On a timeout the run is
 * sent SIGTERM (it stops every process it started), then SIGKILL.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const LOADER = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface ChaosRun {
  code: number | null;
  report: ChaosReport;
  stdout: string;
  stderr: string;
}

export async function runChaosCli(args: string[], timeoutMs: number): Promise<ChaosRun> {
  const child = spawn(
    process.execPath,
    ['--import', LOADER, path.join(ROOT, 'chaos', 'run.ts'), ...args, '--json'],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let killTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  clearTimeout(killTimer);
  // The JSON report is the last line, or the second-last when a plain summary line follows it
  // (lifecycle, unkind).
  const last =
    stdout
      .trim()
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('{')) ?? '';
  let report: ChaosReport;
  try {
    report = JSON.parse(last) as ChaosReport;
  } catch {
    throw new Error(
      `chaos ${args.join(' ')} exited ${code} without a JSON report:\n${stderr.slice(-4000)}`,
    );
  }
  return { code, report, stdout, stderr };
}
