import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  TemporalFailure,
} from '@temporalio/workflow';

/** The innermost failure of a chain (ActivityFailure → ApplicationFailure → ...). */
function root(err: unknown): unknown {
  let cur = err;
  while (cur instanceof TemporalFailure && cur.cause) cur = cur.cause;
  return cur;
}

/** The named type at the root of a failure chain, e.g. "AepBadRequest" or "Cancelled". */
export function rootFailureType(err: unknown): string {
  const r = root(err);
  if (r instanceof ApplicationFailure) return r.type ?? 'Error';
  if (r instanceof CancelledFailure) return 'Cancelled';
  if (r instanceof TemporalFailure) return r.name;
  return err instanceof Error ? err.name : 'Error';
}

/** One line for operators: "<activity>: <Type>: <message>". */
export function describeFailure(err: unknown): string {
  const r = root(err);
  const where = err instanceof ActivityFailure && err.activityType ? `${err.activityType}: ` : '';
  const message = r instanceof Error ? r.message : String(r);
  return `${where}${rootFailureType(err)}: ${message}`;
}
