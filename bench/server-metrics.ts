/**
 * The dev server's own Prometheus metrics (it serves them on a random loopback port), to see where
 * the server spends its time under load: persistence latency per operation, request latency per
 * API, task dispatch. The port is found from the server's listening sockets in /proc.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address rem_address st ... inode (field 9); st 0A = LISTEN
      if (f[3] !== '0A' || !f[9] || !inodes.has(f[9])) continue;
      const port = parseInt(f[1]?.split(':')[1] ?? '', 16);
      if (Number.isInteger(port)) ports.push(port);
    }
  }
  return [...new Set(ports)];
}

/** The URL of the dev server's /metrics endpoint, or undefined when none answers. */
export async function findMetricsUrl(pid: number): Promise<string | undefined> {
  for (const port of listeningPorts(pid)) {
    const url = `http://127.0.0.1:${port}/metrics`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      const text = await res.text();
      if (res.ok && text.includes('# TYPE')) return url;
    } catch {
      // gRPC or UI port
    }
  }
  return undefined;
}

/** Samples keyed by `name{labels}`; only the series the benchmark reports on. */
export type MetricSamples = Map<string, number>;

const WAITS = [
  'dd_shard_io_semaphore_latency',
  'dd_shard_lock_latency',
  'semaphore_latency',
  'lock_latency',
  'history_workflow_execution_cache_lock_hold_duration',
  'task_latency_queue',
];
const KEEP = new RegExp(
  `^(persistence_latency|visibility_persistence_latency|service_latency|${WAITS.join('|')})_(sum|count)\\b`,
);

export async function scrape(url: string): Promise<MetricSamples> {
  const text = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
  const out: MetricSamples = new Map();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !KEEP.test(line)) continue;
    const sp = line.lastIndexOf(' ');
    const value = Number(line.slice(sp + 1));
    if (Number.isFinite(value)) out.set(line.slice(0, sp), value);
  }
  return out;
}

export interface ServerProfile {
  /** Per persistence operation: calls and mean latency over the interval. */
  persistence: Array<{ operation: string; calls: number; meanMs: number; totalSeconds: number }>;
  /** Per API (history/matching/frontend): calls and mean latency over the interval. */
  services: Array<{ operation: string; calls: number; meanMs: number }>;
  /** Time spent waiting on the shard's locks and semaphores, and tasks waiting in queues. */
  waits: Array<{ operation: string; calls: number; meanMs: number; totalSeconds: number }>;
}

function label(series: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`).exec(series)?.[1];
}

/** Difference of two scrapes, summed per operation (histogram sums are in seconds). */
export function profile(before: MetricSamples, after: MetricSamples): ServerProfile {
  const sum = (prefix: string, key: (series: string) => string | undefined) => {
    const acc = new Map<string, { sum: number; count: number }>();
    for (const [series, v] of after) {
      const isSum = series.startsWith(`${prefix}_sum`);
      const isCount = series.startsWith(`${prefix}_count`);
      if (!isSum && !isCount) continue;
      const k = key(series);
      if (!k) continue;
      const delta = v - (before.get(series) ?? 0);
      const e = acc.get(k) ?? { sum: 0, count: 0 };
      if (isSum) e.sum += delta;
      else e.count += delta;
      acc.set(k, e);
    }
    return [...acc.entries()]
      .filter(([, e]) => e.count > 0)
      .map(([operation, e]) => ({
        operation,
        calls: Math.round(e.count),
        meanMs: Math.round((e.sum / e.count) * 10000) / 10,
        totalSeconds: Math.round(e.sum * 10) / 10,
      }))
      .sort((a, b) => b.totalSeconds - a.totalSeconds);
  };
  return {
    persistence: [
      ...sum('persistence_latency', (s) => label(s, 'operation')),
      ...sum('visibility_persistence_latency', (s) => `visibility:${label(s, 'operation')}`),
    ]
      .sort((a, b) => b.totalSeconds - a.totalSeconds)
      .slice(0, 12),
    services: sum('service_latency', (s) => {
      const op = label(s, 'operation');
      const svc = label(s, 'service_name');
      return op ? `${svc ?? '?'}:${op}` : undefined;
    })
      .slice(0, 15)
      .map(({ operation, calls, meanMs }) => ({ operation, calls, meanMs })),
    waits: WAITS.flatMap((name) =>
      sum(name, (s) => {
        const op = label(s, 'operation') ?? label(s, 'task_type');
        return op ? `${name}:${op}` : name;
      }),
    )
      .sort((a, b) => b.totalSeconds - a.totalSeconds)
      .slice(0, 12),
  };
}
