import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../src/shared/names';

/**
 * Starts the real Temporal dev server (`temporal server start-dev`, built by
 * scripts/install-temporal.sh into .tools/bin) as a child process on loopback, with this
 * project's custom search attributes registered, and resolves once the frontend answers and the
 * namespace is usable. Used by the test harness, the demo, the chaos suite and the benchmark.
 */

export const REPO_ROOT = path.resolve(__dirname, '..');
export const TEMPORAL_BIN = path.join(REPO_ROOT, '.tools', 'bin', 'temporal');

export interface DevServerOptions {
  /** gRPC port; 0 picks a free one. */
  port?: number;
  /** Serve the Web UI (on uiPort); headless otherwise. */
  ui?: boolean;
  uiPort?: number;
  /** SQLite file for persistence across restarts; in-memory when absent. */
  dbFile?: string;
  namespace?: string;
  /** Where the server's own log goes ('ignore' by default; 'inherit' to debug). */
  stdio?: 'ignore' | 'inherit';
  /** With `ui`: the codec endpoint the Web UI decodes payloads through (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  /** Extra `--dynamic-config-value` entries, e.g. { 'frontend.rps': 5000 }. */
  dynamicConfig?: Record<string, string | number | boolean>;
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  namespace: string;
  port: number;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The server exited before it answered (a port it opens was taken meanwhile, for instance). */
class ExitedEarly extends Error {}

/**
 * Starts a dev server. When it exits before it is ready on a port picked here (freePort's port,
 * or one the server derives from it, taken by another process in between), it is started again
 * on another port, up to three times in all.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (!(err instanceof ExitedEarly) || opts.port || attempt === 3) throw err;
    }
  }
}

async function startOnce(opts: DevServerOptions): Promise<DevServer> {
  if (!existsSync(TEMPORAL_BIN)) {
    throw new Error(
      `Temporal CLI not found at ${TEMPORAL_BIN}: run \`bash scripts/install-temporal.sh\` (make test / make demo do it).`,
    );
  }
  const namespace = opts.namespace ?? 'default';
  const port = opts.port || (await freePort());
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    '--log-format',
    'json',
  ];
  let uiUrl: string | undefined;
  if (opts.ui) {
    const uiPort = opts.uiPort || (await freePort());
    args.push('--ui-ip', '127.0.0.1', '--ui-port', String(uiPort));
    if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
    uiUrl = `http://127.0.0.1:${uiPort}`;
  } else {
    args.push('--headless');
  }
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  for (const [name, type] of SEARCH_ATTRIBUTE_DEFINITIONS) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  const dynamic = {
    // Fast test feedback: the dev server otherwise caps frontend RPS per namespace.
    'frontend.namespaceRPS': 100000,
    'frontend.rps': 100000,
    ...opts.dynamicConfig,
  };
  for (const [k, v] of Object.entries(dynamic)) {
    args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  }

  const child: ChildProcess = spawn(TEMPORAL_BIN, args, {
    stdio: ['ignore', opts.stdio ?? 'ignore', opts.stdio ?? 'ignore'],
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });

  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited)
      throw new ExitedEarly(`Temporal dev server ${exited} before it was ready (port ${port})`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        break;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server did not become ready on ${address}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  return {
    address,
    namespace,
    port,
    uiUrl,
    pid: child.pid ?? -1,
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
