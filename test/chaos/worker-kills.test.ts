import { runChaosCli } from './run-chaos';

/**
 * Scenario 2, small: 20 sources while workers are SIGKILLed twice at random moments (every AEP
 * call takes 250 ms, so calls are on the wire) and restarted. A killed activity is retried after
 * its start-to-close timeout (30 s), so this test takes most of a minute.
 */
test('20 sources with 2 worker SIGKILLs: all succeed, nothing duplicated, orphaned or leaked', async () => {
  const { code, report } = await runChaosCli(
    ['--preset', 'worker-kills', '--sources', '20', '--worker-kills', '2', '--seed', '7'],
    280_000,
  );
  expect({ code, problems: report.problems }).toEqual({ code: 0, problems: [] });
  expect(report.workerKills).toBe(2);
  expect(report.workerCrashes).toBe(0);
  // A killed worker is really gone: no process of the run survives it (its environment names the
  // run's task queue).
  expect(report.leftoverProcesses).toBe(0);
  expect(report.requested).toBe(20);
  expect(report.succeeded).toBe(20);
  expect(report.duplicates).toBe(0);
  expect(report.orphans).toBe(0);
  expect(report.missing).toBe(0);
  expect(report.secretLeaks).toBe(0);
  expect(report.historiesScanned).toBeGreaterThanOrEqual(20);
}, 300_000);
