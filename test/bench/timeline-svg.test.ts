import { activityBars, renderTimelineSvg } from '../../bench/timeline-svg';
import type { TimelineEntry } from '../../bench/timeline';

/** Two chains in parallel: a → c (long) and b (short); c waits for a only. */
const activity = (id: string, name: string, scheduled: number, started: number, done: number) => [
  { ms: scheduled, event: 'ACTIVITY_TASK_SCHEDULED', detail: name, activity: id },
  { ms: started, event: 'ACTIVITY_TASK_STARTED', detail: name, activity: id },
  { ms: done, event: 'ACTIVITY_TASK_COMPLETED', detail: name, activity: id },
];
const entries: TimelineEntry[] = [
  { ms: 0, event: 'WORKFLOW_EXECUTION_STARTED' },
  { ms: 0, event: 'WORKFLOW_TASK_SCHEDULED' },
  { ms: 10, event: 'WORKFLOW_TASK_COMPLETED' },
  ...activity('5', 'a', 10, 12, 110),
  ...activity('6', 'b', 10, 12, 60),
  { ms: 112, event: 'WORKFLOW_TASK_SCHEDULED' },
  { ms: 118, event: 'WORKFLOW_TASK_COMPLETED' },
  ...activity('9', 'c', 118, 120, 220),
].sort((x, y) => x.ms - y.ms);

test('the critical path is the chain that ends last, back through what each link waited for', () => {
  const bars = activityBars(entries);
  expect(bars.map((b) => [b.label, b.critical])).toEqual([
    ['a', true],
    ['b', false],
    ['c', true],
  ]);
  expect(bars.find((b) => b.label === 'c')).toMatchObject({ scheduledMs: 118, endMs: 220 });
});

test('the picture holds a bar per activity and per script call, the critical path marked', () => {
  const svg = renderTimelineSvg({
    workflow: entries,
    script: [
      { label: 'POST token', startMs: 0, endMs: 100 },
      { label: 'POST flows', startMs: 100, endMs: 300 },
    ],
    title: 'a <test>',
  });
  expect(svg).toContain('★ a');
  expect(svg).toContain('★ c');
  expect(svg).not.toContain('★ b');
  expect(svg).toContain('POST flows');
  expect(svg).toContain('a &lt;test&gt;');
  expect(svg.match(/<rect /g)?.length).toBeGreaterThanOrEqual(1 + 2 + 3 + 2);
});

test('an activity waits for the completion that caused its workflow task, not for a later one', () => {
  // base completes and causes a workflow task; mapping completes while that task runs; the task
  // schedules inlet. The heuristic "whatever ended last before inlet was scheduled" would say mapping.
  const history: TimelineEntry[] = [
    { ms: 0, event: 'WORKFLOW_TASK_SCHEDULED' },
    { ms: 5, event: 'WORKFLOW_TASK_COMPLETED' },
    { ms: 5, event: 'ACTIVITY_TASK_SCHEDULED', detail: 'base', activity: '5' },
    { ms: 5, event: 'ACTIVITY_TASK_SCHEDULED', detail: 'mapping', activity: '6' },
    { ms: 6, event: 'ACTIVITY_TASK_STARTED', detail: 'base', activity: '5' },
    { ms: 6, event: 'ACTIVITY_TASK_STARTED', detail: 'mapping', activity: '6' },
    { ms: 100, event: 'ACTIVITY_TASK_COMPLETED', detail: 'base', activity: '5' },
    { ms: 100, event: 'WORKFLOW_TASK_SCHEDULED' },
    { ms: 104, event: 'WORKFLOW_TASK_STARTED' },
    { ms: 103, event: 'ACTIVITY_TASK_COMPLETED', detail: 'mapping', activity: '6' },
    { ms: 110, event: 'WORKFLOW_TASK_COMPLETED' },
    { ms: 110, event: 'ACTIVITY_TASK_SCHEDULED', detail: 'inlet', activity: '12' },
    { ms: 111, event: 'ACTIVITY_TASK_STARTED', detail: 'inlet', activity: '12' },
    { ms: 210, event: 'ACTIVITY_TASK_COMPLETED', detail: 'inlet', activity: '12' },
  ];
  expect(activityBars(history).map((b) => [b.label, b.critical])).toEqual([
    ['base', true],
    ['mapping', false],
    ['inlet', true],
  ]);
});
