/** The one walk of a Temporal failure chain, for workflows and the client. Deterministic. */
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  TemporalFailure,
} from '@temporalio/common';
import type { z } from 'zod';
import type { failureSchema } from '../api/result-schemas';

/** A failure chain as callers branch on it (the API's document adds `leftovers`). */
export type FailureSummary = Omit<z.output<typeof failureSchema>, 'leftovers'>;

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

export const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** One line for operators: "<activity>: <Type>: <message>". */
export function describeFailure(err: unknown): string {
  const r = rootOf(err);
  const where = err instanceof ActivityFailure && err.activityType ? `${err.activityType}: ` : '';
  // Without trailing periods: callers embed it in sentences ("failed: <it>. Compensated: …").
  const message = errorMessage(r).replace(/[.\s]+$/, '');
  return `${where}${failureTypeOf(r)}: ${message}`;
}
