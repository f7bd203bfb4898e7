import type { RetryPolicy } from '@temporalio/common';
import { AEP_CALL, READ_LOCALLY } from '../../src/workflows/policies';

/**
 * Retry budgets against the faults the chaos suite injects (`--preset faults`: 20 % of requests,
 * every kind): a step that runs out of attempts fails the provisioning, so each budget must make
 * that rare. The chance an attempt fails is measured, from the audit's retry counts (r retries
 * per execution means an attempt fails with p = r / (1 + r)).
 */
const runOutChance = (attemptFails: number, retry: RetryPolicy | undefined) =>
  attemptFails ** (retry?.maximumAttempts ?? Infinity);

test('the plan read runs out less than once in 100,000 sources', () => {
  // `--preset faults --sources 400` on d099cc7: 656 retries over 400 reads (six requests each).
  const attemptFails = 656 / (400 + 656);
  expect(runOutChance(attemptFails, READ_LOCALLY.retry)).toBeLessThan(1e-5);
});

test('a create runs out less than once in 100,000 sources', () => {
  // The most retried create of `--preset faults` (1,000 sources, d099cc7's parent):
  // ensureTargetConnection, 431 retries over 1,000 executions.
  const attemptFails = 431 / (1000 + 431);
  expect(runOutChance(attemptFails, AEP_CALL.retry)).toBeLessThan(1e-5);
});
