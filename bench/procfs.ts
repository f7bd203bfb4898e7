/**
 * Memory of the worker processes, read from /proc (Linux). A worker started through tsx is a
 * small launcher process with the real Node.js worker as its child, so every figure is taken over
 * the process tree and the largest member (the worker itself) is reported separately.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** `pid` and every descendant still alive. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is parenthesised and may hold spaces: the ppid follows the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended while we were reading.
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** VmRSS and VmHWM (peak RSS) of one process in MiB, or undefined when it is gone. */
export function memoryOf(pid: number): { rssMb: number; hwmMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

export interface RssSample {
  /** Highest VmRSS seen for the largest process of each tree while sampling. */
  peakRssMb: number;
  /** Highest VmHWM (kernel-kept peak since the process started) of any worker process. */
  hwmMb: number;
  /** Highest sum of VmRSS over all trees (every worker process, launchers included). */
  peakTotalRssMb: number;
}

/**
 * Samples the trees of `pids` every `intervalMs` until stopped. VmHWM also covers what happened
 * between samples (and before sampling began, e.g. the workflow bundle build at start-up).
 */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly sample: RssSample = { peakRssMb: 0, hwmMb: 0, peakTotalRssMb: 0 };

  constructor(
    private readonly pids: number[],
    private readonly intervalMs = 250,
  ) {}

  start(): this {
    this.take();
    this.timer = setInterval(() => this.take(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): RssSample {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.take();
    return { ...this.sample };
  }

  private take(): void {
    let total = 0;
    for (const root of this.pids) {
      for (const pid of processTree(root)) {
        const m = memoryOf(pid);
        if (!m) continue;
        total += m.rssMb;
        this.sample.peakRssMb = Math.max(this.sample.peakRssMb, m.rssMb);
        this.sample.hwmMb = Math.max(this.sample.hwmMb, m.hwmMb);
      }
    }
    this.sample.peakTotalRssMb = Math.max(this.sample.peakTotalRssMb, total);
  }
}

/** User + system CPU seconds used so far by `pid` and its descendants (clock ticks of 10 ms). */
export function cpuSecondsOfTree(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 of stat(5) (utime, stime), counted from the state field (3).
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / 100;
}

/** Busy CPU seconds of the whole machine so far (all cores; /proc/stat, 10 ms ticks). */
export function machineCpuSeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    const busy = f.slice(0, 8).reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0);
    return busy / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds per named process tree between `begin()` and `end()`, and `machine`: what the whole
 * machine used (so what other processes took from the run can be told).
 */
export class CpuMeter {
  private startAt = 0;
  private machineBefore = 0;
  private readonly before = new Map<string, number>();

  constructor(private readonly trees: Record<string, number[]>) {}

  begin(): this {
    this.startAt = Date.now();
    this.machineBefore = machineCpuSeconds();
    for (const [name, pids] of Object.entries(this.trees)) this.before.set(name, this.sum(pids));
    return this;
  }

  /** Per tree: CPU seconds used and the share of one core over the interval (1.0 = one core). */
  end(): Record<string, { cpuSeconds: number; cores: number }> {
    const wall = (Date.now() - this.startAt) / 1000;
    const out: Record<string, { cpuSeconds: number; cores: number }> = {};
    for (const [name, pids] of Object.entries(this.trees)) {
      const used = this.sum(pids) - (this.before.get(name) ?? 0);
      out[name] = { cpuSeconds: round(used, 2), cores: round(wall > 0 ? used / wall : 0, 2) };
    }
    const machine = machineCpuSeconds() - this.machineBefore;
    out.machine = { cpuSeconds: round(machine, 2), cores: round(wall > 0 ? machine / wall : 0, 2) };
    return out;
  }

  private sum(pids: number[]): number {
    return pids.reduce((acc, pid) => acc + cpuSecondsOfTree(pid), 0);
  }
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
