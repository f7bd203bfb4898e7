import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { failureTypeOf, rootOf, type FailureSummary } from '../shared/failures';

export type { FailureSummary };

/** Flattens a Temporal failure chain into what an operator or a provisioning system branches on. */
export function summarizeFailure(err: unknown): FailureSummary {
  const top = err instanceof WorkflowFailedError ? err.cause : err;
  return {
    type: failureTypeOf(top),
    rootType: failureTypeOf(rootOf(top)),
    message: top instanceof Error ? top.message : String(top),
    details: top instanceof ApplicationFailure ? top.details?.[0] : undefined,
  };
}
