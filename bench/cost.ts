/**
 * What one provisioning costs Temporal and the machine: the Temporal work its history records
 * (events, workflow tasks, activity tasks, local activities, search-attribute writes, payload
 * bytes), averaged over sampled runs, and the CPU each process spent per provisioning over a batch.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { round } from './stats';

const E = temporal.api.enums.v1.EventType;
type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

export interface HistoryCost {
  historyEvents: number;
  workflowTasks: number;
  /** Activity tasks scheduled (each a task hand-off through the server; retries not counted). */
  activityTasks: number;
  /** Local activities (markers): run inside a workflow task, no task of their own. */
  localActivities: number;
  /** Search attributes set at start (1 when any) plus each upsert. */
  searchAttributeWrites: number;
  /** Memo set at start (1 when any) plus each properties-modified event. */
  memoWrites: number;
  /** Bytes of every payload the history holds (data and metadata): inputs, results, memo, markers. */
  payloadBytes: number;
}

export interface CpuCost {
  /** server + workers + emulator. */
  total: number;
  /** The Temporal server (and PostgreSQL on that stack). */
  server: number;
  workers: number;
  emulator: number;
}

/** Sizes of every Payload in a decoded proto object (`data` bytes plus metadata bytes). */
export function payloadBytes(node: unknown): number {
  if (node === null || typeof node !== 'object') return 0;
  if (node instanceof Uint8Array) return 0;
  if (Array.isArray(node)) return node.reduce((acc: number, n) => acc + payloadBytes(n), 0);
  const o = node as Record<string, unknown>;
  if (o.data instanceof Uint8Array && o.metadata && typeof o.metadata === 'object') {
    let bytes = o.data.length;
    for (const [k, v] of Object.entries(o.metadata as Record<string, unknown>)) {
      bytes += k.length + (v instanceof Uint8Array ? v.length : 0);
    }
    return bytes;
  }
  return Object.values(o).reduce((acc: number, v) => acc + payloadBytes(v), 0);
}

export function historyCost(history: History): HistoryCost {
  const events = history.events ?? [];
  const count = (type: temporal.api.enums.v1.EventType) =>
    events.filter((e) => e.eventType === type).length;
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const hasFields = (f: { [k: string]: unknown } | null | undefined) =>
    f !== null && f !== undefined && Object.keys(f).length > 0;
  const markers = events.filter(
    (e) =>
      e.eventType === E.EVENT_TYPE_MARKER_RECORDED &&
      e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
  ).length;
  return {
    historyEvents: events.length,
    workflowTasks: count(E.EVENT_TYPE_WORKFLOW_TASK_STARTED),
    activityTasks: count(E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    localActivities: markers,
    searchAttributeWrites:
      (hasFields(started?.searchAttributes?.indexedFields) ? 1 : 0) +
      count(E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
    memoWrites:
      (hasFields(started?.memo?.fields) ? 1 : 0) + count(E.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED),
    payloadBytes: payloadBytes(events),
  };
}

/** The mean of the sampled runs' costs (one decimal). */
export async function meanHistoryCost(handles: WorkflowHandle[]): Promise<HistoryCost | undefined> {
  if (handles.length === 0) return undefined;
  const costs = await Promise.all(handles.map(async (h) => historyCost(await h.fetchHistory())));
  const keys = Object.keys(costs[0] as HistoryCost) as (keyof HistoryCost)[];
  const out = {} as HistoryCost;
  for (const k of keys) out[k] = round(costs.reduce((a, c) => a + c[k], 0) / costs.length, 1);
  return out;
}

/** CPU milliseconds per provisioning, by process, from a batch's CPU seconds. */
export function cpuPerProvisioning(
  cpu: Record<string, { cpuSeconds: number }>,
  provisionings: number,
): CpuCost {
  const ms = (...keys: string[]) =>
    round(
      (keys.reduce((a, k) => a + (cpu[k]?.cpuSeconds ?? 0), 0) * 1000) / Math.max(1, provisionings),
      1,
    );
  const server = ms('temporal', 'postgres');
  const workers = ms('workers');
  const emulator = ms('emulator');
  return { total: round(server + workers + emulator, 1), server, workers, emulator };
}
