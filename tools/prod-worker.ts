import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './dev-server';

/**
 * The worker as the Docker image runs it: `node dist/worker.js` from `tsc -p tsconfig.build.json`
 * output, with WORKFLOW_BUNDLE_PATH pointing at the prebuilt workflow bundle, configured only
 * through its environment. `buildProduction()` runs the Dockerfile's two build commands (into
 * another folder when asked, so a test does not race `npm run build`'s `rm -rf dist`).
 */

const NPX = 'npx';

function exec(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${out}`)),
    );
  });
}

/** `npm run build` + `npm run build:workflow-bundle` into `outDir` (default dist/). */
export async function buildProduction(outDir = path.join(REPO_ROOT, 'dist')): Promise<string> {
  await exec(NPX, ['tsc', '-p', 'tsconfig.build.json', '--outDir', outDir]);
  await exec(NPX, [
    'tsx',
    'scripts/build-workflow-bundle.ts',
    '--out',
    path.join(outDir, 'workflow-bundle.js'),
  ]);
  return outDir;
}

export interface ProductionWorker {
  pid: number;
  exited: Promise<number | string>;
  /** SIGTERM (Worker.run() drains in-flight tasks), SIGKILL after graceMs; resolves with the exit. */
  stop(graceMs?: number): Promise<number | string>;
  kill(): Promise<void>;
}

export async function startProductionWorker(opts: {
  distDir?: string;
  env: Record<string, string | undefined>;
  logFile: string;
  readyTimeoutMs?: number;
}): Promise<ProductionWorker> {
  const distDir = opts.distDir ?? path.join(REPO_ROOT, 'dist');
  const entry = path.join(distDir, 'worker.js');
  const bundle = path.join(distDir, 'workflow-bundle.js');
  if (!existsSync(entry) || !existsSync(bundle)) {
    throw new Error(
      `${entry} or ${bundle} is missing: run \`make build\` and \`npm run build:workflow-bundle\``,
    );
  }
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const child: ChildProcess = spawn(process.execPath, [entry], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      ...opts.env,
      // The bundle of this dist/ (compose's value, /app/dist/…, is the image's path).
      WORKFLOW_BUNDLE_PATH: bundle,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker not ready:\n${seen.slice(-2000)}`));
    }, opts.readyTimeoutMs ?? 60_000);
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('"message":"worker started"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before it was ready:\n${seen.slice(-2000)}`));
    });
  });
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  log.write(seen);
  const stop = async (graceMs = 30_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill('SIGTERM');
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return {
    pid: child.pid ?? -1,
    exited,
    stop,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
