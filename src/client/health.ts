import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowStartOptions } from '@temporalio/client';
import type { ProvisioningClient } from '../client';
import { workflowPollers } from '../connection';
import type { FlowHealth } from '../shared/model';
import { readOnlyWorkflowId, WorkflowType } from '../shared/names';
import type { ReadFlowHealth } from '../workflows';
import { summarizeFailure } from './failures';
import { within, type WaitOptions } from '../operations/runs';

/**
 * How long a status waits for the flow's runs: past the read's two short attempts
 * (workflows/reads.ts); then they are shown unavailable and the status answers anyway.
 */
const HEALTH_TIMEOUT_MS = 15_000;

/** A source's flow: the runs of `flowId` are read in the source's sandbox. */
export interface FlowSource {
  sandbox: string;
  name: string;
  flowId: string;
}

/**
 * The flow's recent runs from Flow Service, read by a worker (it holds the AEP credentials) in a
 * read-only run of its own. Never throws: without a worker, or when AEP does not answer within
 * HEALTH_TIMEOUT_MS (or `opts.signal` ends the wait), `available: false` and the reason.
 */
export async function readFlowHealth(
  pc: ProvisioningClient,
  { sandbox, name, flowId }: FlowSource,
  opts: WaitOptions = {},
): Promise<FlowHealth> {
  const unavailable = (reason: string): FlowHealth => ({
    flowId,
    available: false,
    reason,
    runs: [],
  });
  const queue = pc.config.TEMPORAL_TASK_QUEUE;
  if ((await workflowPollers(pc.client, queue).catch(() => 1)) === 0) {
    return unavailable(`no worker is polling task queue "${queue}" to read them`);
  }
  const key = { ...pc.place, sandbox, name };
  try {
    return await within(pc, opts, () =>
      pc.client.workflow.execute<typeof ReadFlowHealth>(WorkflowType.health, {
        taskQueue: queue,
        workflowId: readOnlyWorkflowId('health', key, randomUUID()),
        args: [{ sandbox, flowId }],
        staticSummary: `Read the runs of dataflow ${flowId} ("${name}" in sandbox ${sandbox})`,
        workflowExecutionTimeout: HEALTH_TIMEOUT_MS,
      } as unknown as WorkflowStartOptions<typeof ReadFlowHealth>),
    );
  } catch (err) {
    if (err instanceof WorkflowFailedError) return unavailable(summarizeFailure(err).message);
    return unavailable(err instanceof Error ? err.message : String(err));
  }
}
