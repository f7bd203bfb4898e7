/**
 * The floor's worker process (bench/floor/stack.ts starts it): the floor workflow and its
 * activities on their own task queue, with the product worker's tuning (the same WORKER_*
 * variables, read with the product's defaults) and nothing else: no codec, no metrics, no
 * versioning, warnings only. Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, FLOOR_TASK_QUEUE,
 * AEP_PLATFORM_URL (IMS at the same origin: the emulator), AEP_CLIENT_ID, AEP_CLIENT_SECRET,
 * AEP_ORG_ID, AEP_SCOPES, and optionally WORKFLOW_BUNDLE_PATH. Ready once it logs "worker started".
 */
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import { configSchema } from '../../src/config';
import { createFloorActivities } from './activities';

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

async function main(): Promise<void> {
  const tuning = configSchema
    .pick({
      WORKER_MAX_CONCURRENT_ACTIVITIES: true,
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: true,
      WORKER_MAX_CACHED_WORKFLOWS: true,
      WORKER_ACTIVITY_POLLERS: true,
      WORKER_WORKFLOW_POLLERS: true,
      WORKFLOW_BUNDLE_PATH: true,
    })
    .parse(process.env);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: required('TEMPORAL_ADDRESS') });
  const slots = tuning.WORKER_MAX_CONCURRENT_ACTIVITIES;
  const workflowSlots = tuning.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS;
  // The product worker's mapping of the same variables (src/worker.ts, buildWorker).
  const options = {
    maxConcurrentActivityTaskExecutions: slots,
    maxConcurrentWorkflowTaskExecutions: workflowSlots,
    maxCachedWorkflows: tuning.WORKER_MAX_CACHED_WORKFLOWS,
    activityTaskPollerBehavior: tuning.WORKER_ACTIVITY_POLLERS
      ? { type: 'simple-maximum', maximum: Math.min(tuning.WORKER_ACTIVITY_POLLERS, slots ?? 100) }
      : undefined,
    workflowTaskPollerBehavior: tuning.WORKER_WORKFLOW_POLLERS
      ? {
          type: 'simple-maximum',
          maximum: Math.min(tuning.WORKER_WORKFLOW_POLLERS, workflowSlots ?? 40),
        }
      : undefined,
  } satisfies Partial<WorkerOptions>;
  const bundle = tuning.WORKFLOW_BUNDLE_PATH;
  const worker = await Worker.create({
    connection,
    namespace: required('TEMPORAL_NAMESPACE'),
    taskQueue: required('FLOOR_TASK_QUEUE'),
    ...(bundle
      ? { workflowBundle: { codePath: bundle } }
      : { workflowsPath: require.resolve('./workflows') }),
    activities: createFloorActivities({
      url: required('AEP_PLATFORM_URL'),
      clientId: required('AEP_CLIENT_ID'),
      clientSecret: required('AEP_CLIENT_SECRET'),
      orgId: required('AEP_ORG_ID'),
      scopes: required('AEP_SCOPES'),
    }),
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  });
  process.stderr.write(`${JSON.stringify({ level: 'INFO', message: 'worker started' })}\n`);
  // Worker.run() stops polling on SIGINT/SIGTERM, lets running tasks finish, then resolves.
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
