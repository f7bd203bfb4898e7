/**
 * Fault rules: chaos on demand. Rules are evaluated in insertion order for every non-control
 * request. Every firing latency rule adds its delay and every firing listLag rule marks what the
 * request writes as lagging in lists; the first firing rule of any other type decides the
 * outcome, and later rules are not drawn. Probabilities come from a seeded PRNG so a
 * run with the same seed and the same request order fires the same faults.
 */
import type { FaultAction, FaultRule, FaultRuleState, ResourceKind } from './types';

const KIND_PATHS: [RegExp, Exclude<ResourceKind, 'schema'>][] = [
  [/^\/data\/foundation\/flowservice\/connections(?:\/|$)/, 'connection'],
  [/^\/data\/foundation\/flowservice\/sourceConnections(?:\/|$)/, 'sourceConnection'],
  [/^\/data\/foundation\/flowservice\/targetConnections(?:\/|$)/, 'targetConnection'],
  [/^\/data\/foundation\/flowservice\/flows(?:\/|$)/, 'flow'],
  [/^\/data\/foundation\/catalog\/dataSets(?:\/|$)/, 'dataset'],
  [/^\/data\/foundation\/(?:conversion\/)?mappingSets(?:\/|$)/, 'mappingSet'],
];

/** The kind of resource a request path addresses (collection, item or sub-resource), if any. */
export function kindOfPath(path: string): Exclude<ResourceKind, 'schema'> | undefined {
  for (const [re, kind] of KIND_PATHS) if (re.test(path)) return kind;
  return undefined;
}

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
  re?: RegExp;
  method?: string;
}

export interface FaultDecision {
  latencyMs: number;
  /** `listLag` rules that fired: the longest lag applies to what this request creates/deletes. */
  listLagMs?: number;
  outcome?: Exclude<FaultAction, { type: 'latency' } | { type: 'listLag' }>;
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
      ...(rule.path === undefined ? {} : { re: compilePathPattern(rule.path) }),
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
    let listLagMs: number | undefined;
    const kind = kindOfPath(path);
    const lag = () => (listLagMs === undefined ? {} : { listLagMs });
    for (const rule of this.rules) {
      const s = rule.state;
      if (rule.method !== undefined && rule.method !== method) continue;
      if (s.sandbox !== undefined && s.sandbox !== sandbox) continue;
      if (s.count !== undefined && s.fired >= s.count) continue;
      if (s.kind !== undefined && s.kind !== kind) continue;
      if (rule.re !== undefined && !rule.re.test(path)) continue;
      // A read neither creates nor deletes: listLag rules wait for a write.
      if (s.action.type === 'listLag' && (method === 'GET' || method === 'HEAD')) continue;
      const p = s.probability ?? 1;
      if (p < 1 && this.random() >= p) continue;
      s.fired += 1;
      if (s.action.type === 'latency') {
        latencyMs += s.action.ms;
        continue;
      }
      if (s.action.type === 'listLag') {
        listLagMs = Math.max(listLagMs ?? 0, s.action.ms);
        continue;
      }
      return { latencyMs, ...lag(), outcome: s.action };
    }
    return latencyMs === 0 && listLagMs === undefined ? NO_FAULT : { latencyMs, ...lag() };
  }
}
