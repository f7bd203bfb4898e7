import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import { ProvisioningClient } from '../../src/client';
import type { RateBudgetState } from '../../src/shared/model';
import { rateBudgetQuery, rateBudgetWorkflowId } from '../../src/shared/names';
import { lease } from '../../src/workflows/rate';
import { emulatorEnv } from '../../tools/emulator-env';
import {
  startEmulatorProcess,
  startWorkerProcess,
  type EmulatorProcess,
  type ManagedProcess,
} from '../../tools/processes';
import { EMULATOR_ORG, sourceIdOf } from '../harness/ids';
import { sourceRequest, uniqueName } from '../harness/sources';
import { connectTestEnv, freshTaskQueue } from '../harness/temporal';

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
  const taskQueue = freshTaskQueue('rate');
  const bundleFile = path.join(tmpdir(), `rate-budget-bundle-${process.pid}.js`);
  const logOf = (name: string) => path.join(tmpdir(), `rate-budget-${name}-${process.pid}.log`);
  let env: TestWorkflowEnvironment;
  let emulator: EmulatorProcess;
  let client: ProvisioningClient;
  const workers: ManagedProcess[] = [];
  beforeAll(async () => {
    env = await connectTestEnv();
    // Every part in a process of its own, as in production: the emulator counts arrivals on a
    // loop that the test's own work does not hold up; each worker process has its own pacer and
    // lease (one process runs one worker per task queue), configured only through its environment.
    emulator = await startEmulatorProcess({ logFile: logOf('emulator') });
    await buildWorkflowBundle(bundleFile);
    const namespace = process.env.TEMPORAL_TEST_NAMESPACE ?? 'default';
    const settings = {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ...emulatorEnv(emulator.url),
      AEP_REQUEST_TIMEOUT_MS: '5000',
      AEP_MAX_REQUESTS_PER_SECOND: String(BUDGET),
      WORKFLOW_BUNDLE_PATH: bundleFile,
      LOG_LEVEL: 'warn',
    };
    for (const name of ['worker-1', 'worker-2']) {
      workers.push(await startWorkerProcess({ name, env: settings, logFile: logOf(name) }));
    }
    client = new ProvisioningClient(env.client, {
      TEMPORAL_ADDRESS: settings.TEMPORAL_ADDRESS!,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      AEP_ORG_ID: EMULATOR_ORG,
      AEP_SANDBOX: 'prod',
    });
  }, 180_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(40_000)));
    await emulator?.stop();
    await env?.teardown();
    rmSync(bundleFile, { force: true });
  }, 60_000);

  test(`${SOURCES} provisionings at once: at most ${BUDGET} Platform requests in any second (+1 per worker while shares change), all succeed`, async () => {
    await emulator.control.resetStats();
    const names = Array.from({ length: SOURCES }, () => uniqueName('rate'));
    const results = await Promise.all(
      names.map((name) => client.provision(sourceRequest(name, 'raw'))),
    );
    // Both processes hold a lease (queried while they run).
    const budget = env.client.workflow.getHandle(rateBudgetWorkflowId(EMULATOR_ORG, taskQueue));
    expect(Object.keys((await budget.query(rateBudgetQuery)).members)).toHaveLength(2);

    expect(results.map((r) => r.name)).toEqual(names);
    // Nothing failed on the way either: no activity attempt (a wait for a turn that outlasted
    // the attempt's deadline, say) failed or timed out.
    for (const name of names) {
      const { events } = await env.client.workflow.getHandle(sourceIdOf(name)).fetchHistory();
      const failed = (events ?? []).filter(
        (e) =>
          e.activityTaskFailedEventAttributes ||
          e.activityTaskTimedOutEventAttributes ||
          e.markerRecordedEventAttributes?.failure,
      );
      expect([name, failed.length]).toEqual([name, 0]);
    }
    const rate = (await emulator.control.rate())[EMULATOR_ORG];
    // The flood lasted many seconds at the budget: the budget, not the work, set the pace.
    expect(rate?.requests).toBeGreaterThan(10 * BUDGET);
    // docs/operating.md: the budget in any 1 s window, plus one per process whose share changed
    // in that window (the workers start together, so their shares change during the flood).
    expect(rate?.maxPerSecond).toBeLessThanOrEqual(BUDGET + 2);
  }, 180_000);
});
