import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort, REPO_ROOT, TEMPORAL_BIN } from '../../tools/dev-server';

/** Shared by the operate suites: child processes with captured output, and small waits. */

export const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'operate');

export interface Child {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** Resolves once `pattern` appears in the output; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | string>;
}

export function start(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Child {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  let done: number | string | undefined;
  void exited.then((c) => (done = c));
  return {
    child,
    exited,
    output: () => out,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (done !== undefined)
          throw new Error(`${command} exited (${done}) before ${pattern}:\n${out.slice(-3000)}`);
        if (Date.now() > deadline)
          throw new Error(`${command}: no ${pattern} after ${timeoutMs} ms:\n${out.slice(-3000)}`);
        await sleep(50);
      }
    },
    async stop(graceMs = 10_000) {
      if (done !== undefined) return done;
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill('SIGTERM');
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs a command to completion; resolves with its exit code and output. */
export async function run(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<{ code: number | string; output: string }> {
  const c = start(command, args, opts);
  const code = await c.exited;
  return { code, output: c.output() };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await sleep(200);
  }
}

/**
 * A Temporal dev server with nothing registered (no custom search attributes), the state a
 * fresh production cluster is in before the compose stack's setup job has run.
 */
export async function startBareTemporal(): Promise<{ address: string; stop(): Promise<void> }> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const server = start(TEMPORAL_BIN, [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'error',
  ]);
  try {
    await eventually(async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return true;
      } finally {
        await connection.close();
      }
    }, `Temporal on ${address}`);
  } catch (err) {
    await server.stop(0);
    throw err;
  }
  return {
    address,
    stop: async () => {
      await server.stop();
    },
  };
}
