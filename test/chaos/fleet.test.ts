import { runChaosCli } from './run-chaos';

/**
 * The fleet preset, small, end to end through the CLI: 20 sources applied from a directory as
 * one apply set; 2 removed from it and 2 changed, `apply --prune`; drift injected outside the
 * product into 2 more (a flow disabled, a mapping set edited); the sandbox's reconcile schedule
 * (`--repair`) triggered once; lists lagging 2 s throughout. AEP must then equal the directory.
 */
test('fleet of 20: pruned, changed and drifted sources end as the directory says', async () => {
  const { code, report } = await runChaosCli(['--preset', 'fleet', '--sources', '20'], 280_000);
  // The problems first: a failure then says what went wrong, not only that something did.
  expect({ code, problems: report.problems }).toEqual({ code: 0, problems: [] });
  const r = report as typeof report & Record<string, unknown>;
  expect(r.removedFromDirectory).toBe(2);
  expect(r.changedInDirectory).toBe(2);
  expect(r.pruned).toBe(2);
  // The scheduled reconcile found the injected drift and repaired all of it.
  expect(r.driftInjected).toEqual({ flowsDisabled: 1, mappingsEdited: 1 });
  expect(r.reconcile).toMatchObject({ drifted: 2, repaired: 2, stillDrifted: 0 });
  expect(report.succeeded).toBe(18);
  expect(report.duplicates).toBe(0);
  expect(report.orphans).toBe(0);
  expect(r.drifted).toBe(0);
  // A pruned source's dataset holds what it ingested: kept, never deleted by a prune.
  expect(r.removedDatasetsKept).toBe(2);
}, 300_000);
