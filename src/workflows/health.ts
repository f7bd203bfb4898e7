/** The read of a dataflow's recent runs behind `status`: read-only, short, never failing. */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FlowHealthInput } from '../activities/health';
import { describeFailure } from '../shared/failures';
import type { FlowHealth } from '../shared/model';

/**
 * Two attempts and done: a status waits on this read, so an AEP that does not answer makes the
 * runs unavailable within seconds instead of retried for minutes.
 */
const { readFlowHealth } = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumAttempts: 2 },
});

/**
 * ReadFlowHealth: the flow's recent runs, or `available: false` with the reason when AEP could
 * not be read. Runs under its own id (readOnlyWorkflowId 'health').
 */
export async function ReadFlowHealth(input: FlowHealthInput): Promise<FlowHealth> {
  try {
    return await readFlowHealth(input);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    return { flowId: input.flowId, available: false, reason: describeFailure(err), runs: [] };
  }
}
