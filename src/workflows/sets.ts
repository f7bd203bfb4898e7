/** The read of an apply set's members behind `apply --prune` and `plan --prune` (read-only). */
import type { ApplySetMembers, FindApplySetInput } from '../activities/sets';
import { step } from './steps';

/**
 * FindApplySet: the sources of apply set `applySet` in the sandbox and, among them, those the
 * input (`keep`) does not name. Runs under its own id (readOnlyWorkflowId 'set'), changes nothing.
 */
export async function FindApplySet(input: FindApplySetInput): Promise<ApplySetMembers> {
  return step('findApplySet', `Find the sources of apply set ${input.applySet}`, input);
}
