import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { failureTypeOf, rootOf } from '../shared/failures';

export interface FailureSummary {
  /** The workflow's failure type, e.g. ProvisioningFailed or CompensationFailed. */
  type: string;
  /** The type at the root of the cause chain, e.g. AepBadRequest or SchemaNotFound. */
  rootType: string;
  message: string;
  details?: unknown;
}

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
