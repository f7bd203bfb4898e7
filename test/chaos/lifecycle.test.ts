import { runChaosCli } from './run-chaos';

/**
 * The lifecycle preset, small: 10 sources (4 of them sharing two datasets), 3 racing triggers
 * each issuing 2 operations (provision, changed provision, plan, teardown, teardown during the
 * 1-2 s activation wait), one worker. Every source must end as its last completed operation
 * wanted, with no duplicate, no orphan and no dataset deleted while a target connection writes
 * to it. About 2 minutes on 2 loaded cores (most of it starting the dev server and the worker).
 */
test('10 sources, racing lifecycle operations: each ends as its last completed operation wanted', async () => {
  const { code, report, stdout } = await runChaosCli(
    [
      '--preset',
      'lifecycle',
      '--sources',
      '10',
      '--ops',
      '2',
      '--activation-wait',
      '1-2',
      '--workers',
      '1',
    ],
    230_000,
  );
  expect({ code, problems: report.problems }).toEqual({ code: 0, problems: [] });
  expect(report.duplicates).toBe(0);
  expect(report.orphans).toBe(0);
  expect(report.datasetsDeletedInUse).toBe(0);
  expect(report.stateMismatches).toBe(0);
  expect(report.secretLeaks).toBe(0);
  expect(report.unfinished).toBe(0);
  // The scenario really raced: operations ran, and the stdout ends with the plain summary line.
  expect(report.requested).toBe(60);
  expect(report.succeeded).toBeGreaterThan(0);
  expect(stdout.trim().split('\n').pop()).toBe(
    'duplicates: 0, orphans: 0, datasetsDeletedInUse: 0, stateMismatches: 0',
  );
}, 240_000);
