/**
 * The floor's workers beside the product's: as many processes, each its own OS process
 * (tools/processes.ts, bench/floor/worker.ts), with the same tuning and memory environment, on a
 * task queue of their own on the same server, calling the same emulator; and a plain Temporal
 * client that starts the floor workflow. `stop()` stops all of it.
 */
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { REPO_ROOT } from '../../tools/dev-server';
import { startWorkerProcess, type ManagedProcess } from '../../tools/processes';
import type { Stack } from '../stack';
import type { FloorRequest } from './activities';
import type { FloorProvision } from './workflows';

export interface FloorWorkers {
  taskQueue: string;
  workers: ManagedProcess[];
  start(r: FloorRequest): Promise<WorkflowHandle<typeof FloorProvision>>;
  stop(): Promise<void>;
}

const quiet = () => undefined;
const quietLogger = {
  log: quiet,
  trace: quiet,
  debug: quiet,
  info: quiet,
  warn: quiet,
  error: (m: string) => process.stderr.write(`floor workflow bundle: ${m}\n`),
};

export async function startFloorWorkers(
  stack: Stack,
  opts: {
    workers: number;
    /** The product workers' tuning and memory variables (WORKER_*, NODE_OPTIONS, MALLOC_ARENA_MAX). */
    workerEnv: Record<string, string>;
    logDir: string;
    prebuiltBundle: boolean;
    log: (line: string) => void;
  },
): Promise<FloorWorkers> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    while (stops.length > 0) await (stops.pop() as () => Promise<void>)().catch(() => undefined);
  };
  try {
    const taskQueue = `bench-floor-${process.pid}-${Date.now()}`;
    let bundlePath: string | undefined;
    if (opts.prebuiltBundle) {
      bundlePath = path.join(opts.logDir, 'floor-workflow-bundle.js');
      const { code } = await bundleWorkflowCode({
        workflowsPath: require.resolve('./workflows'),
        logger: quietLogger,
      });
      mkdirSync(opts.logDir, { recursive: true });
      writeFileSync(bundlePath, code);
    }
    const { server, emulator, credentials } = stack;
    const env = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      FLOOR_TASK_QUEUE: taskQueue,
      AEP_PLATFORM_URL: emulator.url,
      AEP_CLIENT_ID: credentials.clientId,
      AEP_CLIENT_SECRET: credentials.clientSecret,
      AEP_ORG_ID: credentials.orgId,
      AEP_SCOPES: credentials.scopes,
      ...(bundlePath ? { WORKFLOW_BUNDLE_PATH: bundlePath } : {}),
      ...opts.workerEnv,
    };
    const workers: ManagedProcess[] = [];
    for (let i = 0; i < opts.workers; i++) {
      const worker = await startWorkerProcess({
        name: `floor-worker-${i + 1}`,
        env,
        entry: path.join(REPO_ROOT, 'bench', 'floor', 'worker.ts'),
        logFile: path.join(opts.logDir, `floor-worker-${i + 1}.log`),
      });
      stops.push(() => worker.stop());
      workers.push(worker);
      opts.log(`  floor worker ${i + 1} (pid ${worker.pid})`);
    }
    const connection = await Connection.connect({ address: server.address });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace });
    return {
      taskQueue,
      workers,
      start: (r) =>
        client.workflow.start<typeof FloorProvision>('FloorProvision', {
          taskQueue,
          workflowId: `floor ${r.sandbox} ${r.name}`,
          args: [r],
        }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
