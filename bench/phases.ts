/**
 * The four measurements, each a bounded loop over a fixed number of provisionings with a time
 * limit: single-provisioning latency (workflow vs the sequential script), throughput of N sources
 * submitted at once, the re-run of the same N, and latency in a sandbox with many unrelated
 * sources vs an empty one.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { ProvisionResult } from '../src/shared/model';
import { cpuPerProvisioning, meanHistoryCost, type CpuCost, type HistoryCost } from './cost';
import { CpuMeter, RssSampler, type RssSample } from './procfs';
import { provisionSequentially, type SequentialResult } from './sequential';
import { profile, scrape, type ServerProfile } from './server-metrics';
import type { Stack } from './stack';
import { median, percentile, round, withTimeout } from './stats';
import { breakdown, meanBreakdown, timeline, type Breakdown, type TimelineEntry } from './timeline';
import { provisionRequest, sequentialRequest } from './workload';

export interface PhaseContext {
  stack: Stack;
  /** Distinguishes this run's source names from any earlier run against the same emulator. */
  tag: string;
  log: (line: string) => void;
  phaseTimeoutMs: number;
}

async function provisionOnce(ctx: PhaseContext, name: string, sandbox: string) {
  const started = performance.now();
  const { handle } = await ctx.stack.client.startProvision(provisionRequest(name, sandbox));
  const result = await handle.result();
  return { ms: performance.now() - started, result, handle };
}

function sequentialOnce(ctx: PhaseContext, name: string, sandbox: string) {
  const { emulator, credentials } = ctx.stack;
  return provisionSequentially(
    { url: emulator.url, ...credentials },
    sequentialRequest(name, sandbox),
  );
}

/** JIT, worker token cache, gRPC channels and sticky caches warm before anything is timed. */
export async function warmUp(ctx: PhaseContext): Promise<void> {
  await withTimeout(
    (async () => {
      for (let i = 0; i < 3; i++) {
        await sequentialOnce(ctx, `bench ${ctx.tag} warm seq ${i}`, 'prod');
        await provisionOnce(ctx, `bench ${ctx.tag} warm wf ${i}`, 'prod');
      }
    })(),
    ctx.phaseTimeoutMs,
    'warm-up',
  );
}

export interface LatencyResult {
  runs: number;
  sequentialMs: number[];
  workflowMs: number[];
  sequentialP50: number;
  workflowP50: number;
  ratio: number;
  sequentialCalls: number;
  /** History timeline of the workflow run closest to the median. */
  timeline: TimelineEntry[];
  /** The calls of the sequential run closest to the median. */
  sequentialSteps: SequentialResult['steps'];
}

/** `runs` pairs, alternating which goes first so neither always meets a warmer system. */
export async function measureLatency(ctx: PhaseContext, runs: number): Promise<LatencyResult> {
  const sequentialMs: number[] = [];
  const workflowMs: number[] = [];
  const handles: WorkflowHandle[] = [];
  const stepsOf: Array<SequentialResult['steps']> = [];
  let sequentialCalls = 0;
  await withTimeout(
    (async () => {
      for (let i = 0; i < runs; i++) {
        const seq = () =>
          sequentialOnce(ctx, `bench ${ctx.tag} latency seq ${i}`, 'prod').then((r) => {
            sequentialMs.push(r.ms);
            stepsOf.push(r.steps);
            sequentialCalls = r.calls;
          });
        const wf = () =>
          provisionOnce(ctx, `bench ${ctx.tag} latency wf ${i}`, 'prod').then((r) => {
            workflowMs.push(r.ms);
            handles.push(r.handle);
          });
        if (i % 2 === 0) {
          await seq();
          await wf();
        } else {
          await wf();
          await seq();
        }
      }
    })(),
    ctx.phaseTimeoutMs,
    'latency phase',
  );
  const sequentialP50 = median(sequentialMs);
  const workflowP50 = median(workflowMs);
  const closestTo = (values: number[], p50: number) =>
    values.reduce(
      (best, v, i) => (Math.abs(v - p50) < Math.abs((values[best] ?? 0) - p50) ? i : best),
      0,
    );
  const medianHandle = handles[closestTo(workflowMs, workflowP50)];
  return {
    runs,
    sequentialMs,
    workflowMs,
    sequentialP50,
    workflowP50,
    ratio: workflowP50 / sequentialP50,
    sequentialCalls,
    timeline: medianHandle ? await timeline(medianHandle) : [],
    sequentialSteps: stepsOf[closestTo(sequentialMs, sequentialP50)] ?? [],
  };
}

export interface BatchResult {
  sources: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  failed: number;
  failures: string[];
  /** Provisionings whose result lists at least one created resource. */
  withCreates: number;
  calls: number;
  callsPerSource: number;
  requests: Record<string, number>;
  creates: number;
  rss: RssSample;
  cpu: Record<string, { cpuSeconds: number; cores: number }>;
  /** Mean breakdown of up to 20 runs spread over the batch (by completion order). */
  breakdown?: Breakdown;
  /** Mean Temporal work of the same sampled runs (their histories). */
  history?: HistoryCost;
  /** CPU ms per provisioning by process over the batch. */
  cpuMs: CpuCost;
  /** Where the dev server spent its time (its own metrics), when they could be read. */
  server?: ServerProfile;
  /** PostgreSQL stack only: most client connections open at once during the batch. */
  pgConnectionsPeak?: number;
}

/** What a batch provisions and with which workers: the product, or the floor (bench/floor/). */
export interface BatchTarget {
  /** Starts one provisioning and waits for its result: how many resources it created. */
  provision(name: string, sandbox: string): Promise<{ handle: WorkflowHandle; created: number }>;
  /** The pids of the worker processes doing the work (CPU `workers`, RSS). */
  workers: number[];
  /** Other worker processes, idle meanwhile: their CPU is counted apart (`idleWorkers`). */
  idleWorkers?: number[];
}

/** The product through its client library (`ProvisioningClient.startProvision`). */
export function productTarget(stack: Stack): BatchTarget {
  return {
    async provision(name, sandbox) {
      const { handle } = await stack.client.startProvision(provisionRequest(name, sandbox));
      const result: ProvisionResult = await handle.result();
      return { handle, created: result.created.length };
    },
    workers: stack.workers.map((w) => w.pid),
  };
}

/**
 * N provisionings submitted at once (the product's through the client library); each latency
 * runs from the start call to the result. AEP calls are counted by the emulator over the whole
 * batch.
 */
export async function runBatch(
  ctx: PhaseContext,
  names: string[],
  sandbox: string,
  what: string,
  target: BatchTarget = productTarget(ctx.stack),
): Promise<BatchResult> {
  const { stack } = ctx;
  await stack.emulator.control.resetStats();
  const metricsBefore = stack.metricsUrl ? await scrape(stack.metricsUrl) : undefined;
  const sampler = new RssSampler(target.workers).start();
  const cpu = new CpuMeter({
    temporal: [stack.server.pid],
    ...(stack.server.postgresPid ? { postgres: [stack.server.postgresPid] } : {}),
    emulator: [stack.emulator.pid],
    workers: target.workers,
    ...(target.idleWorkers ? { idleWorkers: target.idleWorkers } : {}),
  }).begin();

  let pgConnectionsPeak: number | undefined;
  const connections = stack.server.connections;
  const pgSampler = connections
    ? setInterval(() => {
        void connections().then(
          (n) => (pgConnectionsPeak = Math.max(pgConnectionsPeak ?? 0, n)),
          () => undefined,
        );
      }, 1000)
    : undefined;
  pgSampler?.unref();
  const benchCpu = process.cpuUsage();
  const t0 = performance.now();
  let lastDone = t0;
  let done = 0;
  const progress = setInterval(() => {
    ctx.log(
      `    ${what}: ${done}/${names.length} done after ${round((performance.now() - t0) / 1000, 1)} s`,
    );
  }, 10_000);
  progress.unref();
  const finished: WorkflowHandle[] = [];
  const one = async (name: string): Promise<{ ms: number; created: number }> => {
    const started = performance.now();
    const { handle, created } = await target.provision(name, sandbox);
    const now = performance.now();
    lastDone = Math.max(lastDone, now);
    done += 1;
    finished.push(handle);
    return { ms: now - started, created };
  };
  let settled: PromiseSettledResult<{ ms: number; created: number }>[];
  try {
    settled = await withTimeout(
      Promise.allSettled(names.map((n) => one(n))),
      ctx.phaseTimeoutMs,
      what,
    );
  } finally {
    clearInterval(progress);
    if (pgSampler) clearInterval(pgSampler);
  }
  const cpuUse = cpu.end();
  const own = process.cpuUsage(benchCpu);
  const ownSeconds = (own.user + own.system) / 1e6;
  const wall = (performance.now() - t0) / 1000;
  cpuUse.bench = { cpuSeconds: round(ownSeconds, 1), cores: round(ownSeconds / wall, 2) };
  // What the rest of the machine (other engineers' processes, the kernel) took meanwhile.
  const ours = ['temporal', 'postgres', 'emulator', 'workers', 'idleWorkers', 'bench'].reduce(
    (acc, k) => acc + (cpuUse[k]?.cpuSeconds ?? 0),
    0,
  );
  const others = Math.max(0, (cpuUse.machine?.cpuSeconds ?? 0) - ours);
  cpuUse.others = { cpuSeconds: round(others, 1), cores: round(others / wall, 2) };
  const rss = sampler.stop();
  const stats = await stack.emulator.control.stats();
  const server =
    stack.metricsUrl && metricsBefore
      ? profile(metricsBefore, await scrape(stack.metricsUrl))
      : undefined;

  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failures = settled.flatMap((s) =>
    s.status === 'rejected' ? [String((s.reason as Error).message ?? s.reason)] : [],
  );
  const latencies = ok.map((o) => o.ms);
  const seconds = (lastDone - t0) / 1000;
  const step = Math.max(1, Math.floor(finished.length / 20));
  const sampled = finished.filter((_, i) => i % step === 0).slice(0, 20);
  const breakdowns = await Promise.all(sampled.map(async (h) => breakdown(await timeline(h))));
  const history = await meanHistoryCost(sampled);
  return {
    sources: names.length,
    seconds,
    perSecond: ok.length / seconds,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    maxMs: percentile(latencies, 100),
    failed: failures.length,
    failures: [...new Set(failures)].slice(0, 5),
    withCreates: ok.filter((o) => o.created > 0).length,
    calls: stats.total,
    callsPerSource: stats.total / names.length,
    requests: stats.requests,
    creates: Object.values(stats.creates).reduce((a, b) => a + b, 0),
    rss,
    cpu: cpuUse,
    breakdown: meanBreakdown(breakdowns),
    ...(history ? { history } : {}),
    cpuMs: cpuPerProvisioning(cpuUse, ok.length),
    server,
    ...(pgConnectionsPeak === undefined ? {} : { pgConnectionsPeak }),
  };
}

export interface SandboxSizeResult {
  size: number;
  emptyMs: number[];
  fullMs: number[];
  emptyP50: number;
  fullP50: number;
  ratio: number;
  seedSeconds: number;
}

/**
 * Single provisionings in a sandbox of its own (`dev`), first empty, then after seeding `size`
 * unrelated sources (base, source and target connection and flow each).
 */
export async function measureSandboxSize(
  ctx: PhaseContext,
  runs: number,
  size: number,
): Promise<SandboxSizeResult> {
  const sandbox = 'dev';
  const emptyMs: number[] = [];
  const fullMs: number[] = [];
  let seedSeconds = 0;
  await withTimeout(
    (async () => {
      for (let i = 0; i < runs; i++) {
        emptyMs.push((await provisionOnce(ctx, `bench ${ctx.tag} size empty ${i}`, sandbox)).ms);
      }
      const t = performance.now();
      await ctx.stack.emulator.control.seedConnections({ sandbox, count: size });
      seedSeconds = (performance.now() - t) / 1000;
      ctx.log(`    seeded ${size} unrelated sources in ${round(seedSeconds, 1)} s`);
      for (let i = 0; i < runs; i++) {
        fullMs.push((await provisionOnce(ctx, `bench ${ctx.tag} size full ${i}`, sandbox)).ms);
      }
    })(),
    ctx.phaseTimeoutMs,
    'sandbox-size phase',
  );
  const emptyP50 = median(emptyMs);
  const fullP50 = median(fullMs);
  return { size, emptyMs, fullMs, emptyP50, fullP50, ratio: fullP50 / emptyP50, seedSeconds };
}

export interface PacedResult {
  offeredPerSecond: number;
  sources: number;
  seconds: number;
  completedPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  failed: number;
}

/**
 * Open-loop load: one provisioning started every 1/rate seconds for `seconds`, each timed from its
 * start to its result. Unlike the all-at-once batch (where every provisioning queues behind the
 * others by construction), this shows the latency at a sustained arrival rate.
 */
export async function runPaced(
  ctx: PhaseContext,
  rate: number,
  seconds: number,
): Promise<PacedResult> {
  const count = Math.max(1, Math.round(rate * seconds));
  const t0 = performance.now();
  let lastDone = t0;
  const runs: Promise<number>[] = [];
  const work = (async () => {
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      runs.push(
        (async () => {
          const started = performance.now();
          const { handle } = await ctx.stack.client.startProvision(
            provisionRequest(`bench ${ctx.tag} paced ${i}`, 'prod'),
          );
          await handle.result();
          const now = performance.now();
          lastDone = Math.max(lastDone, now);
          return now - started;
        })(),
      );
    }
    return Promise.allSettled(runs);
  })();
  const settled = await withTimeout(work, ctx.phaseTimeoutMs, 'paced phase');
  const latencies = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const total = (lastDone - t0) / 1000;
  return {
    offeredPerSecond: rate,
    sources: count,
    seconds: total,
    completedPerSecond: latencies.length / total,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    maxMs: percentile(latencies, 100),
    failed: settled.length - latencies.length,
  };
}

export interface ScriptBatchResult {
  sources: number;
  /** Most scripts running at once (the workers' activity slots: the same AEP calls in flight). */
  concurrency: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  failed: number;
  callsPerSource: number;
  /** CPU ms per provisioning: the script's process and the emulator. */
  cpuMs: { total: number; script: number; emulator: number };
}

/**
 * The same provisionings done by a plain, non-durable parallel Node script: each source runs the
 * tutorial's calls one after another (bench/sequential.ts), at most `concurrency` sources at once,
 * in this process, against the same emulator. No Temporal, no lookups, no retries, no
 * compensation: what the work costs without durability.
 */
export async function runScriptBatch(
  ctx: PhaseContext,
  names: string[],
  sandbox: string,
  concurrency: number,
): Promise<ScriptBatchResult> {
  const { stack } = ctx;
  await stack.emulator.control.resetStats();
  const cpu = new CpuMeter({ emulator: [stack.emulator.pid] }).begin();
  const own = process.cpuUsage();
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    for (let i = next++; i < names.length; i = next++) {
      try {
        latencies.push((await sequentialOnce(ctx, names[i]!, sandbox)).ms);
      } catch {
        failed += 1;
      }
    }
  };
  await withTimeout(
    Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, lane)),
    ctx.phaseTimeoutMs,
    'script batch',
  );
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(own);
  const emulatorSeconds = cpu.end().emulator?.cpuSeconds ?? 0;
  const stats = await stack.emulator.control.stats();
  const perSource = (cpuSeconds: number) =>
    round((cpuSeconds * 1000) / Math.max(1, latencies.length), 1);
  const script = perSource((used.user + used.system) / 1e6);
  const emulator = perSource(emulatorSeconds);
  return {
    sources: names.length,
    concurrency,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    failed,
    callsPerSource: stats.total / names.length,
    cpuMs: { total: round(script + emulator, 1), script, emulator },
  };
}
