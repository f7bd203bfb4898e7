import {
  type Client,
  WorkflowNotFoundError,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, type Workflow } from '@temporalio/common';
import type { ClientConfig } from '../config';
import { SearchAttributes } from '../shared/names';

/**
 * Starting under a source's one workflow id: start unless a run is open, else read the open run
 * so that the caller decides between attaching and refusing.
 */

/** What the client's operations work with: the Temporal client and the configuration. */
export interface ClientContext {
  readonly client: Client;
  readonly config: ClientConfig;
}

export interface Started<W extends Workflow> {
  workflowId: string;
  runId: string;
  /** False when a run of the same workflow id was already open and we attached to it. */
  started: boolean;
  handle: WorkflowHandle<W>;
}

export interface OpenRun {
  runId: string;
  type: string;
  memo?: Record<string, unknown>;
}

/**
 * Starts `workflowId` unless a run of it is open (then undefined): FAIL on an open run, so the
 * caller decides between attaching and refusing; after a closed run a new one starts.
 */
export async function tryStart<W extends Workflow>(
  ctx: ClientContext,
  workflowType: string,
  workflowId: string,
  args: Parameters<W>,
  options: Pick<
    WorkflowStartOptions<W>,
    'typedSearchAttributes' | 'staticSummary' | 'staticDetails' | 'memo'
  >,
): Promise<Started<W> | undefined> {
  try {
    const handle = await ctx.client.workflow.start<W>(workflowType, {
      taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
      workflowId,
      args,
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      ...options,
    } as unknown as WorkflowStartOptions<W>);
    return { workflowId, runId: handle.firstExecutionRunId, started: true, handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
    throw err;
  }
}

/** The open run of `workflowId`, if any. */
export async function openRun(client: Client, workflowId: string): Promise<OpenRun | undefined> {
  try {
    const desc = await client.workflow.getHandle(workflowId).describe();
    if (desc.status.name !== 'RUNNING') return undefined;
    return { runId: desc.runId, type: desc.type, memo: desc.memo };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** A source's search attributes when an operation on it starts (status QUEUED until a worker). */
export function startAttributes(sandbox: string, name: string) {
  return [
    { key: SearchAttributes.sandbox, value: sandbox },
    { key: SearchAttributes.sourceName, value: name },
    { key: SearchAttributes.status, value: 'QUEUED' },
  ];
}
