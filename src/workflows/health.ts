/** The read of a dataflow's recent runs behind `status`: read-only, short, never failing. */
import { ActivityFailure } from '@temporalio/workflow';
import type { FlowHealthInput } from '../activities/health';
import { describeFailure } from '../shared/failures';
import type { FlowHealth } from '../shared/model';
import { step } from './steps';

/**
 * ReadFlowHealth: the flow's recent runs, or `available: false` with the reason when AEP could
 * not be read. Runs under its own id (readOnlyWorkflowId 'health'). Two attempts and done: a
 * status waits on this read, so an AEP that does not answer makes the runs unavailable within
 * seconds instead of retried for minutes.
 */
export async function ReadFlowHealth(input: FlowHealthInput): Promise<FlowHealth> {
  try {
    return await step('readFlowHealth', `Read the recent runs of flow ${input.flowId}`, input, {
      startToCloseTimeout: '10s',
      retry: { initialInterval: '1s', maximumAttempts: 2 },
    });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    return { flowId: input.flowId, available: false, reason: describeFailure(err), runs: [] };
  }
}
