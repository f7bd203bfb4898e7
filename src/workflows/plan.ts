/**
 * The read-only workflows, each under its own workflow id, so they never wait for, nor block, an
 * operation on the source.
 *
 * PlanStreamingSource validates the request, reads what AEP holds for the source and returns the
 * plan (per resource: create, keep, update, replace, delete, conflict).
 */
import { setCurrentDetails } from '@temporalio/workflow';
import type { ResolvedSource } from '../activities/types';
import type { ProvisionRequestInput } from '../request';
import type { SourcePlan } from '../shared/plan';
import { planSource } from '../shared/plan-source';
import { readSource } from './plan-steps';
import { step, validateRequest } from './steps';

export async function PlanStreamingSource(input: ProvisionRequestInput): Promise<SourcePlan> {
  const req = await validateRequest(input);
  setCurrentDetails(`Reading source "${req.name}" in ${req.sandbox}`);
  const actual = await readSource(req);
  const plan = planSource(req, actual);
  setCurrentDetails(plan.changes ? 'Changes pending' : 'No change');
  return plan;
}

/**
 * ResolveStreamingSource: the source a dataflow belongs to (teardown by flow id first resolves the
 * name, so that it runs under the source's one workflow id).
 */
export async function ResolveStreamingSource(input: {
  sandbox: string;
  flowId: string;
}): Promise<ResolvedSource> {
  return step('resolveFlowSource', `Find the source of dataflow ${input.flowId}`, input);
}
