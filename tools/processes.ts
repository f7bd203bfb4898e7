import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EmulatorControl } from '../emulator/control';
import { freePort, REPO_ROOT } from './dev-server';

/**
 * The product's parts as separate OS processes (emulator, workers), for the tools that must kill
 * and restart them: the chaos suite and the benchmark. Each child's output goes to a log file the
 * caller chooses (audited for secrets by the chaos suite). Loopback only.
 */

/**
 * Node with tsx's loader, not the `tsx` CLI: the CLI runs the script in a second node process, so
 * a SIGKILL of the CLI would leave the real worker or emulator running, orphaned. With the loader
 * the spawned pid is the process itself, and kill() really is a crash.
 */
const TSX_LOADER = pathToFileURL(
  path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs'),
).href;

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGKILL: no shutdown, no cleanup (a crash). */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

interface SpawnOptions {
  name: string;
  args: string[];
  env: Record<string, string | undefined>;
  logFile?: string;
  /** Resolves once this line pattern appears on stdout or stderr. */
  readyPattern?: RegExp;
  readyTimeoutMs?: number;
}

async function spawnManaged(opts: SpawnOptions): Promise<ManagedProcess> {
  let log: WriteStream | undefined;
  if (opts.logFile) {
    mkdirSync(path.dirname(opts.logFile), { recursive: true });
    log = createWriteStream(opts.logFile, { flags: 'a' });
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', TSX_LOADER, ...opts.args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let ready: Promise<void> = Promise.resolve();
  if (opts.readyPattern) {
    const pattern = opts.readyPattern;
    ready = new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => {
        // The caller gets no handle on a process that never became ready: do not leave it running.
        child.kill('SIGKILL');
        reject(
          new Error(
            `${opts.name} not ready after ${opts.readyTimeoutMs ?? 60_000} ms:\n${seen.slice(-2000)}`,
          ),
        );
      }, opts.readyTimeoutMs ?? 60_000);
      const onData = (d: Buffer) => {
        seen += d.toString();
        if (pattern.test(seen)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(`${opts.name} exited (${code}) before it was ready:\n${seen.slice(-2000)}`),
        );
      });
    });
  }
  child.stdout?.on('data', (d: Buffer) => log?.write(d));
  child.stderr?.on('data', (d: Buffer) => log?.write(d));
  void exited.then(() => log?.end());
  await ready;

  const signal = async (sig: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill(sig);
    await exited;
    clearTimeout(timer);
  };
  return {
    name: opts.name,
    pid: child.pid ?? -1,
    exited,
    kill: () => signal('SIGKILL', 0),
    stop: (graceMs = 10_000) => signal('SIGTERM', graceMs),
  };
}

export interface EmulatorProcess extends ManagedProcess {
  url: string;
  control: EmulatorControl;
}

/** `npm run emulator` as a child process on a free loopback port, ready when its control API answers. */
export async function startEmulatorProcess(
  opts: { port?: number; latencyMs?: number; seed?: number; logFile?: string } = {},
): Promise<EmulatorProcess> {
  const port = opts.port || (await freePort());
  const args = [
    path.join(REPO_ROOT, 'emulator', 'main.ts'),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
  ];
  if (opts.latencyMs) args.push('--latency', String(opts.latencyMs));
  if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
  const proc = await spawnManaged({ name: 'emulator', args, env: {}, logFile: opts.logFile });
  const url = `http://127.0.0.1:${port}`;
  const control = new EmulatorControl(url);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await control.stats();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await proc.kill();
        throw new Error(`emulator did not answer on ${url}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { ...proc, url, control };
}

/**
 * `src/worker.ts` (or another worker script, `entry`: the benchmark's floor) as a child process,
 * configured only through its environment (as in production), ready once it logs "worker started".
 */
export async function startWorkerProcess(opts: {
  name?: string;
  env: Record<string, string | undefined>;
  logFile?: string;
  entry?: string;
}): Promise<ManagedProcess> {
  return spawnManaged({
    name: opts.name ?? 'worker',
    args: [opts.entry ?? path.join(REPO_ROOT, 'src', 'worker.ts')],
    env: opts.env,
    logFile: opts.logFile,
    readyPattern: /"message":"worker started"/,
    readyTimeoutMs: 120_000,
  });
}
