/**
 * The start of every provisioning: the progress query, the request validated (a local activity),
 * the identity published, and the owner stamped on what this run creates.
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Owner } from '../activities/types';
import type { ProvisionRequest } from '../request';
import { SearchAttributes } from '../shared/names';
import { Progress } from './progress';
import { validateRequest } from './steps';

/** The client sets sandbox and source name at start; a run started otherwise sets them here. */
export function publishIdentity(req: ProvisionRequest): void {
  const started = workflowInfo().typedSearchAttributes;
  if (
    started.get(SearchAttributes.sandbox) !== req.sandbox ||
    started.get(SearchAttributes.sourceName) !== req.name
  ) {
    upsertSearchAttributes([
      { key: SearchAttributes.sandbox, value: req.sandbox },
      { key: SearchAttributes.sourceName, value: req.name },
    ]);
  }
}

/** The first steps of every provisioning. */
export async function begin(
  input: unknown,
): Promise<{ progress: Progress; req: ProvisionRequest; owner: Owner }> {
  const progress = new Progress();
  const req = await validateRequest(input);
  publishIdentity(req);
  progress.done('request validated');
  const owner: Owner = { sandbox: req.sandbox, sourceName: req.name, runId: workflowInfo().runId };
  return { progress, req, owner };
}
