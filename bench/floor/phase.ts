/**
 * The floor phase: the floor workflow (bench/floor/workflows.ts) measured like the product, in the
 * same run, on the same server, emulator and worker settings, with the product's workers idle:
 * the same number of sources submitted at once (fresh names), then single provisionings
 * alternating with the sequential script, so the floor's latency ratio is taken against a script
 * measured under the same conditions.
 */
import { provisionSequentially } from '../sequential';
import { runBatch, type BatchResult, type BatchTarget, type PhaseContext } from '../phases';
import { median, withTimeout } from '../stats';
import { timeline, type TimelineEntry } from '../timeline';
import { sequentialRequest } from '../workload';
import type { FloorWorkers } from './stack';

export interface FloorResult {
  runs: number;
  sequentialMs: number[];
  floorMs: number[];
  sequentialP50: number;
  floorP50: number;
  /** Floor p50 / sequential p50, both measured in this phase. */
  ratio: number;
  /** The all-at-once batch: CPU `workers` are the floor's, `idleWorkers` the product's. */
  batch: BatchResult;
  /** History timeline of the single floor run closest to the median. */
  timeline: TimelineEntry[];
}

export function floorTarget(floor: FloorWorkers, idleWorkers: number[]): BatchTarget {
  return {
    async provision(name, sandbox) {
      const handle = await floor.start(sequentialRequest(name, sandbox));
      const result = await handle.result();
      return { handle, created: result.created.length };
    },
    workers: floor.workers.map((w) => w.pid),
    idleWorkers,
  };
}

export async function measureFloor(
  ctx: PhaseContext,
  floor: FloorWorkers,
  opts: { runs: number; names: string[] },
): Promise<FloorResult> {
  const target = floorTarget(
    floor,
    ctx.stack.workers.map((w) => w.pid),
  );
  const single = async (name: string) => {
    const started = performance.now();
    const { handle } = await target.provision(name, 'prod');
    return { ms: performance.now() - started, handle };
  };
  const { emulator, credentials } = ctx.stack;
  const sequential = async (name: string) =>
    (
      await provisionSequentially(
        { url: emulator.url, ...credentials },
        sequentialRequest(name, 'prod'),
      )
    ).ms;

  // JIT, token cache, sticky cache and the task queue warm before anything is timed.
  await withTimeout(
    (async () => {
      for (let i = 0; i < 3; i++) await single(`bench ${ctx.tag} floor warm ${i}`);
    })(),
    ctx.phaseTimeoutMs,
    'floor warm-up',
  );
  ctx.log(`  floor batch: ${opts.names.length} sources submitted at once`);
  const batch = await runBatch(ctx, opts.names, 'prod', 'floor', target);

  ctx.log(
    `  floor latency: ${opts.runs} sequential scripts and ${opts.runs} floor runs, alternating`,
  );
  const sequentialMs: number[] = [];
  const floorMs: number[] = [];
  const handles: Awaited<ReturnType<typeof single>>['handle'][] = [];
  await withTimeout(
    (async () => {
      for (let i = 0; i < opts.runs; i++) {
        const seq = async () => {
          sequentialMs.push(await sequential(`bench ${ctx.tag} floor seq ${i}`));
        };
        const run = async () => {
          const r = await single(`bench ${ctx.tag} floor single ${i}`);
          floorMs.push(r.ms);
          handles.push(r.handle);
        };
        if (i % 2 === 0) {
          await seq();
          await run();
        } else {
          await run();
          await seq();
        }
      }
    })(),
    ctx.phaseTimeoutMs,
    'floor latency',
  );
  const sequentialP50 = median(sequentialMs);
  const floorP50 = median(floorMs);
  const closest = floorMs.reduce(
    (best, v, i) => (Math.abs(v - floorP50) < Math.abs((floorMs[best] ?? 0) - floorP50) ? i : best),
    0,
  );
  const medianHandle = handles[closest];
  return {
    runs: opts.runs,
    sequentialMs,
    floorMs,
    sequentialP50,
    floorP50,
    ratio: floorP50 / sequentialP50,
    batch,
    timeline: medianHandle ? await timeline(medianHandle) : [],
  };
}
