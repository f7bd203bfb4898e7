import { readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import {
  auditResources,
  countAttempts,
  countOccurrences,
  needlesOf,
  percentiles,
  scanValue,
  type SourceOutcome,
} from '../../chaos/audit';
import { spawn } from 'node:child_process';
import { transientFaultRules } from '../../chaos/faults';
import { processesWithEnv } from '../../chaos/stack';
import type { StoredResource } from '../../emulator/control';
import type { ProvisionResult } from '../../src/shared/model';

/** The chaos audit's own logic, on hand-made data: it must see what it claims to count. */

const marker = (source: string, run = 'run-1') =>
  `x [aep-stream-provisioner org=EMULATOR0000000000000000@AdobeOrg sandbox=prod source=${JSON.stringify(source)} run=${run}]`;
const res = (kind: StoredResource['kind'], id: string, source?: string): StoredResource => ({
  kind,
  sandbox: 'prod',
  id,
  name: source ?? 'hand made',
  ...(source ? { description: marker(source) } : {}),
  body: {},
});
const result = (name: string, ids: Partial<ProvisionResult>): ProvisionResult => ({
  sandbox: 'prod',
  name,
  inletUrl: 'http://x',
  inletId: 'i',
  flowId: 'f',
  baseConnectionId: 'b',
  sourceConnectionId: 's',
  targetConnectionId: 't',
  datasetId: 'd',
  dataType: 'xdm',
  authenticationRequired: false,
  created: [],
  reused: [],
  ...ids,
});

describe('auditResources', () => {
  const ok: SourceOutcome = {
    sandbox: 'prod',
    name: 'A',
    outcome: { state: 'succeeded', result: result('A', {}) },
  };
  const complete = [
    res('connection', 'b', 'A'),
    res('sourceConnection', 's', 'A'),
    res('targetConnection', 't', 'A'),
    res('flow', 'f', 'A'),
    res('dataset', 'd', 'A'),
  ];

  test('a clean state has no duplicates, orphans or missing ids', () => {
    const a = auditResources(complete, [ok]);
    expect(a).toMatchObject({ resources: 5, duplicates: 0, orphans: 0, missing: 0 });
  });

  test('a second resource of one kind for one source is a duplicate', () => {
    const a = auditResources([...complete, res('connection', 'b2', 'A')], [ok]);
    expect(a.duplicates).toBe(1);
    expect(a.orphans).toBe(0);
  });

  test('resources of failed, cancelled or unknown sources, and unmarked ones, are orphans', () => {
    const outcomes: SourceOutcome[] = [
      ok,
      {
        sandbox: 'prod',
        name: 'F',
        outcome: { state: 'failed', type: 'X', rootType: 'Y', message: '' },
      },
      { sandbox: 'prod', name: 'C', outcome: { state: 'cancelled' } },
    ];
    const a = auditResources(
      [
        ...complete,
        res('flow', 'f2', 'F'),
        res('dataset', 'd2', 'C'),
        res('connection', 'b3', 'Nobody'),
        res('connection', 'b4'),
      ],
      outcomes,
    );
    expect(a.orphans).toBe(4);
    expect(a.leftovers).toEqual({ failed: 1, cancelled: 1, unfinished: 0, unknownSource: 2 });
  });

  test('the same name in another sandbox is another source', () => {
    const other = { ...res('flow', 'f9', 'A'), sandbox: 'dev' };
    expect(auditResources([...complete, other], [ok]).orphans).toBe(1);
  });

  test('an id a succeeded source returned but the emulator lacks is missing', () => {
    expect(auditResources(complete.slice(1), [ok]).missing).toBe(1);
  });
});

describe('secret scan', () => {
  const secret = 'emulator-client-secret';
  const token = 'tok-0123456789abcdef';
  const needles = needlesOf(secret, [token]);

  test('finds a secret inside payload bytes, which JSON.stringify would hide', () => {
    const history = {
      events: [
        {
          activityTaskScheduledEventAttributes: {
            input: { payloads: [{ data: new TextEncoder().encode(`{"d":"${secret}"}`) }] },
          },
        },
        { activityTaskFailedEventAttributes: { failure: { message: `Bearer ${token}` } } },
      ],
    };
    expect(JSON.stringify(history)).not.toContain(secret);
    expect(scanValue(history, needles)).toBe(2);
  });

  test('a clean history counts 0, and every occurrence counts', () => {
    expect(
      scanValue({ events: [{ a: 'nothing here', b: new Uint8Array([1, 2, 3]) }] }, needles),
    ).toBe(0);
    expect(countOccurrences(Buffer.from(`${secret}..${secret}`), Buffer.from(secret))).toBe(2);
  });
});

test('fault rules give each kind its share and the requested total rate', () => {
  const rules = transientFaultRules({
    rate: 0.2,
    kinds: ['5xx', '429', 'commit-then-fail', 'latency'],
    latencyMs: 100,
    retryAfterSeconds: 1,
  });
  // The emulator draws rules in order: latency rules never stop the evaluation, the others do.
  let pass = 1;
  let latency = 0;
  const ending: Record<string, number> = {};
  for (const r of rules) {
    const p = r.probability ?? 1;
    if (r.action.type === 'latency') {
      latency = p;
      continue;
    }
    const key =
      r.action.type === 'status' ? (String(r.action.status)[0] === '5' ? '5xx' : '429') : 'ctf';
    ending[key] = (ending[key] ?? 0) + pass * p;
    pass *= 1 - p;
  }
  expect(ending['5xx']).toBeCloseTo(0.05, 4);
  expect(ending['429']).toBeCloseTo(0.05, 4);
  expect(ending.ctf).toBeCloseTo(0.05, 4);
  expect(1 - (1 - latency) * pass).toBeCloseTo(0.2, 4);
});

test('percentiles', () => {
  expect(percentiles([3, 1, 2, 10])).toEqual({ p50: 2, p95: 10, max: 10 });
  expect(percentiles([])).toEqual({ p50: 0, p95: 0, max: 0 });
});

test('a process of the run still alive is found by its environment', async () => {
  const queue = `chaos-leftover-${process.pid}-${Date.now()}`;
  const child = spawn('sleep', ['30'], {
    env: { PATH: process.env.PATH, TEMPORAL_TASK_QUEUE: queue },
    stdio: 'ignore',
  });
  try {
    await new Promise((r) => setTimeout(r, 200));
    expect(processesWithEnv('TEMPORAL_TASK_QUEUE', queue)).toEqual([child.pid]);
    expect(processesWithEnv('TEMPORAL_TASK_QUEUE', `${queue}-other`)).toEqual([]);
  } finally {
    child.kill('SIGKILL');
  }
});

test('attempts count local activities too (the plan read), from their markers', () => {
  const file = path.join(
    __dirname,
    '..',
    'fixtures',
    'histories',
    'v1.0.0',
    'provision-retry-heavy.json',
  );
  const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
  const scan = {
    activityRetries: 0,
    maxActivityAttempt: 0,
    attemptsByActivity: {},
    workflowTaskTimeouts: 0,
  };
  countAttempts(history.events ?? [], scan);
  const by = scan.attemptsByActivity as Record<string, { count: number; maxAttempt: number }>;
  expect(by.readSource).toMatchObject({ count: 1 });
  expect(by.validateProvisionRequest).toMatchObject({ count: 1, maxAttempt: 1 });
  // The recording injected faults into the creates: their retries are still counted.
  expect(scan.activityRetries).toBeGreaterThan(0);
});
