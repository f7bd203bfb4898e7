/**
 * A workflow run's history as a timeline (milliseconds since the run started), to see where a
 * provisioning spends its time: workflow task round trips, activity queueing, AEP calls.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export interface TimelineEntry {
  ms: number;
  event: string;
  detail?: string;
  /** Activity events: the id of the ACTIVITY_TASK_SCHEDULED event they belong to. */
  activity?: string;
}

interface JsonEvent {
  eventId: string;
  eventTime: string;
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  activityTaskStartedEventAttributes?: { scheduledEventId?: string };
  activityTaskCompletedEventAttributes?: { scheduledEventId?: string };
  activityTaskFailedEventAttributes?: { scheduledEventId?: string };
}

/** RFC 3339 with nanoseconds → milliseconds (Date keeps only milliseconds). */
function toMs(time: string): number {
  const m = /\.(\d+)Z$/.exec(time);
  const frac = m ? Number(`0.${m[1]}`) * 1000 : 0;
  return Date.parse(time.replace(/\.\d+Z$/, 'Z')) + frac;
}

export async function timeline(handle: WorkflowHandle): Promise<TimelineEntry[]> {
  const history = await handle.fetchHistory();
  const events = (JSON.parse(historyToJSON(history)) as { events: JsonEvent[] }).events;
  const t0 = events[0] ? toMs(events[0].eventTime) : 0;
  const activityOf = new Map<string, string>();
  return events.map((e) => {
    let detail = e.activityTaskScheduledEventAttributes?.activityType?.name;
    let ref: string | undefined;
    if (detail) {
      activityOf.set(e.eventId, detail);
      ref = e.eventId;
    }
    ref ??=
      e.activityTaskStartedEventAttributes?.scheduledEventId ??
      e.activityTaskCompletedEventAttributes?.scheduledEventId ??
      e.activityTaskFailedEventAttributes?.scheduledEventId;
    if (ref !== undefined) detail = activityOf.get(ref);
    return {
      ms: Math.round((toMs(e.eventTime) - t0) * 10) / 10,
      event: e.eventType.replace(/^EVENT_TYPE_/, ''),
      ...(detail ? { detail } : {}),
      ...(ref ? { activity: ref } : {}),
    };
  });
}

export function renderTimeline(entries: TimelineEntry[]): string {
  return entries
    .map((e) => `${e.ms.toFixed(1).padStart(8)} ms  ${e.event}${e.detail ? ` ${e.detail}` : ''}`)
    .join('\n');
}

/** Where a run's time went, summed over its tasks (parallel tasks overlap, so this is not wall time). */
export interface Breakdown {
  workflowMs: number;
  workflowTasks: number;
  /** WORKFLOW_TASK_SCHEDULED → STARTED: waiting for a worker to pick the task up. */
  wftQueueMs: number;
  /** WORKFLOW_TASK_STARTED → COMPLETED: the worker running workflow code, plus the completion RPC. */
  wftRunMs: number;
  activities: number;
  /** ACTIVITY_TASK_SCHEDULED → STARTED: dispatch to a worker. */
  activityQueueMs: number;
  /** ACTIVITY_TASK_STARTED → COMPLETED: the activity (its AEP calls). */
  activityRunMs: number;
}

export function breakdown(entries: TimelineEntry[]): Breakdown {
  const b: Breakdown = {
    workflowMs: entries[entries.length - 1]?.ms ?? 0,
    workflowTasks: 0,
    wftQueueMs: 0,
    wftRunMs: 0,
    activities: 0,
    activityQueueMs: 0,
    activityRunMs: 0,
  };
  let wftScheduled: number | undefined;
  let wftStarted: number | undefined;
  const scheduled = new Map<string, number>();
  const started = new Map<string, number>();
  for (const e of entries) {
    switch (e.event) {
      case 'WORKFLOW_TASK_SCHEDULED':
        wftScheduled = e.ms;
        break;
      case 'WORKFLOW_TASK_STARTED':
        if (wftScheduled !== undefined) b.wftQueueMs += e.ms - wftScheduled;
        wftStarted = e.ms;
        b.workflowTasks += 1;
        break;
      case 'WORKFLOW_TASK_COMPLETED':
      case 'WORKFLOW_TASK_FAILED':
      case 'WORKFLOW_TASK_TIMED_OUT':
        if (wftStarted !== undefined) b.wftRunMs += e.ms - wftStarted;
        wftScheduled = undefined;
        wftStarted = undefined;
        break;
      case 'ACTIVITY_TASK_SCHEDULED':
        if (e.activity) scheduled.set(e.activity, e.ms);
        b.activities += 1;
        break;
      case 'ACTIVITY_TASK_STARTED':
        if (e.activity) {
          b.activityQueueMs += e.ms - (scheduled.get(e.activity) ?? e.ms);
          started.set(e.activity, e.ms);
        }
        break;
      case 'ACTIVITY_TASK_COMPLETED':
      case 'ACTIVITY_TASK_FAILED':
      case 'ACTIVITY_TASK_TIMED_OUT':
        if (e.activity) b.activityRunMs += e.ms - (started.get(e.activity) ?? e.ms);
        break;
    }
  }
  return b;
}

/** The mean of several runs' breakdowns, rounded to milliseconds. */
export function meanBreakdown(all: Breakdown[]): Breakdown | undefined {
  if (all.length === 0) return undefined;
  const keys = Object.keys(all[0] as Breakdown) as (keyof Breakdown)[];
  const out = {} as Breakdown;
  for (const k of keys) {
    out[k] = Math.round(all.reduce((acc, b) => acc + b[k], 0) / all.length);
  }
  return out;
}
