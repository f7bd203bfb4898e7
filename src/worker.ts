import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type LogEntry,
  type WorkerOptions,
} from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createActivities } from './activities';
import { createAepClient } from './aep/client';
import { dataConverterOf } from './codec';
import { orgConfig, parseConfig, servedOrgs, type Config } from './config';
import { clientOn, connectionOptions } from './connection';
import { nexusServiceHandler } from './nexus/service';
import { RequestPacer } from './aep/pacer';
import { Workers } from './workers';
export { Workers } from './workers';
import { ATTEMPT_TIMEOUT_MS } from './workflows/policies';
import { placeOf } from './request';
import { datasetAsksQueue, datasetCallsQueue } from './shared/names';
import { activityTracing, startTracing, workflowSpanSinks } from './telemetry';

/**
 * On SIGTERM (a deploy) running activities get one whole attempt (ATTEMPT_TIMEOUT_MS) plus 5 s
 * before they are cancelled, so an attempt that had just sent its create ends on its own (every
 * request ends by its attempt's deadline; a cancellation does not abort a sent create, context.ts).
 */
export const SHUTDOWN_GRACE_MS = ATTEMPT_TIMEOUT_MS + 5_000;
/** Then it gives up and exits: under docker-compose.yml's `stop_grace_period` (60 s, SIGKILL). */
export const SHUTDOWN_FORCE_MS = SHUTDOWN_GRACE_MS + 15_000;

/** The workflow interceptor modules every bundle of ./workflows holds, prebuilt ones too. */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('./workflows/tracing')];

/**
 * The only place that builds real clients: the AEP client (its one IMS token cache serves the
 * process) and the Temporal connection. Everything else receives them injected.
 */
export async function buildWorker(opts: {
  config: Config;
  connection: NativeConnection;
  /** Override the task queue (tests use a fresh one each). */
  taskQueue?: string;
  /** A prebuilt workflow bundle (tests, Docker image: WORKFLOW_BUNDLE_PATH); else ./workflows. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  tuning?: Partial<WorkerOptions>;
}): Promise<Workers> {
  const { config, connection } = opts;
  const codePath = config.WORKFLOW_BUNDLE_PATH;
  const workflowBundle = opts.workflowBundle ?? (codePath ? { codePath } : undefined);
  // One set of workers per org served, each on the org's task queue with the org's credentials:
  // an org whose Platform calls are throttled holds only its own slots and pollers.
  const taskQueue = opts.taskQueue ?? config.TEMPORAL_TASK_QUEUE;
  const orgs = servedOrgs(config, taskQueue);
  const workers = new Workers();
  for (const org of orgs) {
    const c = orgConfig(config, org);
    // The Nexus service on the first org's queue only: it routes each request to the org it names.
    const nexus =
      org === orgs[0]
        ? nexusServiceHandler({ ...config, TEMPORAL_TASK_QUEUE: taskQueue })
        : undefined;
    const { all, pacer } = await buildOrgWorkers(c, connection, workflowBundle, opts.tuning, nexus);
    workers.add(...all).leasing({ connection, config: c, pacer, taskQueue: org.taskQueue });
  }
  return workers;
}

/** One org's workers (`config` as that org alone would have it): main, and two activity-only. */
async function buildOrgWorkers(
  config: Config,
  connection: NativeConnection,
  workflowBundle: WorkerOptions['workflowBundle'],
  tuning: Partial<WorkerOptions> | undefined,
  nexus?: ReturnType<typeof nexusServiceHandler>,
) {
  const taskQueue = config.TEMPORAL_TASK_QUEUE;
  // Payloads are encrypted by the worker, outside the workflow sandbox: the bundle is the same
  // with or without PAYLOAD_ENCRYPTION_KEYS.
  const dataConverter = dataConverterOf(config);
  // Every Platform request of the org in the process waits its turn in one pacer, run by the
  // org's lease (rate.ts).
  const pacer = new RequestPacer();
  const common = {
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    activities: createActivities({
      aep: createAepClient({ config, pacer }),
      place: placeOf(config),
      // Updates to dataset workflows: payloads encoded with the same converter (codec keys).
      temporal: clientOn(connection, config),
    }),
    ...(dataConverter ? { dataConverter } : {}),
    interceptors: { activity: activityTracing() },
    sinks: workflowSpanSinks(),
    ...(config.WORKER_DEPLOYMENT_NAME
      ? {
          workerDeploymentOptions: {
            useWorkerVersioning: true as const,
            version: { deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId: buildIdOf(config) },
            // A run finishes on the build it started on; the dataset workflows say otherwise.
            defaultVersioningBehavior: 'PINNED' as const,
          },
        }
      : {}),
    shutdownGraceTime: SHUTDOWN_GRACE_MS,
    shutdownForceTime: SHUTDOWN_FORCE_MS,
    ...workerTuning(config),
    ...tuning,
  };
  const main = await Worker.create({
    ...common,
    taskQueue,
    ...(nexus ? { nexusServices: [nexus] } : {}), // aep-streaming, src/nexus/
    ...(workflowBundle
      ? { workflowBundle }
      : {
          workflowsPath: require.resolve('./workflows'),
          interceptors: { ...common.interceptors, workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
        }),
  });
  const calls = await Worker.create({ ...common, taskQueue: datasetCallsQueue(taskQueue) });
  const asks = await Worker.create({ ...common, taskQueue: datasetAsksQueue(taskQueue) });
  return { all: [main, calls, asks], pacer };
}

/** The WORKER_* settings as worker options; unset ones are left out (the SDK's defaults). */
function workerTuning(c: Config): Partial<WorkerOptions> {
  const slots = c.WORKER_MAX_CONCURRENT_ACTIVITIES;
  const workflowSlots = c.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS;
  const tuning = {
    maxConcurrentActivityTaskExecutions: slots,
    maxConcurrentWorkflowTaskExecutions: workflowSlots,
    maxCachedWorkflows: c.WORKER_MAX_CACHED_WORKFLOWS,
    // Pollers cannot outnumber slots (the SDK refuses it).
    maxConcurrentActivityTaskPolls:
      c.WORKER_ACTIVITY_POLLERS && Math.min(c.WORKER_ACTIVITY_POLLERS, slots),
    maxConcurrentWorkflowTaskPolls:
      c.WORKER_WORKFLOW_POLLERS && Math.min(c.WORKER_WORKFLOW_POLLERS, workflowSlots ?? 40),
  };
  return Object.fromEntries(Object.entries(tuning).filter(([, v]) => v !== undefined));
}

/**
 * JSON.stringify drops an Error's name and message (not enumerable): keep them in the line. The
 * SDK's activity `taskToken` is left out: it is a credential that can complete the activity
 * through the Temporal API, and activity and workflow ids identify the task well enough.
 */
const errorFields = (key: string, value: unknown): unknown => {
  if (key === 'taskToken') return undefined;
  return value instanceof Error ? { ...value, name: value.name, message: value.message } : value;
};

function jsonLog({ message, level, timestampNanos, meta }: LogEntry): void {
  const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  process.stderr.write(`${JSON.stringify({ time, level, message, ...meta }, errorFields)}\n`);
}

/** host:port of the Prometheus endpoint (METRICS_HOST is loopback unless a container needs more). */
function metricsAddress(config: Config): string {
  const host = config.METRICS_HOST.includes(':') ? `[${config.METRICS_HOST}]` : config.METRICS_HOST;
  return `${host}:${config.METRICS_PORT}`;
}

/** WORKER_BUILD_ID, else the package version (package.json beside src/ and dist/). */
function buildIdOf(config: Config): string {
  if (config.WORKER_BUILD_ID) return config.WORKER_BUILD_ID;
  const pkg = path.join(__dirname, '..', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/**
 * The first version of a deployment makes itself current, so that a first install runs without an
 * operator's step; a later version waits for the release procedure to make it current
 * (docs/versioning.md). Waits (up to `waitMs`) for this worker's version to be registered, which
 * happens once it polls.
 */
export async function promoteFirstVersion(
  client: Client,
  config: Config,
  waitMs = 60_000,
): Promise<'promoted' | 'not first' | 'unversioned' | 'not registered'> {
  const deploymentName = config.WORKER_DEPLOYMENT_NAME;
  if (!deploymentName) return 'unversioned';
  const namespace = config.TEMPORAL_NAMESPACE;
  const buildId = buildIdOf(config);
  let lastError: string | undefined;
  for (const until = Date.now() + waitMs; Date.now() < until;) {
    const d = await client.workflowService
      .describeWorkerDeployment({ namespace, deploymentName })
      .catch((err: unknown) => {
        // NOT_FOUND until the deployment's first poller registers it.
        if ((err as { code?: number }).code === 5) return undefined;
        throw err;
      });
    const info = d?.workerDeploymentInfo;
    if (info?.routingConfig?.currentDeploymentVersion?.buildId) return 'not first';
    if (d && info?.versionSummaries?.some((v) => v.deploymentVersion?.buildId === buildId)) {
      try {
        await client.workflowService.setWorkerDeploymentCurrentVersion({
          namespace,
          deploymentName,
          buildId,
          conflictToken: d.conflictToken,
          identity: `aep-streaming-provisioner worker ${buildId}`,
        });
        return 'promoted';
      } catch (err) {
        // Another worker of the first version was quicker (the conflict token changed): look
        // again. Anything else (permissions, say) is what the outcome names if it persists.
        lastError = err instanceof Error ? err.message : String(err);
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (lastError) throw new Error(`could not make ${buildId} current: ${lastError}`);
  return 'not registered';
}

const logInfo = (fields: object) =>
  process.stderr.write(`${JSON.stringify({ level: 'INFO', ...fields })}\n`);

async function main(): Promise<void> {
  const config = parseConfig();
  const tracing = await startTracing(config, 'worker');
  const metrics = { prometheus: { bindAddress: metricsAddress(config) } };
  Runtime.install({
    logger: new DefaultLogger(config.LOG_LEVEL.toUpperCase() as 'INFO', jsonLog),
    ...(config.METRICS_PORT > 0 ? { telemetryOptions: { metrics } } : {}),
  });
  const connection = await NativeConnection.connect(connectionOptions(config));
  const worker = await buildWorker({ config, connection });
  // Worker.run() stops polling on SIGINT/SIGTERM, lets running tasks finish, then resolves.
  logInfo({
    message: 'worker started',
    taskQueues: servedOrgs(config).map((o) => `${o.imsOrg}: ${o.taskQueue}`),
    namespace: config.TEMPORAL_NAMESPACE,
    temporal: config.TEMPORAL_ADDRESS,
    temporalSecurity: config.temporal?.describe(),
    payloadEncryption: config.PAYLOAD_ENCRYPTION_KEYS?.describe() ?? 'off',
    aep: config.AEP_PLATFORM_URL,
    metrics: config.METRICS_PORT > 0 ? `http://${metricsAddress(config)}/metrics` : 'off',
    tracing: tracing ? config.OTEL_EXPORTER_OTLP_ENDPOINT : 'off',
    deployment: config.WORKER_DEPLOYMENT_NAME
      ? `${config.WORKER_DEPLOYMENT_NAME} ${buildIdOf(config)}`
      : 'unversioned',
  });
  const running = worker.run();
  const promoted = await promoteFirstVersion(clientOn(connection, config), config).catch(
    (err: unknown) => `failed: ${err instanceof Error ? err.message : String(err)}`,
  );
  logInfo({ message: 'worker deployment version', outcome: promoted });
  await running;
  await connection.close();
  await tracing?.shutdown();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
