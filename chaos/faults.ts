import type { FaultRule } from '../emulator/control';

/**
 * Transient fault plans: the emulator's fault rules for a `--fault-rate` split over `--fault-kinds`.
 * Faults are drawn per request (the emulator's seeded PRNG), so a retried call eventually gets
 * through: Temporal's retry policy (src/workflows/policies.ts) is what is being measured.
 */

export const FAULT_KINDS = ['5xx', '429', 'commit-then-fail', 'latency', 'drop'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** What "faults of all kinds" means (docs/chaos.md, "Faults"); `drop` (no answer at all) is opt-in. */
export const DEFAULT_FAULT_KINDS: FaultKind[] = ['5xx', '429', 'commit-then-fail', 'latency'];

/** Every call the worker makes to AEP: Platform, IMS and the DCS inlets (never the control API). */
export const AEP_PATHS = '/^\\/(?:data|ims|collection)\\//';

export interface FaultPlan {
  /** Probability that a request meets at least one fault. */
  rate: number;
  kinds: FaultKind[];
  /** Delay of a `latency` fault. */
  latencyMs: number;
  /** Retry-After of a `429` fault. */
  retryAfterSeconds: number;
  /** Restrict to one method (e.g. only the creates); all methods when absent. */
  method?: string;
  path?: string;
}

export function parseFaultKinds(list: string): FaultKind[] {
  const kinds = list
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (kinds.length === 1 && kinds[0] === 'all') return [...DEFAULT_FAULT_KINDS];
  const bad = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (bad.length > 0) {
    throw new Error(`unknown fault kind(s) ${bad.join(', ')}; expected ${FAULT_KINDS.join(', ')}`);
  }
  return [...new Set(kinds as FaultKind[])];
}

/**
 * Each selected kind gets an equal share `q = rate / kinds`. Request-ending faults (5xx, 429,
 * commit-then-fail, drop) are exclusive: the emulator stops at the first firing one, so rule j
 * fires with the conditional probability q / (1 - shares before it) and every kind keeps its
 * marginal share. A latency fault delays the request and lets it proceed; its probability is set
 * so that P(at least one fault) = rate exactly.
 */
export function transientFaultRules(plan: FaultPlan): FaultRule[] {
  if (plan.rate <= 0 || plan.kinds.length === 0) return [];
  if (plan.rate > 1) throw new Error('--fault-rate must be within 0..1');
  const q = plan.rate / plan.kinds.length;
  const base = { path: plan.path ?? AEP_PATHS, ...(plan.method ? { method: plan.method } : {}) };

  const ending: Array<{ share: number; action: FaultRule['action'] }> = [];
  for (const kind of plan.kinds) {
    switch (kind) {
      case '5xx':
        for (const status of [500, 502, 503, 504])
          ending.push({ share: q / 4, action: { type: 'status', status } });
        break;
      case '429':
        ending.push({
          share: q,
          action: { type: 'status', status: 429, retryAfterSeconds: plan.retryAfterSeconds },
        });
        break;
      case 'commit-then-fail':
        ending.push({ share: q / 2, action: { type: 'commitThenFail', mode: 'status500' } });
        ending.push({ share: q / 2, action: { type: 'commitThenFail', mode: 'drop' } });
        break;
      case 'drop':
        ending.push({ share: q, action: { type: 'drop' } });
        break;
      case 'latency':
        break;
    }
  }
  const endingTotal = ending.reduce((s, e) => s + e.share, 0);
  const rules: FaultRule[] = [];
  if (plan.kinds.includes('latency')) {
    const p = endingTotal >= 1 ? 0 : (plan.rate - endingTotal) / (1 - endingTotal);
    if (p > 0)
      rules.push({
        ...base,
        probability: clamp(p),
        action: { type: 'latency', ms: plan.latencyMs },
      });
  }
  let before = 0;
  for (const e of ending) {
    rules.push({ ...base, probability: clamp(e.share / (1 - before)), action: e.action });
    before += e.share;
  }
  return rules;
}

/** Probability that a request ends in an error (everything but latency). */
export function failingShare(plan: FaultPlan): number {
  if (plan.kinds.length === 0) return 0;
  const ending = plan.kinds.filter((k) => k !== 'latency').length;
  return (plan.rate / plan.kinds.length) * ending;
}

const clamp = (p: number) => Math.min(1, Math.max(0, Number(p.toFixed(6))));
