/**
 * The one walk of a Temporal failure chain (ActivityFailure → ApplicationFailure → …), shared by
 * workflows (failure endings, progress) and the client (summarizeFailure). Deterministic: no I/O.
 */
import { ApplicationFailure, CancelledFailure, TemporalFailure } from '@temporalio/common';

/** The innermost failure of a chain. */
export function rootOf(err: unknown): unknown {
  let cur = err;
  while (cur instanceof TemporalFailure && cur.cause) cur = cur.cause;
  return cur;
}

/** The named type of one failure: ApplicationFailure.type, "Cancelled", or the error's name. */
export function failureTypeOf(err: unknown): string {
  if (err instanceof ApplicationFailure) return err.type ?? 'Error';
  if (err instanceof CancelledFailure) return 'Cancelled';
  if (err instanceof Error) return err.name;
  return 'Error';
}

/** The named type at the root of a failure chain, e.g. "AepBadRequest" or "Cancelled". */
export function rootFailureType(err: unknown): string {
  return failureTypeOf(rootOf(err));
}
