/**
 * The benchmark's stack, every part a separate OS process on loopback: the real Temporal dev
 * server (or, with `server: 'postgres'`, the production shape of tools/pg-stack.ts: the Temporal
 * server on PostgreSQL with 4 history shards), the AEP emulator with a fixed latency per call, and N worker processes configured only
 * through their environment (as in production). `stop()` stops all of them; it is also called on
 * SIGINT/SIGTERM and on any failure, so a run never leaves a process behind.
 */
import path from 'node:path';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { ProvisioningClient } from '../src/client';
import { parseClientConfig } from '../src/config';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../src/worker';
import { resolveOptions } from '../emulator';
import { REPO_ROOT, startDevServer } from '../tools/dev-server';
import { startPgStack } from '../tools/pg-stack';
import {
  startEmulatorProcess,
  startWorkerProcess,
  type EmulatorProcess,
  type ManagedProcess,
} from '../tools/processes';
import { findMetricsUrl } from './server-metrics';

export type ServerKind = 'dev' | 'postgres';

export interface StackOptions {
  /** 'dev': the CLI's dev server (SQLite, 1 shard); 'postgres': tools/pg-stack.ts. */
  server?: ServerKind;
  latencyMs: number;
  workers: number;
  /** SQLite file for the dev server; in-memory when absent. */
  dbFile?: string;
  /** Extra dynamic config for the server (dev server flags, or the PostgreSQL stack's file). */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Extra environment of every worker (tuning variables). */
  workerEnv: Record<string, string>;
  logDir: string;
  /** Prebuild the workflow bundle once and hand it to the workers (WORKFLOW_BUNDLE_PATH). */
  prebuiltBundle: boolean;
  log: (line: string) => void;
}

/** The Temporal server of a run, whichever kind. */
export interface BenchServer {
  kind: ServerKind;
  address: string;
  namespace: string;
  pid: number;
  /** PostgreSQL's postmaster (its backends are its children), for the postgres kind. */
  postgresPid?: number;
  /** A line for the report. */
  describe: string;
  /** Connections open in PostgreSQL now (postgres kind). */
  connections?: () => Promise<number>;
  stop(): Promise<void>;
}

export interface Stack {
  server: BenchServer;
  emulator: EmulatorProcess;
  workers: ManagedProcess[];
  client: ProvisioningClient;
  taskQueue: string;
  /** The dev server's Prometheus endpoint (found on its loopback sockets), if any. */
  metricsUrl?: string;
  credentials: { clientId: string; clientSecret: string; orgId: string; scopes: string };
  stop(): Promise<void>;
}

const quiet = () => undefined;
const quietLogger = {
  log: quiet,
  trace: quiet,
  debug: quiet,
  info: quiet,
  warn: quiet,
  error: (m: string) => process.stderr.write(`workflow bundle: ${m}\n`),
};

export async function startStack(opts: StackOptions): Promise<Stack> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    while (stops.length > 0) {
      const stop = stops.pop() as () => Promise<void>;
      await stop().catch((err: unknown) => opts.log(`  (stop failed: ${String(err)})`));
    }
  };
  try {
    let server: BenchServer;
    let metricsUrl: string | undefined;
    if (opts.server === 'postgres') {
      const pg = await startPgStack({
        dynamicConfig: opts.dynamicConfig,
        metrics: true,
        dir: path.join(opts.logDir, 'pg-stack'),
        keep: 'logs',
        log: opts.log,
      });
      stops.push(() => pg.stop());
      metricsUrl = pg.metricsUrl;
      server = {
        kind: 'postgres',
        address: pg.address,
        namespace: pg.namespace,
        pid: pg.serverPid(),
        postgresPid: pg.postgresPid(),
        describe: `Temporal server ${pg.versions.server} on PostgreSQL (${pg.serverEnv.NUM_HISTORY_SHARDS ?? '4'} history shards)`,
        connections: async () =>
          Number(
            await pg.psql(
              "select count(*) from pg_stat_activity where backend_type = 'client backend'",
            ),
          ),
        stop: () => pg.stop(),
      };
    } else {
      if (opts.dbFile) rmSync(opts.dbFile, { force: true });
      const dev = await startDevServer({
        dbFile: opts.dbFile,
        dynamicConfig: opts.dynamicConfig,
      });
      stops.push(() => dev.stop());
      metricsUrl = await findMetricsUrl(dev.pid);
      server = {
        kind: 'dev',
        address: dev.address,
        namespace: dev.namespace,
        pid: dev.pid,
        describe: `Temporal dev server (${opts.dbFile ? 'SQLite file' : 'in-memory SQLite'}, 1 history shard)`,
        stop: () => dev.stop(),
      };
      opts.log(
        `  Temporal dev server ${dev.address} (pid ${dev.pid}, ${opts.dbFile ? `SQLite ${path.relative(REPO_ROOT, opts.dbFile)}` : 'in-memory SQLite'})`,
      );
    }

    const emulator = await startEmulatorProcess({
      latencyMs: opts.latencyMs,
      logFile: path.join(opts.logDir, 'emulator.log'),
    });
    stops.push(() => emulator.stop());
    opts.log(`  AEP emulator ${emulator.url} (pid ${emulator.pid}, ${opts.latencyMs} ms per call)`);

    const defaults = resolveOptions();
    const credentials = {
      clientId: defaults.clientId,
      clientSecret: defaults.clientSecret,
      orgId: defaults.orgId,
      scopes: 'openid,AdobeID,read_organizations,additional_info.projectedProductContext,session',
    };
    const taskQueue = `bench-${process.pid}-${Date.now()}`;
    let bundlePath: string | undefined;
    if (opts.prebuiltBundle) {
      bundlePath = path.join(opts.logDir, 'workflow-bundle.js');
      const { code } = await bundleWorkflowCode({
        workflowsPath: require.resolve('../src/workflows'),
        workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
        logger: quietLogger,
      });
      mkdirSync(opts.logDir, { recursive: true });
      writeFileSync(bundlePath, code);
      opts.log(`  workflow bundle prebuilt: ${path.relative(REPO_ROOT, bundlePath)}`);
    }
    const env = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      AEP_PLATFORM_URL: emulator.url,
      AEP_IMS_URL: emulator.url,
      AEP_CLIENT_ID: credentials.clientId,
      AEP_CLIENT_SECRET: credentials.clientSecret,
      AEP_ORG_ID: credentials.orgId,
      AEP_SANDBOX: 'prod',
      // The emulator enforces no request budget: the benchmark measures the product without one.
      AEP_MAX_REQUESTS_PER_SECOND: '100000',
      LOG_LEVEL: 'warn',
      ...(bundlePath ? { WORKFLOW_BUNDLE_PATH: bundlePath } : {}),
      ...opts.workerEnv,
    };
    // Started one after the other: each bundles the workflow code at start-up (CPU-heavy).
    const workers: ManagedProcess[] = [];
    for (let i = 0; i < opts.workers; i++) {
      const worker = await startWorkerProcess({
        name: `worker-${i + 1}`,
        env,
        logFile: path.join(opts.logDir, `worker-${i + 1}.log`),
      });
      stops.push(() => worker.stop());
      workers.push(worker);
      opts.log(`  worker ${i + 1} (pid ${worker.pid})`);
    }

    const clientConfig = parseClientConfig({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      AEP_ORG_ID: credentials.orgId,
      AEP_SANDBOX: 'prod',
    });
    const connection = await Connection.connect({ address: server.address });
    stops.push(() => connection.close());
    const client = new ProvisioningClient(
      new Client({ connection, namespace: server.namespace }),
      clientConfig,
    );
    return {
      server,
      emulator,
      workers,
      client,
      taskQueue,
      metricsUrl,
      credentials,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
