/**
 * The benchmark's stack, every part a separate OS process on loopback: the real Temporal dev
 * server, the AEP emulator with a fixed latency per call, and N worker processes configured only
 * through their environment (as in production). `stop()` stops all of them; it is also called on
 * SIGINT/SIGTERM and on any failure, so a run never leaves a process behind.
 */
import path from 'node:path';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { ProvisioningClient } from '../src/client';
import { parseClientConfig } from '../src/config';
import { resolveOptions } from '../emulator';
import { REPO_ROOT, startDevServer, type DevServer } from '../tools/dev-server';
import {
  startEmulatorProcess,
  startWorkerProcess,
  type EmulatorProcess,
  type ManagedProcess,
} from '../tools/processes';
import { findMetricsUrl } from './server-metrics';

export interface StackOptions {
  latencyMs: number;
  workers: number;
  /** SQLite file for the dev server; in-memory when absent. */
  dbFile?: string;
  /** Extra `--dynamic-config-value` entries for the dev server. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Extra environment of every worker (tuning variables). */
  workerEnv: Record<string, string>;
  logDir: string;
  /** Prebuild the workflow bundle once and hand it to the workers (WORKFLOW_BUNDLE_PATH). */
  prebuiltBundle: boolean;
  log: (line: string) => void;
}

export interface Stack {
  server: DevServer;
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
    if (opts.dbFile) rmSync(opts.dbFile, { force: true });
    const server = await startDevServer({
      dbFile: opts.dbFile,
      dynamicConfig: opts.dynamicConfig,
    });
    stops.push(() => server.stop());
    const metricsUrl = await findMetricsUrl(server.pid);
    opts.log(
      `  Temporal dev server ${server.address} (pid ${server.pid}, ${opts.dbFile ? `SQLite ${path.relative(REPO_ROOT, opts.dbFile)}` : 'in-memory SQLite'})`,
    );

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
