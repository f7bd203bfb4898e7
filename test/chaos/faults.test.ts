import { runChaosCli } from './run-chaos';

/**
 * Scenario 1, small: 20 sources under 20 % transient faults of every kind (5xx, 429 with
 * Retry-After, commit-then-fail, latency), on separate dev-server, emulator and worker processes.
 * --self-check plants the client secret in one extra workflow's input, so the leak audit is shown
 * to find what it looks for.
 */
test('20 sources under 20 % faults: all succeed, nothing duplicated, orphaned or leaked', async () => {
  const { code, report } = await runChaosCli(
    ['--preset', 'faults', '--sources', '20', '--seed', '7', '--self-check'],
    240_000,
  );
  expect({ code, problems: report.problems }).toEqual({ code: 0, problems: [] });
  expect(report.requested).toBe(20);
  expect(report.succeeded).toBe(20);
  expect(report.failed).toBe(0);
  expect(report.duplicates).toBe(0);
  expect(report.orphans).toBe(0);
  expect(report.missing).toBe(0);
  expect(report.secretLeaks).toBe(0);
  // The faults really happened and were really retried.
  expect(report.faultsFired).toBeGreaterThan(10);
  expect(report.activityRetries).toBeGreaterThan(0);
  // Every resource of every source is in the emulator (5 or 6 per source, plus the self-check's).
  expect(report.resourcesInEmulator).toBeGreaterThanOrEqual(20 * 5);
  // The audit read every history and knew every issued token, and found the planted secret.
  expect(report.historiesScanned).toBeGreaterThanOrEqual(20);
  expect(report.tokensChecked).toBeGreaterThan(0);
  expect(report.selfCheck?.found).toBeGreaterThanOrEqual(1);
}, 300_000);
