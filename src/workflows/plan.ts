/**
 * PlanStreamingSource: read-only. Validates the request, reads what AEP holds for the source and
 * returns the plan (per resource: create, keep, update, replace, delete, conflict). Runs under
 * its own workflow id, so it never waits for, nor blocks, an operation on the source.
 */
import { setCurrentDetails } from '@temporalio/workflow';
import type { ProvisionRequestInput } from '../request';
import type { SourcePlan } from '../shared/plan';
import { planSource } from '../shared/plan-source';
import { readSource } from './plan-steps';
import { validateRequest } from './steps';

export async function PlanStreamingSource(input: ProvisionRequestInput): Promise<SourcePlan> {
  const req = await validateRequest(input);
  setCurrentDetails(`Reading source "${req.name}" in ${req.sandbox}`);
  const actual = await readSource(req);
  const plan = planSource(req, actual);
  setCurrentDetails(plan.changes ? 'Changes pending' : 'No change');
  return plan;
}
