import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type LogEntry,
  type WorkerOptions,
} from '@temporalio/worker';
import { createActivities } from './activities';
import { createAepClient } from './aep/client';
import { RequestPacer } from './aep/pacer';
import { dataConverterOf } from './codec';
import { orgConfig, parseConfig, servedOrgs, type Config } from './config';
import { clientOn, connectionOptions } from './connection';
import { nexusServiceHandler } from './nexus/service';
import { RateLeaser } from './rate';
import { placeOf } from './request';
import { errorMessage } from './shared/failures';
import { datasetAsksQueue, datasetCallsQueue } from './shared/names';
import { activityTracing, startTracing, workflowSpanSinks } from './telemetry';
import { ATTEMPT_TIMEOUT_MS } from './workflows/policies';

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
 * A process's workers, run and stopped together (per org: the main one, and the activity-only ones
 * of names.ts' datasetCallsQueue and datasetAsksQueue), and their orgs' budget leases (rate.ts).
 */
export class Workers {
  readonly all: Worker[];
  readonly leases: RateLeaser[] = [];

  constructor(...workers: Worker[]) {
    this.all = workers;
  }

  get options(): Worker['options'] {
    return this.all[0]!.options;
  }

  /** Until all stop (SIGINT/SIGTERM, or `shutdown`); one failing stops the others. */
  async run(): Promise<void> {
    for (const l of this.leases) l.start();
    const runs = this.all.map((w) => w.run());
    try {
      await Promise.all(runs);
    } catch (err) {
      this.shutdown();
      await Promise.allSettled(runs);
      throw err;
    } finally {
      await Promise.all(this.leases.map((l) => l.stop()));
    }
  }

  runUntil<R>(fn: Promise<R> | (() => Promise<R>)): Promise<R> {
    for (const l of this.leases) l.start();
    const [first, ...rest] = this.all as [Worker, ...Worker[]];
    const run = rest.reduce<() => Promise<R>>(
      (inner, w) => () => w.runUntil(inner),
      () => first.runUntil(fn),
    );
    return run().finally(() => Promise.all(this.leases.map((l) => l.stop())));
  }

  shutdown(): void {
    for (const w of this.all) if (w.getState() === 'RUNNING') w.shutdown();
  }
}

/**
 * The only place that builds real clients: per org served, its AEP client (one IMS token cache
 * and one pacer, run by the org's lease, for the process) and its workers on the org's task queue,
 * so an org whose Platform calls are throttled holds only its own slots and pollers.
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
  const taskQueue = opts.taskQueue ?? config.TEMPORAL_TASK_QUEUE;
  const slots = config.WORKER_MAX_CONCURRENT_ACTIVITIES;
  const workflowSlots = config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS;
  const { WORKER_ACTIVITY_POLLERS: pollers, WORKER_WORKFLOW_POLLERS: workflowPollers } = config;
  const deploymentName = config.WORKER_DEPLOYMENT_NAME;
  const settings = {
    connection,
    interceptors: { activity: activityTracing() },
    sinks: workflowSpanSinks(),
    ...(deploymentName && {
      workerDeploymentOptions: {
        useWorkerVersioning: true,
        version: { deploymentName, buildId: buildIdOf(config) },
        // A run finishes on the build it started on; the dataset workflows say otherwise.
        defaultVersioningBehavior: 'PINNED',
      },
    }),
    shutdownGraceTime: SHUTDOWN_GRACE_MS,
    shutdownForceTime: SHUTDOWN_FORCE_MS,
    // WORKER_*: unset, the SDK's defaults. Pollers cannot outnumber slots (the SDK refuses it).
    maxConcurrentActivityTaskExecutions: slots,
    maxConcurrentWorkflowTaskExecutions: workflowSlots,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    // The SDK reads only the poller behaviours; its maxConcurrent*TaskPolls options are ignored.
    activityTaskPollerBehavior: pollers
      ? { type: 'simple-maximum', maximum: Math.min(pollers, slots ?? 100) }
      : undefined,
    workflowTaskPollerBehavior: workflowPollers
      ? { type: 'simple-maximum', maximum: Math.min(workflowPollers, workflowSlots ?? 40) }
      : undefined,
    ...opts.tuning,
  } satisfies Partial<WorkerOptions>;
  const workers = new Workers();
  for (const org of servedOrgs(config, taskQueue)) {
    const c = orgConfig(config, org);
    const pacer = new RequestPacer();
    const common = {
      namespace: c.TEMPORAL_NAMESPACE,
      activities: createActivities({
        aep: createAepClient({ config: c, pacer }),
        place: placeOf(c),
        temporal: clientOn(connection, c), // updates to dataset workflows
      }),
      // Payloads are encrypted outside the workflow sandbox: the bundle is the same either way.
      dataConverter: dataConverterOf(c),
      ...settings,
    };
    const main = await Worker.create({
      ...common,
      taskQueue: org.taskQueue,
      // The Nexus service (src/nexus/) on the first org's queue: it routes to the org named.
      ...(workers.all.length === 0 && {
        nexusServices: [nexusServiceHandler({ ...config, TEMPORAL_TASK_QUEUE: taskQueue })],
      }),
      ...(workflowBundle
        ? { workflowBundle }
        : {
            workflowsPath: require.resolve('./workflows'),
            interceptors: { ...common.interceptors, workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
          }),
    });
    workers.all.push(
      main,
      await Worker.create({ ...common, taskQueue: datasetCallsQueue(org.taskQueue) }),
      await Worker.create({ ...common, taskQueue: datasetAsksQueue(org.taskQueue) }),
    );
    const { identity } = workers.options;
    const lease = { connection, config: c, pacer, taskQueue: org.taskQueue, identity };
    workers.leases.push(new RateLeaser(lease));
  }
  return workers;
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

/** WORKER_BUILD_ID, else the package version (package.json beside src/ and dist/). */
function buildIdOf(config: Config): string {
  if (config.WORKER_BUILD_ID) return config.WORKER_BUILD_ID;
  const pkg = path.join(__dirname, '..', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/**
 * The first version of a deployment makes itself current, so that a first install needs no
 * operator's step; a later one waits for the release procedure (docs/versioning.md). Waits up to
 * `waitMs` for this worker's version to be registered, which happens once it polls.
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
        lastError = errorMessage(err);
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
  // Prometheus on METRICS_HOST (loopback unless a container needs more).
  const host = config.METRICS_HOST.includes(':') ? `[${config.METRICS_HOST}]` : config.METRICS_HOST;
  const metrics = `${host}:${config.METRICS_PORT}`;
  Runtime.install({
    logger: new DefaultLogger(config.LOG_LEVEL.toUpperCase() as 'INFO', jsonLog),
    ...(config.METRICS_PORT > 0
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metrics } } } }
      : {}),
  });
  const connection = await NativeConnection.connect(connectionOptions(config));
  const worker = await buildWorker({ config, connection });
  logInfo({
    message: 'worker started',
    taskQueues: servedOrgs(config).map((o) => `${o.imsOrg}: ${o.taskQueue}`),
    namespace: config.TEMPORAL_NAMESPACE,
    temporal: config.TEMPORAL_ADDRESS,
    temporalSecurity: config.temporal?.describe(),
    payloadEncryption: config.PAYLOAD_ENCRYPTION_KEYS?.describe() ?? 'off',
    aep: config.AEP_PLATFORM_URL,
    metrics: config.METRICS_PORT > 0 ? `http://${metrics}/metrics` : 'off',
    tracing: tracing ? config.OTEL_EXPORTER_OTLP_ENDPOINT : 'off',
    deployment: config.WORKER_DEPLOYMENT_NAME
      ? `${config.WORKER_DEPLOYMENT_NAME} ${buildIdOf(config)}`
      : 'unversioned',
  });
  // Worker.run() stops polling on SIGINT/SIGTERM, lets running tasks finish, then resolves.
  const running = worker.run();
  const promoted = await promoteFirstVersion(clientOn(connection, config), config).catch(
    (err: unknown) => `failed: ${errorMessage(err)}`,
  );
  logInfo({ message: 'worker deployment version', outcome: promoted });
  await running;
  await connection.close();
  await tracing?.shutdown();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${errorMessage(err)}\n`);
    process.exit(1);
  });
}
