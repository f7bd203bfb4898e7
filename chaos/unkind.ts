import type { EmulatorControl } from '../emulator/control';
import type { SourceOutcome } from './audit';
import type { ChaosOptions } from './options';
import { drive, underChaos, type Ctx, type ScenarioResult } from './scenarios';
import { sources, type SourceSpec } from './sources';

/**
 * Scenario `unkind`: what real AEP can do to a client that believes one answer = one outcome.
 * On Platform (`/data/…`) creates: a share commit only after the worker's HTTP attempt timeout
 * (`slowCommit`: the attempt gives up, the resource lands later, a retry may create a second
 * one), a share commit and then answer a gateway 504 (`commitThen504`); every Platform write
 * shows in lists and name filters only `--list-lag-ms` later (a lookup right after a create
 * sees nothing); name filters ignore case, and some sources have a twin whose name differs only
 * in case (a lookup of one also returns the other's resources). Workers are SIGTERMed (a deploy)
 * and SIGKILLed (a crash) meanwhile. Every source must succeed, with no twin (a second resource
 * of one kind for one source) left in AEP: `duplicates`. `twinsRemoved` is what the product says
 * it removed: the sum of its results' `twinsRemoved` (ProvisionResult, src/shared/model.ts: the
 * twins a run's after-success sweep deleted; absent when it deleted none).
 */

const PLATFORM_WRITES = '/^\\/data\\//';

/** The attempt timeout the workers run with (their AEP_REQUEST_TIMEOUT_MS; product default 15 s). */
export const attemptTimeoutMs = (o: ChaosOptions) => o.requestTimeoutMs ?? 15_000;

export async function installUnkindFaults(
  control: EmulatorControl,
  o: ChaosOptions,
): Promise<string[]> {
  const installed: string[] = [];
  if (o.caseTwins > 0 || o.scenario === 'unkind') {
    await control.setFilterMode({ nameMatch: 'caseInsensitive' });
    installed.push('name filters case-insensitive');
  }
  // listLag first: it only marks a write, and the first firing rule of another type decides.
  if (o.listLagMs > 0) {
    await control.listLag({ path: PLATFORM_WRITES, ms: o.listLagMs });
    installed.push(`list lag ${o.listLagMs} ms on Platform writes`);
  }
  if (o.slowCommitRate > 0) {
    const ms = o.slowCommitMs ?? attemptTimeoutMs(o) + 2000;
    await control.slowCommit({ path: PLATFORM_WRITES, ms, probability: o.slowCommitRate });
    installed.push(
      `slow commit ${ms} ms (attempt timeout ${attemptTimeoutMs(o)} ms) on ${o.slowCommitRate * 100} % of Platform creates`,
    );
  }
  if (o.commitThen504Rate > 0) {
    // Drawn only when the slow-commit rule did not fire: scaled so its share of all creates is
    // the one asked for.
    const p = o.commitThen504Rate / Math.max(1e-9, 1 - o.slowCommitRate);
    await control.commitThen504({ path: PLATFORM_WRITES, probability: Math.min(1, p) });
    installed.push(`commit then 504 on ${o.commitThen504Rate * 100} % of Platform creates`);
  }
  return installed;
}

/**
 * The load's sources, and for a `--case-twins` share of them a twin in the same sandbox whose
 * name (and dataset name) differs only in case.
 */
export function unkindSources(
  count: number,
  opts: { prefix: string; caseTwins: number; smokeTest: ChaosOptions['smokeTest'] },
): SourceSpec[] {
  const specs = sources(count, { prefix: opts.prefix, smokeTest: opts.smokeTest });
  const every = opts.caseTwins > 0 ? Math.max(2, Math.round(1 / opts.caseTwins)) : 0;
  if (every === 0) return specs;
  return specs.map((spec, i) => {
    if (i % every !== 1) return spec;
    const of = specs[i - 1]!;
    const name = twinName(of.name);
    return {
      ...spec,
      sandbox: of.sandbox,
      name,
      variant: of.variant,
      request: {
        ...of.request,
        name,
        description: `${of.request.description ?? ''} (case twin)`,
        target: {
          ...of.request.target,
          dataset: of.request.target.dataset?.name ? { name: `${name} ds` } : {},
        },
      },
    };
  });
}

/** The same name with the case of every letter flipped ("chaos 1 0004 raw open" → "CHAOS …"). */
export function twinName(name: string): string {
  return [...name].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

export async function runUnkind(ctx: Ctx, prefix: string): Promise<ScenarioResult> {
  const { opts } = ctx;
  for (const line of await installUnkindFaults(ctx.stack.emulator.control, opts))
    ctx.log(`unkind: ${line}`);
  const specs = unkindSources(opts.sources, {
    prefix,
    caseTwins: opts.caseTwins,
    smokeTest: opts.smokeTest,
  });
  const twins = specs.filter((s) => s.request.description?.endsWith('(case twin)')).length;
  ctx.progress.requested = specs.length;
  const driven = await underChaos(ctx, () => drive(ctx, specs));
  const outcomes: SourceOutcome[] = driven.map((d) => d.outcome);
  return {
    outcomes,
    figures: {
      twinsRemoved: twinsRemoved(outcomes),
      caseTwinSources: twins,
      workerTerms: ctx.stack.counters.workerTerms,
      attemptTimeoutMs: attemptTimeoutMs(opts),
    },
    problems: outcomes
      .flatMap((o) =>
        o.outcome.state === 'failed'
          ? [
              `"${o.name}" in ${o.sandbox} failed ${o.outcome.type}/${o.outcome.rootType}: ${(o.outcome.rootMessage ?? o.outcome.message).slice(0, 300)}`,
            ]
          : [],
      )
      .slice(0, 10),
    summaryFields: ['duplicates', 'orphans', 'secretLeaks', 'twinsRemoved'],
  };
}

/** The product's count of twins it removed, from each succeeded result (0 when a result has none). */
export function twinsRemoved(outcomes: readonly SourceOutcome[]): number {
  let n = 0;
  for (const o of outcomes) {
    if (o.outcome.state !== 'succeeded') continue;
    const removed: unknown = o.outcome.result.twinsRemoved;
    if (typeof removed === 'number') n += removed;
    else if (Array.isArray(removed)) n += removed.length;
  }
  return n;
}
