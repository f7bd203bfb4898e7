import { ActivityFailure } from '@temporalio/workflow';
import { rootFailureType, rootOf } from '../shared/failures';

export { rootFailureType };

/** One line for operators: "<activity>: <Type>: <message>". */
export function describeFailure(err: unknown): string {
  const r = rootOf(err);
  const where = err instanceof ActivityFailure && err.activityType ? `${err.activityType}: ` : '';
  // Without trailing periods: callers embed it in sentences ("failed: <it>. Compensated: …").
  const message = (r instanceof Error ? r.message : String(r)).replace(/[.\s]+$/, '');
  return `${where}${rootFailureType(err)}: ${message}`;
}
