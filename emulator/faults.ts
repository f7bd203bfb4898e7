/**
 * Fault rules: chaos on demand. Rules are evaluated in insertion order for every non-control
 * request. Every firing latency rule adds its delay; the first firing rule of any other type
 * decides the outcome, and later rules are not drawn. Probabilities come from a seeded PRNG so a
 * run with the same seed and the same request order fires the same faults.
 */
import type { FaultAction, FaultRule, FaultRuleState } from './types';

/** mulberry32: small, fast, good enough for chaos draws. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Compiles a rule path. Written as `/…/` (leading and trailing slash) it is a regex, so a glob
 * must not end with `/` (request paths never do). Otherwise it is a glob over `/`-separated
 * segments: `*` matches within one segment, a `**` segment matches any number of segments.
 */
export function compilePathPattern(pattern: string): RegExp {
  if (pattern.length >= 3 && pattern.startsWith('/') && pattern.endsWith('/')) {
    return new RegExp(pattern.slice(1, -1));
  }
  const segments = (pattern.startsWith('/') ? pattern : `/${pattern}`).split('/').slice(1);
  const body = segments
    .map((seg) =>
      seg === '**'
        ? '(?:/[^/]+)*'
        : '/' +
          seg
            .split('*')
            .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('[^/]*'),
    )
    .join('');
  return new RegExp(`^${body}$`);
}

interface CompiledRule {
  state: FaultRuleState;
  re: RegExp;
  method?: string;
}

export interface FaultDecision {
  latencyMs: number;
  outcome?: Exclude<FaultAction, { type: 'latency' }>;
}

const NO_FAULT: FaultDecision = { latencyMs: 0 };

export class FaultEngine {
  private rules: CompiledRule[] = [];
  private nextId = 1;
  private random: () => number;

  constructor(private readonly seed: number) {
    this.random = prng(seed);
  }

  get size(): number {
    return this.rules.length;
  }

  add(rule: FaultRule): FaultRuleState {
    const state: FaultRuleState = { ...rule, id: `fault-${this.nextId++}`, fired: 0 };
    this.rules.push({
      state,
      re: compilePathPattern(rule.path),
      ...(rule.method ? { method: rule.method.toUpperCase() } : {}),
    });
    return state;
  }

  list(): FaultRuleState[] {
    return this.rules.map((r) => ({ ...r.state }));
  }

  /** Removes every rule; the PRNG restarts from the seed so a reset run is reproducible. */
  clear(): void {
    this.rules = [];
    this.random = prng(this.seed);
  }

  evaluate(method: string, path: string, sandbox: string): FaultDecision {
    if (this.rules.length === 0) return NO_FAULT;
    let latencyMs = 0;
    for (const rule of this.rules) {
      const s = rule.state;
      if (rule.method !== undefined && rule.method !== method) continue;
      if (s.sandbox !== undefined && s.sandbox !== sandbox) continue;
      if (s.count !== undefined && s.fired >= s.count) continue;
      if (!rule.re.test(path)) continue;
      const p = s.probability ?? 1;
      if (p < 1 && this.random() >= p) continue;
      s.fired += 1;
      if (s.action.type === 'latency') {
        latencyMs += s.action.ms;
        continue;
      }
      return { latencyMs, outcome: s.action };
    }
    return latencyMs === 0 ? NO_FAULT : { latencyMs };
  }
}
