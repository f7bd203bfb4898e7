import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { describeFailure } from '../../src/shared/failures';

test('a failure described for a sentence ends without a period (no "..")', () => {
  const root = ApplicationFailure.create({ type: 'AepForbidden', message: 'Not allowed.' });
  const err = new ActivityFailure(
    'Activity task failed',
    'ensureFlow',
    '1',
    RetryState.NON_RETRYABLE_FAILURE,
    undefined,
    root,
  );
  const line = describeFailure(err);
  expect(line).toBe('ensureFlow: AepForbidden: Not allowed');
  expect(`failed: ${line}. Compensated`).not.toContain('..');
});
