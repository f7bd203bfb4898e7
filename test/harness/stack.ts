import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ProvisioningClient } from '../../src/client';
import { parseConfig, type Config } from '../../src/config';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../emulator';
import { buildWorker, WORKFLOW_INTERCEPTOR_MODULES, type Workers } from '../../src/worker';
import { connectTestEnv, freshTaskQueue } from './temporal';
import { emulatorEnv } from '../../tools/emulator-env';

/**
 * The real stack for workflow tests: the jest-wide Temporal dev server, an in-process AEP
 * emulator, and a worker built by src/worker.ts (so tests exercise the production wiring) on a
 * task queue of its own.
 */
export interface Stack {
  env: TestWorkflowEnvironment;
  emulator: RunningEmulator;
  config: Config;
  client: ProvisioningClient;
  taskQueue: string;
  /** Runs `fn` while a worker polls the stack's task queue. */
  withWorker<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: quietLogger,
  });
  return bundle;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (m: string) => console.error(m),
};

export async function startStack(emulatorOptions: EmulatorOptions = {}): Promise<Stack> {
  const env = await connectTestEnv();
  const emulator = await startEmulator({ port: 0, ...emulatorOptions });
  const taskQueue = freshTaskQueue('provision');
  const config = parseConfig({
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ...emulatorEnv(emulator.url, emulator.credentials),
    AEP_SANDBOX: 'prod',
    AEP_REQUEST_TIMEOUT_MS: '5000',
    // The emulator enforces no budget: tests run unpaced but for test/workflows/rate-budget.test.ts.
    AEP_MAX_REQUESTS_PER_SECOND: '10000',
  });
  const client = new ProvisioningClient(env.client, config);
  const wb = await workflowBundle();
  let worker: Workers | undefined;
  let running: Promise<unknown> | undefined;
  return {
    env,
    emulator,
    config,
    client,
    taskQueue,
    async withWorker<T>(fn: () => Promise<T>): Promise<T> {
      // A test that timed out leaves its workers polling the same queue: stop them first, or
      // every later test of the file fails to register its own.
      worker?.shutdown();
      await running?.catch(() => undefined);
      worker = await buildWorker({
        config,
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: wb,
      });
      const run = worker.runUntil(fn());
      running = run;
      return run;
    },
    async close() {
      worker?.shutdown();
      await running?.catch(() => undefined);
      await emulator.close();
      await env.teardown();
    },
  };
}

export const SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';
