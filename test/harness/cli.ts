import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../tools/dev-server';

/** What one `aep-stream` invocation left: its exit code and its output. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `aep-stream` (src/cli.ts through tsx) as an operator does, in its own process: `env` is
 * its whole environment besides PATH, `stdin` what it reads.
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  stdin = '',
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(REPO_ROOT, 'src', 'cli.ts'), ...args],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH, ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
