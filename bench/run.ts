/**
 * `npm run bench -- [options]`: starts the real Temporal dev server, the AEP emulator with a fixed
 * latency per call and N worker processes, then measures in one run (see docs/benchmark.md):
 *   1. single-provisioning latency, workflow vs a sequential script of the tutorial's calls;
 *   2. throughput of N sources submitted at once through the client library;
 *   3. the re-run of the same N (must create nothing);
 *   4. latency in a sandbox holding many unrelated sources vs an empty one;
 *   5. the floor: the same work as the plainest Temporal workflow (bench/floor/), beside it.
 * Prints a table (stdout), progress (stderr), and with --json the summary as the last stdout
 * line. Every loop is bounded in count and time; everything started is stopped, also on failure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { configSchema } from '../src/config';
import { REPO_ROOT } from '../tools/dev-server';
import {
  measureLatency,
  measureSandboxSize,
  runBatch,
  runPaced,
  runScriptBatch,
  warmUp,
  type PhaseContext,
} from './phases';
import { runApiLoad } from './api-load';
import { measureFloor } from './floor/phase';
import { startFloorWorkers, type FloorWorkers } from './floor/stack';
import { memoryOf, processTree } from './procfs';
import {
  machine,
  renderTable,
  saveResults,
  serverThroughput,
  summarize,
  type Measurements,
} from './report';
import { startStack, type ServerKind, type Stack } from './stack';
import { renderTimeline } from './timeline';
import { renderTimelineSvg } from './timeline-svg';
import { WORKER_MALLOC_ARENA_MAX, WORKER_NODE_OPTIONS } from './worker-memory';

const PHASES = [
  'latency',
  'size',
  'throughput',
  'floor',
  'script',
  'rerun',
  'paced',
  'api',
] as const;
type Phase = (typeof PHASES)[number];

const int = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  }
  return n;
};

const collect = (value: string, previous: string[]) => [...previous, value];

interface Options {
  latency: number;
  runs: number;
  sources: number;
  workers: number;
  sandboxSize: number;
  json?: boolean;
  db: 'memory' | 'file';
  server: ServerKind;
  phases: string;
  activitySlots?: number;
  workflowSlots?: number;
  cachedWorkflows?: number;
  activityPollers?: number;
  workflowPollers?: number;
  dynamicConfig: string[];
  timeout: number;
  save: boolean;
  trace?: boolean;
  svg?: string;
  bundle: boolean;
  stockServer?: boolean;
  workerNodeOptions?: string;
  workerMallocArenas?: string;
  pacedRate: number;
  pacedSeconds: number;
  apiClients: number;
  apiTotal: number;
  apiDeadline: number;
}

const program = new Command('bench')
  .description('Benchmark of ProvisionStreamingSource against the AEP emulator')
  .option('--latency <ms>', 'emulator latency added to every AEP call', int('--latency', 0), 100)
  .option('--runs <n>', 'single provisionings per latency measurement', int('--runs', 1), 10)
  .option(
    '--sources <n>',
    'sources submitted at once in the throughput phase',
    int('--sources', 1),
    1000,
  )
  .option('--workers <n>', 'worker processes', int('--workers', 1), 2)
  .option(
    '--sandbox-size <n>',
    'unrelated sources seeded for the sandbox-size phase',
    int('--sandbox-size', 1),
    10_000,
  )
  .option('--json', 'print the summary JSON as the last line of stdout')
  .option(
    '--db <kind>',
    "dev server persistence: 'memory' (in-memory SQLite) or 'file' (.data/bench/temporal.db)",
    'memory',
  )
  .option(
    '--server <kind>',
    "'dev' (the CLI's dev server, SQLite, 1 shard) or 'postgres' (tools/pg-stack.ts: Temporal server on PostgreSQL, 4 shards; the throughput phase also runs on the dev server, side by side)",
    'dev',
  )
  .option('--phases <list>', `comma-separated subset of ${PHASES.join(',')}`, PHASES.join(','))
  .option(
    '--activity-slots <n>',
    'WORKER_MAX_CONCURRENT_ACTIVITIES of each worker',
    int('--activity-slots', 1),
  )
  .option(
    '--workflow-slots <n>',
    'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS of each worker',
    int('--workflow-slots', 2),
  )
  .option(
    '--cached-workflows <n>',
    'WORKER_MAX_CACHED_WORKFLOWS of each worker',
    int('--cached-workflows', 0),
  )
  .option(
    '--activity-pollers <n>',
    'WORKER_ACTIVITY_POLLERS of each worker',
    int('--activity-pollers', 1),
  )
  .option(
    '--workflow-pollers <n>',
    'WORKER_WORKFLOW_POLLERS of each worker',
    int('--workflow-pollers', 2),
  )
  .option(
    '--dynamic-config <key=value>',
    'extra dev server --dynamic-config-value (repeatable)',
    collect,
    [],
  )
  .option(
    '--paced-rate <n>',
    'paced phase: provisionings started per second (open loop)',
    int('--paced-rate', 1),
    10,
  )
  .option(
    '--paced-seconds <s>',
    'paced phase: how long to keep starting',
    int('--paced-seconds', 1),
    30,
  )
  .option('--api-clients <n>', 'api phase: concurrent HTTP clients', int('--api-clients', 1), 200)
  .option('--api-total <n>', 'api phase: PUTs in all', int('--api-total', 1), 2000)
  .option(
    '--api-deadline <s>',
    'api phase: stop sending after this many seconds',
    int('--api-deadline', 1),
    120,
  )
  .option(
    '--worker-node-options <flags>',
    "NODE_OPTIONS of the workers ('' = none, Node's own heap sizing)",
    WORKER_NODE_OPTIONS,
  )
  .option(
    '--worker-malloc-arenas <n>',
    "MALLOC_ARENA_MAX of the workers ('' = glibc's own, up to eight per core)",
    WORKER_MALLOC_ARENA_MAX,
  )
  .option(
    '--stock-server',
    "dev server with its own dynamic config (without the benchmark's two settings, see docs)",
  )
  .option('--timeout <minutes>', 'limit for the whole run', int('--timeout', 1), 40)
  .option(
    '--no-bundle',
    'let each worker bundle the workflow code at start-up (no WORKFLOW_BUNDLE_PATH)',
  )
  .option('--trace', 'print the history timeline of the median workflow run (stderr)')
  .option('--svg <path>', 'also write the timeline picture of the median provisioning here')
  .option('--no-save', 'do not write bench/results/')
  .parse();

const opts = program.opts<Options>();
const phases = new Set(
  opts.phases
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== ''),
);
for (const p of phases) {
  if (!PHASES.includes(p as Phase))
    program.error(`unknown phase ${p}; expected ${PHASES.join(',')}`);
}
if (phases.has('rerun') && !phases.has('throughput'))
  program.error('rerun needs the throughput phase');
if (phases.has('script') && !phases.has('throughput'))
  program.error('script is compared with the throughput phase: it needs it');
if (opts.db !== 'memory' && opts.db !== 'file') program.error("--db must be 'memory' or 'file'");
if (opts.server !== 'dev' && opts.server !== 'postgres')
  program.error("--server must be 'dev' or 'postgres'");
if (opts.server === 'postgres' && opts.db === 'file')
  program.error('--db applies to the dev server only');

const log = (line: string) => process.stderr.write(`${line}\n`);

function workerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (name: string, v: number | undefined) => {
    if (v !== undefined) env[name] = String(v);
  };
  set('WORKER_MAX_CONCURRENT_ACTIVITIES', opts.activitySlots);
  set('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', opts.workflowSlots);
  set('WORKER_MAX_CACHED_WORKFLOWS', opts.cachedWorkflows);
  set('WORKER_ACTIVITY_POLLERS', opts.activityPollers);
  set('WORKER_WORKFLOW_POLLERS', opts.workflowPollers);
  if (opts.workerNodeOptions) env.NODE_OPTIONS = opts.workerNodeOptions;
  if (opts.workerMallocArenas) env.MALLOC_ARENA_MAX = opts.workerMallocArenas;
  return env;
}

/**
 * Dev server settings the benchmark uses unless --stock-server (docs/benchmark.md, "dev server"):
 * its history shard reads transfer tasks at most 20 times a second, which adds ~40 ms to every
 * task hand-off of a lone provisioning; and eager activity dispatch (off on the dev server, on in
 * Temporal Cloud) hands the activities a workflow task schedules straight back to its worker.
 */
export const BENCH_DYNAMIC_CONFIG: Record<string, string | number | boolean> = {
  'history.transferProcessorMaxPollRPS': 10_000,
  'system.enableActivityEagerExecution': true,
};

function dynamicConfig(): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = opts.stockServer
    ? {}
    : { ...BENCH_DYNAMIC_CONFIG };
  for (const kv of opts.dynamicConfig) {
    const eq = kv.indexOf('=');
    if (eq <= 0) program.error(`--dynamic-config wants key=value, got ${kv}`);
    const raw = kv.slice(eq + 1);
    let value: string | number | boolean = raw;
    try {
      value = JSON.parse(raw) as number | boolean;
    } catch {
      // a plain string
    }
    out[kv.slice(0, eq)] = value;
  }
  return out;
}

async function main(): Promise<number> {
  const started = Date.now();
  const tag = new Date(started)
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14);
  const logDir = path.join(REPO_ROOT, '.data', 'bench', 'runs', tag);
  const dbFile =
    opts.db === 'file' ? path.join(REPO_ROOT, '.data', 'bench', 'temporal.db') : undefined;
  const env = workerEnv();
  const tuning = Object.entries(env)
    .filter(([k]) => k !== 'NODE_OPTIONS' && k !== 'MALLOC_ARENA_MAX')
    .map(([k, v]) => `${k}=${v}`);
  const dyn = dynamicConfig();
  const setup = [
    `machine: ${machine().cores} cores (${machine().cpuModel}), ${machine().memoryGb} GB, Node ${process.version}`,
    `emulator latency ${opts.latency} ms per call; ${opts.workers} worker process(es); ${opts.server === 'postgres' ? 'Temporal server on PostgreSQL (tools/pg-stack.ts), throughput also on the dev server' : `dev server ${dbFile ? 'SQLite file' : 'in-memory SQLite'}`}`,
    `workflow bundle: ${opts.bundle ? 'prebuilt once (WORKFLOW_BUNDLE_PATH)' : 'built by each worker at start-up'}`,
    `worker NODE_OPTIONS: ${opts.workerNodeOptions ? opts.workerNodeOptions : "none (Node's default heap sizing)"}`,
    `worker MALLOC_ARENA_MAX: ${opts.workerMallocArenas ? opts.workerMallocArenas : "none (glibc's default)"}`,
    `worker tuning: ${tuning.length === 0 ? 'the product defaults' : tuning.join(' ')}`,
    ...(Object.keys(dyn).length > 0 ? [`server dynamic config: ${JSON.stringify(dyn)}`] : []),
  ];
  const load = os.loadavg()[0] ?? 0;
  setup.push(`load average at start: ${load.toFixed(2)} (${os.cpus().length} cores)`);
  if (load > os.cpus().length) {
    log(
      `Warning: load average ${load.toFixed(2)} on ${os.cpus().length} cores: other processes are busy, figures will suffer`,
    );
  }
  log(`Starting the stack (logs in ${path.relative(REPO_ROOT, logDir)}/)`);

  let stack: Stack | undefined;
  let floor: FloorWorkers | undefined;
  const stopFloor = async () => {
    const f = floor;
    floor = undefined;
    if (f) await f.stop();
  };
  const stopStack = async () => {
    await stopFloor();
    const s = stack;
    stack = undefined;
    if (s) await s.stop();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping everything`);
    void stopStack().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const deadline = setTimeout(() => {
    log(`the run exceeded --timeout ${opts.timeout} min: stopping everything`);
    void stopStack().finally(() => process.exit(3));
  }, opts.timeout * 60_000);
  deadline.unref();

  try {
    stack = await startStack({
      server: opts.server,
      latencyMs: opts.latency,
      workers: opts.workers,
      dbFile,
      dynamicConfig: dyn,
      workerEnv: env,
      logDir,
      prebuiltBundle: opts.bundle,
      log,
    });
    const ctx: PhaseContext = {
      stack,
      tag,
      log,
      phaseTimeoutMs: Math.max(60_000, opts.timeout * 60_000),
    };
    const m: Measurements = { workers: opts.workers, workerHwmMb: 0 };

    log('Warming up (3 sequential + 3 workflow provisionings)');
    await warmUp(ctx);
    if (phases.has('latency')) {
      log(`Latency: ${opts.runs} sequential scripts and ${opts.runs} workflows, alternating`);
      m.latency = await measureLatency(ctx, opts.runs);
      if (opts.trace) log(`Median workflow run:\n${renderTimeline(m.latency.timeline)}`);
    }
    if (phases.has('size')) {
      log(
        `Sandbox size: ${opts.runs} provisionings in an empty sandbox, then with ${opts.sandboxSize} unrelated sources`,
      );
      m.size = await measureSandboxSize(ctx, opts.runs, opts.sandboxSize);
    }
    const names = Array.from({ length: opts.sources }, (_, i) => `bench ${tag} tp ${i}`);
    if (phases.has('throughput')) {
      log(`Throughput: ${opts.sources} sources submitted at once`);
      m.throughput = await runBatch(ctx, names, 'prod', 'throughput');
    }
    if (phases.has('floor')) {
      // Right after the throughput batch, under the same conditions: the product's workers stay
      // up (idle); the floor's are started for this phase only and stopped after it.
      log(
        `Floor: the plainest workflow, ${opts.sources} sources at once, then ${opts.runs} single runs beside the sequential script`,
      );
      floor = await startFloorWorkers(stack, {
        workers: opts.workers,
        workerEnv: env,
        logDir,
        prebuiltBundle: opts.bundle,
        log,
      });
      const floorNames = names.map((n) => n.replace(' tp ', ' floor '));
      m.floor = await measureFloor(ctx, floor, { runs: opts.runs, names: floorNames });
      await stopFloor();
    }
    if (phases.has('script')) {
      // The same AEP calls in flight at most as the workers allow activities.
      const slots =
        opts.activitySlots ?? configSchema.shape.WORKER_MAX_CONCURRENT_ACTIVITIES.parse(undefined);
      const concurrency = opts.workers * slots;
      log(
        `Plain script: ${opts.sources} other sources by a non-durable parallel script (${concurrency} at once)`,
      );
      const scriptNames = names.map((n) => n.replace(' tp ', ' script '));
      m.script = await runScriptBatch(ctx, scriptNames, 'prod', concurrency);
    }
    if (phases.has('rerun')) {
      log(`Re-run: the same ${opts.sources} sources again`);
      m.rerun = await runBatch(ctx, names, 'prod', 're-run');
    }
    if (phases.has('paced')) {
      log(`Paced: ${opts.pacedRate} provisionings started per second for ${opts.pacedSeconds} s`);
      m.paced = await runPaced(ctx, opts.pacedRate, opts.pacedSeconds);
    }
    if (phases.has('api')) {
      log(
        `HTTP API: ${opts.apiTotal} PUTs from ${opts.apiClients} clients (its own dev server, no worker)`,
      );
      m.api = await runApiLoad({
        clients: opts.apiClients,
        total: opts.apiTotal,
        deadlineSeconds: opts.apiDeadline,
      });
    }
    for (const w of stack.workers) {
      for (const pid of processTree(w.pid)) {
        m.workerHwmMb = Math.max(m.workerHwmMb, memoryOf(pid)?.hwmMb ?? 0);
      }
    }
    if (opts.server === 'postgres' && m.throughput) {
      // Side by side: the same throughput batch on the dev server, in this run, with the same
      // workers, settings and emulator latency (the PostgreSQL stack stopped first: 2 cores).
      m.servers = { postgres: serverThroughput(stack.server.describe, m.throughput) };
      await stopStack();
      log('Side by side: the same throughput batch on the dev server');
      stack = await startStack({
        server: 'dev',
        latencyMs: opts.latency,
        workers: opts.workers,
        dynamicConfig: dyn,
        workerEnv: env,
        logDir: path.join(logDir, 'dev'),
        prebuiltBundle: opts.bundle,
        log,
      });
      const devCtx: PhaseContext = { ...ctx, stack };
      await warmUp(devCtx);
      const dev = await runBatch(devCtx, names, 'prod', 'throughput (dev server)');
      m.servers.dev = serverThroughput(stack.server.describe, dev);
    }

    const summary = summarize(m);
    const text = renderTable(m, summary, setup);
    process.stdout.write(`${text}\n`);
    const svg = m.latency
      ? renderTimelineSvg({
          workflow: m.latency.timeline,
          script: m.latency.sequentialSteps,
          title: `Median single provisioning at ${opts.latency} ms per AEP call (p50 of ${opts.runs}): workflow ${Math.round(m.latency.workflowP50)} ms, sequential script ${Math.round(m.latency.sequentialP50)} ms`,
        })
      : undefined;
    if (svg && opts.svg) {
      mkdirSync(path.dirname(path.resolve(opts.svg)), { recursive: true });
      writeFileSync(opts.svg, svg);
      log(`Timeline picture written to ${opts.svg}`);
    }
    if (opts.save) {
      const file = saveResults(path.join(REPO_ROOT, 'bench', 'results'), {
        date: new Date(started).toISOString(),
        command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
        options: opts,
        summary,
        table: text.split('\n'),
        details: {
          latency: m.latency,
          size: m.size,
          throughput: m.throughput,
          script: m.script,
          rerun: m.rerun,
          floor: m.floor,
          paced: m.paced,
          api: m.api,
        },
      });
      log(`Results saved to ${path.relative(REPO_ROOT, file)}`);
      if (svg) writeFileSync(file.replace(/\.json$/, '-timeline.svg'), svg);
    }
    const failed =
      (m.throughput?.failed ?? 0) +
      (m.rerun?.failed ?? 0) +
      (m.floor?.batch.failed ?? 0) +
      (m.paced?.failed ?? 0) +
      (m.servers?.dev?.failed ?? 0);
    if (failed > 0) {
      log(
        `${failed} provisioning(s) failed: ${[...(m.throughput?.failures ?? []), ...(m.floor?.batch.failures ?? []), ...(m.rerun?.failures ?? [])].join('; ')}`,
      );
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    return failed > 0 ? 1 : 0;
  } finally {
    log('Stopping the stack');
    await stopStack();
    clearTimeout(deadline);
    log(`Done in ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    log(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 2;
  },
);
