import { Context } from '@temporalio/activity';

/** Attempt number and cancellation signal when running as an activity; neutral values otherwise. */
export function activityContext(): { attempt: number; signal?: AbortSignal } {
  try {
    const ctx = Context.current();
    return { attempt: ctx.info.attempt, signal: ctx.cancellationSignal };
  } catch {
    return { attempt: 1 };
  }
}

/** Look for what an earlier attempt or run created when asked to, and always on a retry. */
export function shouldLookUp(lookupFirst: boolean): boolean {
  return lookupFirst || activityContext().attempt > 1;
}

/**
 * What an earlier attempt or run created, if anything. A retry always looks up (an earlier attempt
 * may have committed the create before its answer was lost); a first attempt uses the workflow's
 * early lookup when it made one (`found`, see inspectTarget), and otherwise looks up when asked to.
 */
export async function priorResource<T>(
  input: { lookupFirst: boolean; found?: T | null },
  lookUp: () => Promise<T | undefined>,
): Promise<T | undefined> {
  if (activityContext().attempt > 1) return lookUp();
  if (input.found !== undefined) return input.found ?? undefined;
  return input.lookupFirst ? lookUp() : undefined;
}
