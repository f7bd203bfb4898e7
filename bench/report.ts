/** The benchmark's outputs: the readable table, the summary JSON and the results file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiLoadResult } from './api-load';
import type { CpuCost, HistoryCost } from './cost';
import type { FloorResult } from './floor/phase';
import type {
  BatchResult,
  LatencyResult,
  PacedResult,
  SandboxSizeResult,
  ScriptBatchResult,
} from './phases';
import { round } from './stats';

export interface Summary {
  latencyMs: { sequential: number; workflow: number };
  ratio: number;
  throughput: {
    sources: number;
    workers: number;
    perSecond: number;
    p50Ms: number;
    p95Ms: number;
    callsPerSource: number;
  };
  /**
   * `cpuRatio`: the re-run's CPU per provisioning (server + workers) over the first
   * provisioning's (the throughput batch's).
   */
  rerun: { seconds: number; creates: number; cpuRatio: number };
  sandboxSizeRatio: number;
  workerPeakRssMb: number;
  /** What one provisioning of the throughput batch costs (bench/cost.ts). */
  cost?: Partial<Omit<HistoryCost, 'localActivities' | 'memoWrites'>> & { cpuMs: CpuCost };
  /** The same work by a plain, non-durable parallel script (no Temporal), in the same run. */
  script?: { perSecond: number; p95Ms: number; cpuMs: ScriptBatchResult['cpuMs'] };
  /** The script's throughput divided by the workflow's: what durability costs in throughput. */
  durabilityOverhead?: number;
  /**
   * The floor (bench/floor/): the tutorial's DAG as the plainest Temporal workflow, in the same
   * run. `ratio`: its single provisioning p50 over the sequential script's; `cpuMs`: per
   * provisioning of its all-at-once batch, the server and the floor's workers.
   */
  floor?: { perSecond: number; ratio: number; cpuMs: { server: number; workers: number } };
  /**
   * The product against the floor: `cpu` = its CPU per provisioning (server + workers) over the
   * floor's, `throughput` = its provisionings per second over the floor's.
   */
  overFloor?: { cpu: number; throughput: number };
  /** The HTTP API's answer rate (bench/api-load.ts): PUTs/s and the p95 of `202` answers. */
  api?: Pick<ApiLoadResult, 'clients' | 'puts' | 'putsPerSecond' | 'accepted' | 'p50Ms' | 'p95Ms'>;
  /**
   * `--server postgres` only: the throughput phase on both servers, measured one after the other
   * in the same run (same sources, workers, emulator latency and worker settings).
   */
  servers?: Partial<Record<'dev' | 'postgres', ServerThroughput>>;
}

export interface ServerThroughput {
  server: string;
  sources: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  failed: number;
  /** CPU cores used during the batch by the Temporal server, PostgreSQL, workers, emulator. */
  cores: Record<string, number>;
  /** Most PostgreSQL client connections open at once (postgres only). */
  pgConnectionsPeak?: number;
}

export function serverThroughput(server: string, b: BatchResult): ServerThroughput {
  return {
    server,
    sources: b.sources,
    perSecond: round(b.perSecond, 2),
    p50Ms: round(b.p50Ms),
    p95Ms: round(b.p95Ms),
    failed: b.failed,
    cores: Object.fromEntries(Object.entries(b.cpu).map(([k, v]) => [k, v.cores])),
    ...(b.pgConnectionsPeak === undefined ? {} : { pgConnectionsPeak: b.pgConnectionsPeak }),
  };
}

export interface Measurements {
  latency?: LatencyResult;
  size?: SandboxSizeResult;
  throughput?: BatchResult;
  rerun?: BatchResult;
  floor?: FloorResult;
  script?: ScriptBatchResult;
  paced?: PacedResult;
  api?: ApiLoadResult;
  workers: number;
  /** VmHWM of the worker processes at the end (covers start-up, e.g. the workflow bundle). */
  workerHwmMb: number;
  servers?: Summary['servers'];
}

const nan = Number.NaN;

export function summarize(m: Measurements): Summary {
  return {
    latencyMs: {
      sequential: round(m.latency?.sequentialP50 ?? nan),
      workflow: round(m.latency?.workflowP50 ?? nan),
    },
    ratio: round(m.latency?.ratio ?? nan, 3),
    throughput: {
      sources: m.throughput?.sources ?? 0,
      workers: m.workers,
      perSecond: round(m.throughput?.perSecond ?? nan, 2),
      p50Ms: round(m.throughput?.p50Ms ?? nan),
      p95Ms: round(m.throughput?.p95Ms ?? nan),
      callsPerSource: round(m.throughput?.callsPerSource ?? nan, 2),
    },
    rerun: {
      seconds: round(m.rerun?.seconds ?? nan, 2),
      creates: m.rerun?.creates ?? nan,
      cpuRatio: round(
        m.rerun && m.throughput ? serverAndWorkers(m.rerun) / serverAndWorkers(m.throughput) : nan,
        3,
      ),
    },
    sandboxSizeRatio: round(m.size?.ratio ?? nan, 3),
    workerPeakRssMb: round(
      Math.max(m.throughput?.rss.hwmMb ?? 0, m.rerun?.rss.hwmMb ?? 0, m.workerHwmMb),
      1,
    ),
    ...costOf(m),
    ...floorOf(m),
    ...(m.api
      ? {
          api: {
            clients: m.api.clients,
            puts: m.api.puts,
            putsPerSecond: m.api.putsPerSecond,
            accepted: m.api.accepted,
            p50Ms: m.api.p50Ms,
            p95Ms: m.api.p95Ms,
          },
        }
      : {}),
    ...(m.servers ? { servers: m.servers } : {}),
  };
}

function costOf(m: Measurements): Pick<Summary, 'cost' | 'script' | 'durabilityOverhead'> {
  const t = m.throughput;
  const out: Pick<Summary, 'cost' | 'script' | 'durabilityOverhead'> = {};
  if (t) {
    const h = t.history;
    out.cost = {
      ...(h
        ? {
            historyEvents: h.historyEvents,
            workflowTasks: h.workflowTasks,
            activityTasks: h.activityTasks,
            searchAttributeWrites: h.searchAttributeWrites,
            payloadBytes: h.payloadBytes,
          }
        : {}),
      cpuMs: t.cpuMs,
    };
  }
  if (m.script) {
    out.script = {
      perSecond: round(m.script.perSecond, 2),
      p95Ms: round(m.script.p95Ms),
      cpuMs: m.script.cpuMs,
    };
    if (t && t.perSecond > 0) out.durabilityOverhead = round(m.script.perSecond / t.perSecond, 2);
  }
  return out;
}

/** CPU ms per provisioning of a batch: the Temporal server and the workers doing the work. */
const serverAndWorkers = (b: BatchResult) => b.cpuMs.server + b.cpuMs.workers;

function floorOf(m: Measurements): Pick<Summary, 'floor' | 'overFloor'> {
  const f = m.floor;
  if (!f) return {};
  const out: Pick<Summary, 'floor' | 'overFloor'> = {
    floor: {
      perSecond: round(f.batch.perSecond, 2),
      ratio: round(f.ratio, 3),
      cpuMs: { server: f.batch.cpuMs.server, workers: f.batch.cpuMs.workers },
    },
  };
  const t = m.throughput;
  if (t) {
    out.overFloor = {
      cpu: round(serverAndWorkers(t) / serverAndWorkers(f.batch), 2),
      throughput: round(t.perSecond / f.batch.perSecond, 2),
    };
  }
  return out;
}

interface Target {
  label: string;
  value: string;
  target: string;
  met: boolean | undefined;
}

export function targets(s: Summary): Target[] {
  // NaN in a summary is null once read back from a results file, and a field newer than the
  // file is absent: neither is a measurement.
  const check = (v: number | null | undefined, ok: (n: number) => boolean) =>
    v === null || v === undefined || Number.isNaN(v) ? undefined : ok(v);
  return [
    {
      label: 'latency ratio (workflow / sequential)',
      value: String(s.ratio),
      // Issue #16, kept by #24 (the first benchmark's issue asked for 0.6; the chain's limit is
      // about 0.44).
      target: '≤ 0.5',
      met: check(s.ratio, (n) => n <= 0.5),
    },
    {
      // Issue #24 (replaces #16's absolute CPU of 60 ms per provisioning, all processes).
      label: 'CPU per provisioning over the floor (server + workers)',
      value: String(s.overFloor?.cpu ?? nan),
      target: '≤ 1.3',
      met: check(s.overFloor?.cpu ?? nan, (n) => n <= 1.3),
    },
    {
      // Issue #24 (replaces #16's absolute 20 provisionings/s).
      label: 'throughput over the floor',
      value: String(s.overFloor?.throughput ?? nan),
      target: '≥ 0.75',
      met: check(s.overFloor?.throughput ?? nan, (n) => n >= 0.75),
    },
    {
      label: 'throughput p95',
      value: `${s.throughput.p95Ms} ms`,
      target: '≤ 3000 ms',
      met: check(s.throughput.p95Ms, (n) => n <= 3000),
    },
    {
      label: 'sandbox-size ratio',
      value: String(s.sandboxSizeRatio),
      target: '≤ 1.1',
      met: check(s.sandboxSizeRatio, (n) => n <= 1.1),
    },
    {
      label: 'durability overhead (script / workflow throughput)',
      value: String(s.durabilityOverhead ?? nan),
      target: '≤ 2',
      met: check(s.durabilityOverhead ?? nan, (n) => n <= 2),
    },
    {
      label: 'worker peak RSS',
      value: `${s.workerPeakRssMb} MB`,
      target: '≤ 300 MB',
      met: check(s.workerPeakRssMb, (n) => n > 0 && n <= 300),
    },
    {
      label: 're-run creates',
      value: String(s.rerun.creates),
      target: '= 0',
      met: check(s.rerun.creates, (n) => n === 0),
    },
    {
      // Issue #24: an unchanged re-run at most half the CPU of a first provisioning.
      label: 're-run CPU / first provisioning CPU (server + workers)',
      value: String(s.rerun.cpuRatio ?? nan),
      target: '≤ 0.5',
      met: check(s.rerun.cpuRatio, (n) => n <= 0.5),
    },
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0] ?? []), sep, ...rows.slice(1).map(line)].join('\n');
}

const ms = (n: number) => `${round(n)} ms`;
const cpuLine = (cpu: BatchResult['cpu']) =>
  Object.entries(cpu)
    .map(([k, v]) => `${k} ${v.cores}`)
    .join(', ');

export function renderTable(m: Measurements, s: Summary, setup: string[]): string {
  const rows: string[][] = [['measurement', 'value']];
  if (m.latency) {
    const l = m.latency;
    rows.push(
      [`sequential script, p50 of ${l.runs} (${l.sequentialCalls} calls)`, ms(l.sequentialP50)],
      [`workflow, p50 of ${l.runs}`, ms(l.workflowP50)],
      ['ratio workflow / sequential', String(s.ratio)],
      [
        'sequential min / max',
        `${ms(Math.min(...l.sequentialMs))} / ${ms(Math.max(...l.sequentialMs))}`,
      ],
      ['workflow min / max', `${ms(Math.min(...l.workflowMs))} / ${ms(Math.max(...l.workflowMs))}`],
    );
  }
  if (m.size) {
    const z = m.size;
    rows.push(
      ['workflow p50, empty sandbox', ms(z.emptyP50)],
      [`workflow p50, ${z.size} unrelated sources`, ms(z.fullP50)],
      ['sandbox-size ratio', String(s.sandboxSizeRatio)],
    );
  }
  for (const [label, b] of [
    ['throughput', m.throughput],
    ['floor', m.floor?.batch],
    ['re-run', m.rerun],
  ] as const) {
    if (!b) continue;
    rows.push(
      [`${label}: sources × workers`, `${b.sources} × ${m.workers}`],
      [`${label}: wall time`, `${round(b.seconds, 1)} s`],
      [`${label}: provisionings/s`, String(round(b.perSecond, 2))],
      [`${label}: latency p50 / p95 / max`, `${ms(b.p50Ms)} / ${ms(b.p95Ms)} / ${ms(b.maxMs)}`],
      [`${label}: AEP calls per source`, String(round(b.callsPerSource, 2))],
      [`${label}: creates (emulator)`, String(b.creates)],
      [`${label}: failed`, String(b.failed)],
      [`${label}: CPU cores used`, cpuLine(b.cpu)],
      [
        `${label}: worker RSS peak (largest / all)`,
        `${round(b.rss.peakRssMb)} MB / ${round(b.rss.peakTotalRssMb)} MB`,
      ],
    );
    const d = b.breakdown;
    if (d) {
      rows.push(
        [
          `${label}: per run, ${d.workflowTasks} workflow tasks`,
          `queued ${ms(d.wftQueueMs)}, running ${ms(d.wftRunMs)}`,
        ],
        [
          `${label}: per run, ${d.activities} activities`,
          `queued ${ms(d.activityQueueMs)}, running ${ms(d.activityRunMs)}`,
        ],
      );
    }
    const h = b.history;
    if (h) {
      rows.push([
        `${label}: Temporal work per run`,
        `${h.historyEvents} events, ${h.workflowTasks} workflow tasks, ${h.activityTasks} activity tasks, ${h.localActivities} local, ${h.searchAttributeWrites} search-attribute writes, ${h.memoWrites} memo writes, ${h.payloadBytes} payload bytes`,
      ]);
    }
    rows.push([
      `${label}: CPU per provisioning`,
      `${b.cpuMs.total} ms (server ${b.cpuMs.server}, workers ${b.cpuMs.workers}, emulator ${b.cpuMs.emulator})`,
    ]);
    const top = (list: Array<{ operation: string; calls: number; meanMs: number }>, n: number) =>
      list
        .slice(0, n)
        .map((x) => `${x.operation} ${x.calls}× ${x.meanMs} ms`)
        .join('; ');
    if (b.server) {
      rows.push(
        [`${label}: server persistence (top 3)`, top(b.server.persistence, 3)],
        [`${label}: server waits (top 3)`, top(b.server.waits, 3)],
      );
    }
  }
  if (m.floor) {
    const f = m.floor;
    rows.push(
      [`floor: sequential script, p50 of ${f.runs}`, ms(f.sequentialP50)],
      [`floor: single provisioning, p50 of ${f.runs}`, ms(f.floorP50)],
      ['floor: ratio floor / sequential', String(s.floor?.ratio ?? nan)],
      [
        'product over the floor: CPU (server + workers), throughput',
        `${s.overFloor?.cpu ?? nan}×, ${s.overFloor?.throughput ?? nan}×`,
      ],
    );
  }
  if (m.script) {
    const c = m.script;
    rows.push(
      [
        `plain script: ${c.sources} sources, ${c.concurrency} at once`,
        `${round(c.seconds, 1)} s, ${round(c.perSecond, 2)}/s, p50 / p95 ${ms(c.p50Ms)} / ${ms(c.p95Ms)}, ${c.failed} failed`,
      ],
      [
        'plain script: per source',
        `${round(c.callsPerSource, 2)} AEP calls, CPU ${c.cpuMs.total} ms (script ${c.cpuMs.script}, emulator ${c.cpuMs.emulator})`,
      ],
      ['durability overhead (script / workflow throughput)', String(s.durabilityOverhead ?? nan)],
    );
  }
  if (m.paced) {
    const p = m.paced;
    rows.push(
      [
        `paced: ${p.offeredPerSecond}/s offered for ${Math.round(p.sources / p.offeredPerSecond)} s`,
        `${p.sources} sources, done in ${round(p.seconds, 1)} s (${round(p.completedPerSecond, 2)}/s)`,
      ],
      [`paced: latency p50 / p95 / max`, `${ms(p.p50Ms)} / ${ms(p.p95Ms)} / ${ms(p.maxMs)}`],
      ['paced: failed', String(p.failed)],
    );
  }
  if (m.api) {
    const a = m.api;
    rows.push(
      [
        `HTTP API: ${a.puts} PUTs from ${a.clients} clients`,
        `${a.putsPerSecond}/s in ${a.seconds} s; statuses ${JSON.stringify(a.statuses)}`,
      ],
      ['HTTP API: 202 latency p50 / p95 / p99', `${a.p50Ms} / ${a.p95Ms} / ${a.p99Ms} ms`],
    );
  }
  for (const [kind, t] of Object.entries(m.servers ?? {})) {
    rows.push(
      [`side by side, ${kind}: server`, t.server],
      [
        `side by side, ${kind}: provisionings/s, p50 / p95`,
        `${t.perSecond}/s, ${ms(t.p50Ms)} / ${ms(t.p95Ms)} (${t.sources} sources, ${t.failed} failed)`,
      ],
      [
        `side by side, ${kind}: CPU cores used`,
        Object.entries(t.cores)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') +
          (t.pgConnectionsPeak === undefined
            ? ''
            : `; PostgreSQL connections peak ${t.pgConnectionsPeak}`),
      ],
    );
  }
  rows.push(['worker peak RSS (VmHWM, whole life)', `${s.workerPeakRssMb} MB`]);
  const t = targets(s).map((x) => [
    x.label,
    x.value,
    x.target,
    x.met === undefined ? 'not measured' : x.met ? 'met' : 'NOT met',
  ]);
  return [
    ...setup,
    '',
    table(rows),
    '',
    table([['target', 'measured', 'wanted', 'status'], ...t]),
  ].join('\n');
}

export function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}

/** `bench/results/<date>_<cores>c-<memory>g.json`, never overwriting an earlier run. */
export function saveResults(dir: string, payload: Record<string, unknown>): string {
  const m = machine();
  const stamp = new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${stamp}_${m.cores}cores-${m.memoryGb}GB.json`);
  writeFileSync(file, `${JSON.stringify({ machine: m, ...payload }, null, 2)}\n`);
  return file;
}
