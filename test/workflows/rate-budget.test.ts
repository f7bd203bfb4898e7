import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import type { RateBudgetState } from '../../src/shared/model';
import { rateBudgetQuery, rateBudgetWorkflowId, sourceWorkflowId } from '../../src/shared/names';
import { lease } from '../../src/workflows/rate';
import { emulatorEnv } from '../../tools/emulator-env';
import { startWorkerProcess, type ManagedProcess } from '../../tools/processes';
import { PROD } from '../harness/ids';
import { sourceRequest, uniqueName } from '../harness/sources';
import { startStack, type Stack } from '../harness/stack';

/**
 * AEP_MAX_REQUESTS_PER_SECOND (docs/operating.md, "AEP's request budget"): one org's Platform
 * requests, from every worker process of the task queue, reads included, stay within the budget.
 */

describe('the budget workflow grants shares that never sum to more than the budget', () => {
  /**
   * Members join, renew and vanish at random; each uses its last grant until its lease ends, and
   * the old one until the answer to a renewal reaches it. What all use at any moment must stay
   * within the budget (the workflow's invariant, src/workflows/rate.ts).
   */
  test('whatever the order of joins, renewals and departures', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const BUDGET = 20;
    const TTL = 10;
    for (let run = 0; run < 200; run++) {
      const state: RateBudgetState = { members: {} };
      /** What each member may be using: its grant (until its lease ends), or 0. */
      const using = new Map<string, { share: number; until: number }>();
      const inUse = (m: string, now: number) => {
        const u = using.get(m);
        return u && now < u.until ? u.share : 0;
      };
      for (let now = 0; now < 200; now++) {
        const member = `m${Math.floor(random() * 5)}`;
        if (random() < 0.1) continue; // gone quiet: its lease runs out
        const before = inUse(member, now);
        const got = lease(state, { member, budget: BUDGET, using: before, ttlMs: TTL }, now);
        // Until the answer arrives the member still uses `before`: both count at this instant.
        const total = [...using.keys()]
          .filter((m) => m !== member)
          .reduce((sum, m) => sum + inUse(m, now), Math.max(before, got.share));
        expect(total).toBeLessThanOrEqual(BUDGET);
        using.set(member, { share: got.share, until: now + TTL });
      }
    }
  });

  test('a newcomer gets its fair share once the others have given it up', () => {
    const state: RateBudgetState = { members: {} };
    const ask = (member: string, using: number, now: number) =>
      lease(state, { member, budget: 20, using, ttlMs: 10_000 }, now).share;
    expect(ask('a', 0, 0)).toBe(20);
    expect(ask('b', 0, 1)).toBe(0); // a may be sending at 20/s
    expect(ask('a', 20, 2)).toBe(10); // a still counts 20 until it says it uses 10
    expect(ask('b', 0, 3)).toBe(0);
    expect(ask('a', 10, 4)).toBe(10);
    expect(ask('b', 0, 5)).toBe(10);
    // Three members: whole shares (6 each), so every 1 s window stays within 20.
    expect(ask('c', 0, 6)).toBe(0);
    expect([ask('a', 10, 7), ask('b', 10, 8), ask('a', 6, 9), ask('b', 6, 10)]).toEqual([
      6, 6, 6, 6,
    ]);
    expect(ask('c', 0, 11)).toBe(6);
    // A lease not renewed ends (c's, at 10 011): its share goes back to the others.
    expect([ask('a', 6, 10_005), ask('b', 6, 10_006)]).toEqual([6, 6]);
    expect(ask('a', 6, 10_012)).toBe(10);
  });
});

describe('two worker processes of one org under a flood', () => {
  const BUDGET = 20;
  const SOURCES = 24;
  const bundleFile = path.join(tmpdir(), `rate-budget-bundle-${process.pid}.js`);
  let stack: Stack;
  const workers: ManagedProcess[] = [];
  beforeAll(async () => {
    stack = await startStack();
    await buildWorkflowBundle(bundleFile);
    // Separate processes, as in production (one process runs one worker per task queue): each
    // with its own pacer and lease, configured only through its environment.
    const { config } = stack;
    const env = {
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      ...emulatorEnv(stack.emulator.url, stack.emulator.credentials),
      AEP_REQUEST_TIMEOUT_MS: '5000',
      AEP_MAX_REQUESTS_PER_SECOND: String(BUDGET),
      WORKFLOW_BUNDLE_PATH: bundleFile,
      LOG_LEVEL: 'warn',
    };
    for (const name of ['rate-one', 'rate-two']) {
      const logFile = path.join(tmpdir(), `${name}-${process.pid}.log`);
      workers.push(await startWorkerProcess({ name, env, logFile }));
    }
  }, 180_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(40_000)));
    await stack?.close();
    rmSync(bundleFile, { force: true });
  }, 60_000);

  test(`${SOURCES} provisionings at once: at most ${BUDGET} Platform requests in any second (+1 per worker while shares change), all succeed`, async () => {
    const org = stack.config.AEP_ORG_ID;
    const { client } = stack.env;
    await stack.emulator.control.resetStats();
    const names = Array.from({ length: SOURCES }, () => uniqueName('rate'));
    const results = await Promise.all(
      names.map((name) => stack.client.provision(sourceRequest(name, 'raw'))),
    );
    // Both processes hold a lease (queried while they run).
    const budget = client.workflow.getHandle(rateBudgetWorkflowId(org, stack.taskQueue));
    expect(Object.keys((await budget.query(rateBudgetQuery)).members)).toHaveLength(2);

    expect(results.map((r) => r.name)).toEqual(names);
    // Nothing failed on the way either: no activity attempt (a wait for a turn that outlasted
    // the attempt's deadline, say) failed or timed out.
    for (const name of names) {
      const { events } = await client.workflow
        .getHandle(sourceWorkflowId({ ...PROD, name }))
        .fetchHistory();
      const failed = (events ?? []).filter(
        (e) =>
          e.activityTaskFailedEventAttributes ||
          e.activityTaskTimedOutEventAttributes ||
          e.markerRecordedEventAttributes?.failure,
      );
      expect([name, failed.length]).toEqual([name, 0]);
    }
    const rate = (await stack.emulator.control.rate())[org];
    // The flood lasted many seconds at the budget: the budget, not the work, set the pace.
    expect(rate?.requests).toBeGreaterThan(10 * BUDGET);
    // docs/operating.md: the budget in any 1 s window, plus one per process whose share changed
    // in that window (the workers start together, so their shares change during the flood).
    expect(rate?.maxPerSecond).toBeLessThanOrEqual(BUDGET + 2);
  }, 180_000);
});
