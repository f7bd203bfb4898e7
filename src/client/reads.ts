import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { progressQuery, WorkflowType } from '../shared/names';
import type { DeprovisionResult, ProvisionProgress, ProvisionResult } from '../shared/model';
import { failureTypeOf, rootOf } from '../shared/failures';

/** A source's status: its last operation's progress, result or failure. */
export interface SourceStatus {
  workflowId: string;
  runId: string;
  operation: 'provision' | 'deprovision';
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, ... */
  execution: string;
  progress?: ProvisionProgress;
  /** The provisioning's result (operation `provision`). */
  result?: ProvisionResult;
  /** The teardown's result (operation `deprovision`). */
  teardown?: DeprovisionResult;
  failure?: FailureSummary;
}

/** The last operation under `workflowId`: its progress, result or failure. */
export async function readStatus(client: Client, workflowId: string): Promise<SourceStatus> {
  const handle = client.workflow.getHandle(workflowId);
  const desc = await handle.describe();
  const operation = desc.type === WorkflowType.deprovision ? 'deprovision' : 'provision';
  const execution = desc.status.name;
  const status: SourceStatus = { workflowId, runId: desc.runId, operation, execution };
  if (operation === 'provision') {
    // A run that failed before registering its query handler has no progress to report.
    const progress = await handle.query(progressQuery).catch(() => undefined);
    if (progress) status.progress = progress;
  }
  if (execution === 'COMPLETED') {
    const result: unknown = await handle.result();
    if (operation === 'provision') status.result = result as ProvisionResult;
    else status.teardown = result as DeprovisionResult;
  } else if (execution !== 'RUNNING') {
    await handle.result().catch((err: unknown) => {
      status.failure = summarizeFailure(err);
    });
  }
  return status;
}

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
