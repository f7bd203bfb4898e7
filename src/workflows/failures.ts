import { ActivityFailure } from '@temporalio/workflow';
import { rootFailureType, rootOf } from '../shared/failures';

export { rootFailureType };

/** One line for operators: "<activity>: <Type>: <message>". */
export function describeFailure(err: unknown): string {
  const r = rootOf(err);
  const where = err instanceof ActivityFailure && err.activityType ? `${err.activityType}: ` : '';
  const message = r instanceof Error ? r.message : String(r);
  return `${where}${rootFailureType(err)}: ${message}`;
}
