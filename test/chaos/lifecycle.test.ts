import { runChaosCli } from './run-chaos';

/**
 * The lifecycle preset, small: 10 sources (4 of them sharing two datasets), 3 racing triggers
 * each issuing 2 operations (provision, changed provision, plan, teardown, teardown during the
 * 1-2 s activation wait; a third of the teardowns ask deleteDataset), one worker, every
 * Flow Service, Catalog and Data Prep list lagging 2 s behind writes. Every source must end as
 * its last completed operation wanted, with no duplicate, no orphan, no dataset deleted while a
 * target connection writes to it, no data lost and no inlet left without a flow. About 2 minutes
 * on 2 loaded cores (most of it starting the dev server and the worker).
 */
test('10 sources, racing lifecycle operations under lagging lists: each ends as its last completed operation wanted, no data lost', async () => {
  const { code, report, stdout, stderr } = await runChaosCli(
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
  expect(report.dataLost).toBe(0);
  expect(report.sourcesWithoutFlow).toBe(0);
  expect(report.secretLeaks).toBe(0);
  expect(report.unfinished).toBe(0);
  // The scenario really raced, under lagging lists, and sampled the emulator's datasets.
  expect(report.requested).toBe(60);
  expect(report.succeeded).toBeGreaterThan(0);
  expect(report.listLagMs).toBe(2000);
  expect(report.datasetSamples).toBeGreaterThan(0);
  expect(report.teardownsAskingDeleteDataset).toBeGreaterThan(0); // 3 with seed 1
  // The JSON report is the last line of stdout; the plain summary line ends stderr.
  expect(JSON.parse(stdout.trim().split('\n').pop() ?? '')).toMatchObject({ ok: true });
  expect(stderr.trim().split('\n').pop()).toBe(
    'duplicates: 0, orphans: 0, datasetsDeletedInUse: 0, stateMismatches: 0, dataLost: 0, sourcesWithoutFlow: 0',
  );
}, 240_000);
