import { readFileSync, existsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { creatorSource } from '../src/activities/ownership';
import type { StoredResource } from '../emulator/control';
import type { ProvisionResult } from '../src/shared/model';
import { sourceKey } from './sources';

/**
 * The audit: what the emulator holds, compared with what Temporal reported, and every place a
 * secret could have leaked to. Pure functions over plain data (unit-tested in test/chaos), plus
 * the two fetchers (histories through the Temporal client, worker log files).
 */

export type Outcome =
  | { state: 'succeeded'; result: ProvisionResult }
  | { state: 'failed'; type: string; rootType: string; message: string; rootMessage?: string }
  | { state: 'cancelled' }
  | { state: 'unfinished' };

export interface SourceOutcome {
  sandbox: string;
  name: string;
  outcome: Outcome;
}

export interface ResourceAudit {
  /** Non-schema resources the emulator holds. */
  resources: number;
  /** Resources of one source beyond one per kind. */
  duplicates: number;
  /** Resources that belong to no succeeded source (including unmarked ones). */
  orphans: number;
  /** Ids a succeeded source returned that the emulator does not hold. */
  missing: number;
  /** Orphans by the outcome of the source they belong to. */
  leftovers: { failed: number; cancelled: number; unfinished: number; unknownSource: number };
  /** A few examples, for the report. */
  examples: string[];
}

/** An audit that has counted nothing yet. */
export function emptyAudit(): ResourceAudit {
  return {
    resources: 0,
    duplicates: 0,
    orphans: 0,
    missing: 0,
    leftovers: { failed: 0, cancelled: 0, unfinished: 0, unknownSource: 0 },
    examples: [],
  };
}

/** Emulator kinds → the product's resource kinds. */
export const KIND: Record<string, string> = {
  connection: 'baseConnection',
  sourceConnection: 'sourceConnection',
  targetConnection: 'targetConnection',
  flow: 'flow',
  dataset: 'dataset',
  mappingSet: 'mappingSet',
};

export function resultIds(r: ProvisionResult): string[] {
  return [
    r.baseConnectionId,
    r.sourceConnectionId,
    r.targetConnectionId,
    r.flowId,
    r.datasetId,
    ...(r.mappingSetId ? [r.mappingSetId] : []),
  ];
}

/**
 * A resource belongs to the source named by its ownership marker
 * (`[aep-stream-provisioner org=… sandbox=… source="<name>" run=<runId>]`) in its sandbox. One without a marker
 * belongs to no source, so it is an orphan unless a succeeded source returned its id.
 */
export function auditResources(
  resources: readonly StoredResource[],
  outcomes: readonly SourceOutcome[],
): ResourceAudit {
  const byKey = new Map(outcomes.map((o) => [sourceKey(o.sandbox, o.name), o]));
  const returned = new Set<string>();
  for (const o of outcomes)
    if (o.outcome.state === 'succeeded')
      for (const id of resultIds(o.outcome.result)) returned.add(id);

  const audit = emptyAudit();
  const example = (s: string) => {
    if (audit.examples.length < 20) audit.examples.push(s);
  };
  const perSourceKind = new Map<string, StoredResource[]>();
  const held = new Set<string>();
  for (const r of resources) {
    if (r.kind === 'schema') continue;
    audit.resources += 1;
    held.add(r.id);
    const source = creatorSource(r.description);
    if (source === undefined) {
      if (!returned.has(r.id)) {
        audit.orphans += 1;
        audit.leftovers.unknownSource += 1;
        example(`orphan ${r.kind} ${r.id} "${r.name ?? ''}" in ${r.sandbox}: no ownership marker`);
      }
      continue;
    }
    const key = sourceKey(r.sandbox, source);
    const group = `${key}\u0000${KIND[r.kind] ?? r.kind}`;
    perSourceKind.set(group, [...(perSourceKind.get(group) ?? []), r]);
    const owner = byKey.get(key);
    if (owner?.outcome.state === 'succeeded') continue;
    audit.orphans += 1;
    const state = owner?.outcome.state;
    if (state === 'failed' || state === 'cancelled' || state === 'unfinished')
      audit.leftovers[state] += 1;
    else audit.leftovers.unknownSource += 1;
    example(
      `orphan ${r.kind} ${r.id} of "${source}" in ${r.sandbox} (${state ?? 'not a source of this run'})`,
    );
  }
  for (const [group, list] of perSourceKind) {
    if (list.length > 1) {
      audit.duplicates += list.length - 1;
      example(
        `duplicate ${group.split('\u0000')[1]} ×${list.length} of ${group.split('\u0000')[0]}: ${list.map((r) => r.id).join(', ')}`,
      );
    }
  }
  for (const o of outcomes) {
    if (o.outcome.state !== 'succeeded') continue;
    for (const id of resultIds(o.outcome.result)) {
      if (!held.has(id)) {
        audit.missing += 1;
        example(`missing ${id} returned for ${sourceKey(o.sandbox, o.name)}`);
      }
    }
  }
  return audit;
}

// ----------------------------------------------------------------------------------------------
// Secret leaks

/** Non-overlapping occurrences of `needle` in `haystack`. */
export function countOccurrences(haystack: Buffer, needle: Buffer): number {
  if (needle.length === 0) return 0;
  let n = 0;
  for (
    let at = haystack.indexOf(needle);
    at !== -1;
    at = haystack.indexOf(needle, at + needle.length)
  )
    n += 1;
  return n;
}

/**
 * Occurrences of any needle in a decoded protobuf object (a workflow history). Payloads are bytes
 * (Uint8Array) holding JSON, so `JSON.stringify(history)` would turn them into arrays of numbers
 * and hide a secret: every string and every byte array is searched as raw bytes instead.
 */
export function scanValue(value: unknown, needles: readonly Buffer[]): number {
  let found = 0;
  const seen = new WeakSet<object>();
  const visit = (v: unknown, depth: number) => {
    if (depth > 64 || v === null || v === undefined) return;
    if (typeof v === 'string') {
      if (v.length > 0) found += scanBuffer(Buffer.from(v, 'utf8'), needles);
      return;
    }
    if (v instanceof Uint8Array) {
      found += scanBuffer(Buffer.from(v.buffer, v.byteOffset, v.byteLength), needles);
      return;
    }
    if (typeof v !== 'object') return;
    if (seen.has(v)) return;
    seen.add(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) visit(child, depth + 1);
  };
  visit(value, 0);
  return found;
}

export function scanBuffer(buf: Buffer, needles: readonly Buffer[]): number {
  let n = 0;
  for (const needle of needles) n += countOccurrences(buf, needle);
  return n;
}

export interface LeakAudit {
  secretLeaks: number;
  historiesScanned: number;
  historyLeaks: number;
  logLeaks: number;
  logBytesScanned: number;
  /** Access tokens the emulator issued (each one searched for). */
  tokensChecked: number;
  examples: string[];
}

export interface HistoryScan {
  scanned: number;
  leaks: number;
  examples: string[];
  /**
   * Activity attempts beyond the first (Temporal records only an activity's last attempt), local
   * activities included (their marker holds the attempt).
   */
  activityRetries: number;
  maxActivityAttempt: number;
  /** Per activity type: executions, attempts beyond the first, highest attempt. */
  attemptsByActivity: Record<string, { count: number; retries: number; maxAttempt: number }>;
  /** Workflow tasks that timed out (their worker died or stalled) and were handed to another. */
  workflowTaskTimeouts: number;
  /** Wall time of each closed workflow run, seconds (first to last event). */
  durations: number[];
  /** The slowest run, event by event: where its time went. */
  slowest?: { workflowId: string; seconds: number; timeline: string[] };
}

interface HistoryEventLike {
  eventTime?: { seconds?: unknown; nanos?: number | null } | null;
  eventId?: unknown;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: {
    attempt?: number | null;
    scheduledEventId?: unknown;
  } | null;
  workflowTaskTimedOutEventAttributes?: unknown;
  markerRecordedEventAttributes?: {
    markerName?: string | null;
    details?: Record<string, { payloads?: Array<{ data?: Uint8Array | null }> | null }> | null;
  } | null;
}

/**
 * A local activity's outcome, from Core's marker (`core_local_activity`, its `data` payload: type,
 * attempt, and a backoff when it will be retried after a timer). Only final outcomes (no backoff)
 * count as executions: a retried one records one marker per timer it waits on.
 */
function localActivityOutcome(e: HistoryEventLike): { type: string; attempt: number } | undefined {
  const m = e.markerRecordedEventAttributes;
  if (m?.markerName !== 'core_local_activity') return undefined;
  const data = m.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  const d = JSON.parse(Buffer.from(data).toString('utf8')) as {
    activity_type?: string;
    attempt?: number;
    backoff?: unknown;
  };
  if (d.backoff) return undefined;
  return { type: d.activity_type ?? '?', attempt: d.attempt ?? 1 };
}

/**
 * Adds one history's activity attempts to `scan`: activity tasks (their started event holds the
 * last attempt) and local activities (their marker), and its workflow-task timeouts.
 */
export function countAttempts(
  events: readonly HistoryEventLike[],
  scan: Pick<
    HistoryScan,
    'activityRetries' | 'maxActivityAttempt' | 'attemptsByActivity' | 'workflowTaskTimeouts'
  >,
): void {
  const typeOf = new Map<string, string>();
  const add = (type: string, attempt: number) => {
    const a = (scan.attemptsByActivity[type] ??= { count: 0, retries: 0, maxAttempt: 0 });
    a.count += 1;
    a.retries += Math.max(0, attempt - 1);
    a.maxAttempt = Math.max(a.maxAttempt, attempt);
    scan.activityRetries += Math.max(0, attempt - 1);
    scan.maxActivityAttempt = Math.max(scan.maxActivityAttempt, attempt);
  };
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(str(e.eventId), scheduled.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (started) add(typeOf.get(str(started.scheduledEventId)) ?? '?', started.attempt ?? 0);
    const local = localActivityOutcome(e);
    if (local) add(local.type, local.attempt);
    if (e.workflowTaskTimedOutEventAttributes) scan.workflowTaskTimeouts += 1;
  }
}

function seconds(t: HistoryEventLike['eventTime']): number | undefined {
  if (!t) return undefined;
  const s = t.seconds;
  const whole =
    typeof s === 'number'
      ? s
      : s && typeof (s as { toNumber?: unknown }).toNumber === 'function'
        ? (s as { toNumber(): number }).toNumber()
        : Number(s ?? 0);
  return whole + (t.nanos ?? 0) / 1e9;
}

export async function scanWorkflowHistories(
  client: Client,
  executions: ReadonlyArray<{ workflowId: string; runId?: string }>,
  needles: readonly Buffer[],
  opts: { concurrency?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<HistoryScan> {
  let next = 0;
  const scan: HistoryScan = {
    scanned: 0,
    leaks: 0,
    examples: [],
    activityRetries: 0,
    maxActivityAttempt: 0,
    attemptsByActivity: {},
    workflowTaskTimeouts: 0,
    durations: [],
  };
  const worker = async () => {
    for (;;) {
      const i = next++;
      const ex = executions[i];
      if (!ex) return;
      const history = await client.workflow.getHandle(ex.workflowId, ex.runId).fetchHistory();
      const n = scanValue(history, needles);
      scan.scanned += 1;
      if (n > 0) {
        scan.leaks += n;
        if (scan.examples.length < 10)
          scan.examples.push(`${n} in the history of ${ex.workflowId} (${ex.runId ?? 'latest'})`);
      }
      const events = (history.events ?? []) as HistoryEventLike[];
      countAttempts(events, scan);
      const first = seconds(events[0]?.eventTime);
      const last = seconds(events[events.length - 1]?.eventTime);
      if (first !== undefined && last !== undefined) {
        const took = last - first;
        scan.durations.push(took);
        if (!scan.slowest || took > scan.slowest.seconds)
          scan.slowest = {
            workflowId: ex.workflowId,
            seconds: Math.round(took * 10) / 10,
            timeline: timeline(events),
          };
      }
      if (scan.scanned % 200 === 0) opts.onProgress?.(scan.scanned, executions.length);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  return scan;
}

/** Numbers, strings and protobuf Longs (which have their own toString) as text. */
function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  const toString = (v as { toString?: () => string }).toString;
  return typeof toString === 'function' && toString !== Object.prototype.toString
    ? toString.call(v)
    : JSON.stringify(v);
}

/** One line per event: offset, event type, activity type or attempt, failure message. */
export function timeline(events: readonly HistoryEventLike[]): string[] {
  const t0 = seconds(events[0]?.eventTime) ?? 0;
  const activityTypes = new Map<string, string>();
  return events.map((e) => {
    const rec = e as Record<string, unknown>;
    const key = Object.keys(rec).find((k) => k.endsWith('EventAttributes') && rec[k]);
    const attrs = (key ? rec[key] : {}) as Record<string, unknown>;
    const name = key ? key.replace(/EventAttributes$/, '') : 'event';
    const id = str(rec.eventId);
    const parts = [`+${((seconds(e.eventTime) ?? t0) - t0).toFixed(1)}s`, `#${id}`, name];
    const type = (attrs.activityType as { name?: string } | undefined)?.name;
    if (type) {
      activityTypes.set(id, type);
      parts.push(type);
    }
    const scheduled = attrs.scheduledEventId;
    if (scheduled !== undefined && scheduled !== null)
      parts.push(`of #${str(scheduled)} ${activityTypes.get(str(scheduled)) ?? ''}`.trim());
    if (typeof attrs.attempt === 'number' && attrs.attempt > 1)
      parts.push(`attempt ${attrs.attempt}`);
    const failure = (attrs.failure ?? attrs.lastFailure) as { message?: string } | undefined;
    if (failure?.message) parts.push(`: ${failure.message.slice(0, 160)}`);
    const timeoutType = attrs.timeoutType;
    if (timeoutType !== undefined && timeoutType !== null)
      parts.push(`timeout type ${str(timeoutType)}`);
    return parts.join(' ');
  });
}

/** p50 / p95 / max of a list of seconds, rounded to 0.1 s. */
export function percentiles(values: readonly number[]): { p50: number; p95: number; max: number } {
  if (values.length === 0) return { p50: 0, p95: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  const r = (n: number) => Math.round(n * 10) / 10;
  return { p50: r(at(0.5)), p95: r(at(0.95)), max: r(sorted[sorted.length - 1] ?? 0) };
}

/** Every run of every workflow on the task queue (visibility), plus runs the caller knows of. */
export async function executionsOnTaskQueue(
  client: Client,
  taskQueue: string,
  known: ReadonlyArray<{ workflowId: string; runId?: string }> = [],
): Promise<Array<{ workflowId: string; runId?: string }>> {
  const out = new Map<string, { workflowId: string; runId?: string }>();
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    out.set(`${wf.workflowId}\u0000${wf.runId}`, { workflowId: wf.workflowId, runId: wf.runId });
  }
  const listedIds = new Set([...out.values()].map((e) => e.workflowId));
  for (const k of known) {
    if (k.runId ? !out.has(`${k.workflowId}\u0000${k.runId}`) : !listedIds.has(k.workflowId))
      out.set(`${k.workflowId}\u0000${k.runId ?? ''}`, k);
  }
  return [...out.values()];
}

export function scanLogFiles(
  files: readonly string[],
  needles: readonly Buffer[],
): { bytes: number; leaks: number; examples: string[] } {
  let bytes = 0;
  let leaks = 0;
  const examples: string[] = [];
  for (const f of files) {
    if (!existsSync(f)) continue;
    const buf = readFileSync(f);
    bytes += buf.length;
    const n = scanBuffer(buf, needles);
    if (n > 0) {
      leaks += n;
      examples.push(`${n} in ${f}`);
    }
  }
  return { bytes, leaks, examples };
}

export const needlesOf = (secret: string, tokens: readonly string[]): Buffer[] =>
  [secret, ...tokens].filter((s) => s.length >= 8).map((s) => Buffer.from(s, 'utf8'));
