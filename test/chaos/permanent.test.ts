import { runChaosCli } from './run-chaos';

/**
 * Scenario 4, small: a permanent (non-retryable) answer at each of the nine steps, five sources
 * per step with the variants in rotation (the mapping step: the mapping variant). Every run must
 * fail as ProvisioningFailed with the step's named root type and leave nothing behind.
 */
test('a permanent failure at each step: every run fails with its named type, 0 orphans', async () => {
  const { code, report } = await runChaosCli(
    ['--preset', 'permanent', '--sources', '5', '--seed', '7'],
    240_000,
  );
  expect({ code, problems: report.problems }).toEqual({ code: 0, problems: [] });
  expect(report.requested).toBe(45);
  expect(report.failed).toBe(45);
  expect(report.succeeded).toBe(0);
  expect(report.wrongFailureType).toBe(0);
  expect(report.orphans).toBe(0);
  expect(report.duplicates).toBe(0);
  expect(report.secretLeaks).toBe(0);
  expect(report.resourcesInEmulator).toBe(0);
  expect(report.failuresByType).toEqual({
    'ProvisioningFailed/SchemaNotFound': 5,
    'ProvisioningFailed/AepForbidden': 5,
    'ProvisioningFailed/AepNotFound': 5,
    'ProvisioningFailed/AepBadRequest': 10,
    'ProvisioningFailed/AepConflict': 10,
    'ProvisioningFailed/AepClientError': 5,
    'ProvisioningFailed/SmokeTestFailed': 5,
  });
  const steps = report.steps as Array<{ step: string; sources: number; asExpected: number }>;
  expect(steps).toHaveLength(9);
  for (const s of steps) expect(s.asExpected).toBe(s.sources);
}, 300_000);
