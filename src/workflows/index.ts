/**
 * The workflows the worker bundles (workflowsPath), and the read-only ones: each a single read
 * under its own id (readOnlyWorkflowId) that changes nothing in AEP.
 */
import { ActivityFailure } from '@temporalio/workflow';
import type { FlowHealthInput } from '../activities/health';
import type { FindApplySetInput } from '../activities/sets';
import { describeFailure } from '../shared/failures';
import type { FlowHealth } from '../shared/model';
import { step } from './policies';

export { ProvisionStreamingSource } from './provision';
export { DeprovisionStreamingSource } from './teardown';
export { PlanStreamingSource } from './plan';
export { StreamingDataset } from './dataset';
export { AepRequestBudget } from './rate';
export { ReconcileSources } from './reconcile';

/**
 * The recent runs of a dataflow behind `status`, or `available: false` with the reason. Two
 * attempts: an AEP that does not answer makes the runs unavailable within seconds.
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

/** The sources of apply set `applySet` (behind `--prune`), and those `keep` does not name. */
export const FindApplySet = (input: FindApplySetInput) =>
  step('findApplySet', `Find the sources of apply set ${input.applySet}`, input);

type FlowOfOrg = { imsOrg: string; sandbox: string; flowId: string };

/** The source a dataflow belongs to: teardown by flow id runs under the source's workflow id. */
export const ResolveStreamingSource = (input: FlowOfOrg) =>
  step('resolveFlowSource', `Find the source of dataflow ${input.flowId}`, input);
