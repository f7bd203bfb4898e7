/**
 * The read-only workflows, each a single read under its own id (readOnlyWorkflowId): the health
 * of a dataflow behind `status`, the members of an apply set behind `--prune`, and the source a
 * dataflow belongs to. They change nothing in AEP.
 */
import { ActivityFailure } from '@temporalio/workflow';
import type { FlowHealthInput } from '../activities/health';
import type { ApplySetMembers, FindApplySetInput } from '../activities/sets';
import type { ResolvedSource } from '../activities/types';
import { describeFailure } from '../shared/failures';
import type { FlowHealth } from '../shared/model';
import { step } from './policies';

/**
 * ReadFlowHealth: the flow's recent runs, or `available: false` with the reason. Two attempts
 * and done: a status waits on this read, so an AEP that does not answer makes the runs
 * unavailable within seconds instead of retried for minutes.
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

/** FindApplySet: the sources of apply set `applySet`, and those of them `keep` does not name. */
export async function FindApplySet(input: FindApplySetInput): Promise<ApplySetMembers> {
  return step('findApplySet', `Find the sources of apply set ${input.applySet}`, input);
}

/**
 * ResolveStreamingSource: the source a dataflow belongs to (teardown by flow id first resolves the
 * name, so that it runs under the source's one workflow id).
 */
export async function ResolveStreamingSource(input: {
  imsOrg: string;
  sandbox: string;
  flowId: string;
}): Promise<ResolvedSource> {
  return step('resolveFlowSource', `Find the source of dataflow ${input.flowId}`, input);
}
