/**
 * The median single provisioning drawn as a picture (SVG): one bar per activity, from scheduled
 * to completed (the part before it started, dispatch, drawn lighter), the critical path marked,
 * the workflow tasks on a row of their own, and the sequential script's calls beside it on the
 * same time axis. Written next to the results file and copied into docs/ by hand.
 */
import type { TimelineEntry } from './timeline';

export interface Bar {
  label: string;
  scheduledMs: number;
  startedMs: number;
  endMs: number;
  critical: boolean;
  /** The activity (history id) whose completion led to this one being scheduled. */
  after?: string;
}

/**
 * Activity bars of a workflow timeline, in scheduling order. Each bar knows the activity whose
 * completion it waited for: the completion that caused the workflow task that scheduled it (the
 * last activity completion recorded before that task's WORKFLOW_TASK_SCHEDULED event).
 */
export function activityBars(entries: TimelineEntry[]): Bar[] {
  const bars = new Map<string, Bar>();
  let lastCompleted: string | undefined;
  let pendingTrigger: string | undefined;
  let taskTrigger: string | undefined;
  for (const e of entries) {
    if (e.event === 'WORKFLOW_TASK_SCHEDULED') pendingTrigger = lastCompleted;
    if (e.event === 'WORKFLOW_TASK_COMPLETED') taskTrigger = pendingTrigger;
    if (!e.activity) continue;
    const bar = bars.get(e.activity) ?? {
      label: e.detail ?? 'activity',
      scheduledMs: e.ms,
      startedMs: e.ms,
      endMs: e.ms,
      critical: false,
      ...(taskTrigger ? { after: taskTrigger } : {}),
    };
    if (e.event === 'ACTIVITY_TASK_STARTED') bar.startedMs = e.ms;
    if (/^ACTIVITY_TASK_(COMPLETED|FAILED|TIMED_OUT|CANCELED)$/.test(e.event)) {
      bar.endMs = e.ms;
      lastCompleted = e.activity;
    }
    bars.set(e.activity, bar);
  }
  markCriticalPath(bars);
  return [...bars.values()];
}

/** The chain that decides the run's length: from the activity that ends last, back through what each waited for. */
export function markCriticalPath(bars: Map<string, Bar>): void {
  let current = [...bars.values()].reduce<Bar | undefined>(
    (a, b) => (!a || b.endMs > a.endMs ? b : a),
    undefined,
  );
  while (current && !current.critical) {
    current.critical = true;
    current = current.after === undefined ? undefined : bars.get(current.after);
  }
}

/** Workflow task spans (scheduled → completed). */
export function workflowTaskSpans(entries: TimelineEntry[]): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let open: number | undefined;
  for (const e of entries) {
    if (e.event === 'WORKFLOW_TASK_SCHEDULED') open = e.ms;
    if (/^WORKFLOW_TASK_(COMPLETED|FAILED|TIMED_OUT)$/.test(e.event) && open !== undefined) {
      spans.push([open, e.ms]);
      open = undefined;
    }
  }
  return spans;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderTimelineSvg(input: {
  workflow: TimelineEntry[];
  script: Array<{ label: string; startMs: number; endMs: number }>;
  title: string;
}): string {
  const bars = activityBars(input.workflow);
  const tasks = workflowTaskSpans(input.workflow);
  const workflowEnd = input.workflow[input.workflow.length - 1]?.ms ?? 0;
  const scriptEnd = input.script[input.script.length - 1]?.endMs ?? 0;
  const totalMs = Math.max(workflowEnd, scriptEnd, 1);
  const rowH = 18;
  const labelW = 210;
  const plotW = 640;
  const x = (ms: number) => labelW + (ms / totalMs) * plotW;
  const rows: string[] = [];
  let y = 40;
  const heading = (text: string) => {
    rows.push(`<text x="8" y="${y + 13}" font-weight="bold">${esc(text)}</text>`);
    y += rowH + 2;
  };
  const bar = (label: string, from: number, to: number, fill: string, queueFrom?: number) => {
    rows.push(`<text x="16" y="${y + 13}">${esc(label)}</text>`);
    if (queueFrom !== undefined && from > queueFrom) {
      rows.push(
        `<rect x="${x(queueFrom).toFixed(1)}" y="${y + 3}" width="${(x(from) - x(queueFrom)).toFixed(1)}" height="${rowH - 6}" fill="${fill}" opacity="0.35"/>`,
      );
    }
    rows.push(
      `<rect x="${x(from).toFixed(1)}" y="${y + 3}" width="${Math.max(1, x(to) - x(from)).toFixed(1)}" height="${rowH - 6}" fill="${fill}"/>`,
      `<text x="${(x(to) + 4).toFixed(1)}" y="${y + 13}" fill="#555">${Math.round(to - (queueFrom ?? from))} ms</text>`,
    );
    y += rowH;
  };

  heading(`Workflow: ${Math.round(workflowEnd)} ms`);
  rows.push(`<text x="16" y="${y + 13}">workflow tasks (${tasks.length})</text>`);
  for (const [a, b] of tasks) {
    rows.push(
      `<rect x="${x(a).toFixed(1)}" y="${y + 5}" width="${Math.max(1, x(b) - x(a)).toFixed(1)}" height="${rowH - 10}" fill="#7a7a7a"/>`,
    );
  }
  y += rowH;
  for (const b of bars) {
    bar(
      `${b.critical ? '★ ' : ''}${b.label}`,
      b.startedMs,
      b.endMs,
      b.critical ? '#d9480f' : '#1c7ed6',
      b.scheduledMs,
    );
  }
  y += 8;
  heading(`Sequential script: ${Math.round(scriptEnd)} ms`);
  for (const s of input.script) bar(s.label, s.startMs, s.endMs, '#2b8a3e');

  const axis: string[] = [];
  const step = totalMs > 2000 ? 500 : 100;
  for (let t = 0; t <= totalMs; t += step) {
    axis.push(
      `<line x1="${x(t).toFixed(1)}" y1="32" x2="${x(t).toFixed(1)}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${x(t).toFixed(1)}" y="${y + 14}" text-anchor="middle" fill="#555">${t}</text>`,
    );
  }
  const height = y + 40;
  const width = labelW + plotW + 70;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="20" font-size="13" font-weight="bold">${esc(input.title)}</text>`,
    ...axis,
    ...rows,
    `<text x="${labelW}" y="${height - 8}" fill="#555">ms since the start; ★ and orange: the critical path; light: waiting to start; grey: workflow tasks</text>`,
    '</svg>',
    '',
  ].join('\n');
}
