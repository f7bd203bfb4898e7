import type { WorkflowHandle } from '@temporalio/client';
import type { ProvisionRequest } from '../request';
import { progressQuery, REQUEST_MEMO, sourceWorkflowId, WorkflowType } from '../shared/names';
import type { ProvisionProgress, ProvisionResult } from '../shared/results';
import type { ProvisionStreamingSource } from '../workflows';
import { RequestConflictError, requestDifferences } from './conflict';
import {
  lastKnown,
  openRun,
  startAttributes,
  tryStart,
  type ClientContext,
  type Started,
} from './runs';

/**
 * Starts the provisioning of a validated request, or attaches to the open run of the same
 * request; a different request in flight, or a teardown, is a RequestConflictError.
 */
export async function startProvision(
  ctx: ClientContext,
  req: ProvisionRequest,
  validate: (input: unknown) => ProvisionRequest,
): Promise<Started<typeof ProvisionStreamingSource>> {
  const workflowId = sourceWorkflowId(req);
  for (let tries = 0; tries < 5; tries++) {
    // What the source's last run left, from Temporal: AEP's lists may not show it yet.
    const known = req.known ?? (await lastKnown(ctx, workflowId));
    const started = await tryStart<typeof ProvisionStreamingSource>(
      ctx,
      WorkflowType.provision,
      workflowId,
      [known ? { ...req, known } : req],
      {
        memo: { [REQUEST_MEMO]: req },
        typedSearchAttributes: startAttributes(req),
        staticSummary: `Provision HTTP API streaming source "${req.name}" in sandbox ${req.sandbox}`,
        staticDetails: describeRequest(req),
      },
    );
    if (started) return started;
    const open = await openRun(ctx.client, workflowId);
    if (!open) continue; // it closed meanwhile: start again
    if (open.type !== WorkflowType.provision) {
      throw new RequestConflictError(
        `A teardown of "${req.name}" is in progress (run ${open.runId}); provision again once it has finished`,
        workflowId,
        open.runId,
        [],
      );
    }
    const fields = await requestDifferences(ctx.client, workflowId, open, req, validate);
    if (fields.length > 0) {
      throw new RequestConflictError(
        `A provisioning of "${req.name}" with a different request is in progress (run ${open.runId}); differing: ${fields.join(', ')}. Wait for it to finish, or cancel it, then provision again`,
        workflowId,
        open.runId,
        fields,
      );
    }
    const handle = ctx.client.workflow.getHandle<typeof ProvisionStreamingSource>(
      workflowId,
      open.runId,
    );
    return { workflowId, runId: open.runId, started: false, handle };
  }
  throw new Error(`Could not start or attach to ${workflowId}: runs keep starting and closing`);
}

/** Watches a provisioning's progress until it ends; `onStep` sees each newly completed step. */
export async function follow(
  handle: WorkflowHandle<typeof ProvisionStreamingSource>,
  onStep: (step: string, progress: ProvisionProgress) => void,
  intervalMs: number,
): Promise<ProvisionResult> {
  let seen = 0;
  let finished = false;
  const resultPromise = handle.result().finally(() => {
    finished = true;
  });
  // Attach a handler now so a failure while polling is not reported as unhandled.
  resultPromise.catch(() => undefined);
  const report = async () => {
    try {
      const progress = await handle.query(progressQuery);
      for (const step of progress.completedSteps.slice(seen)) onStep(step, progress);
      seen = progress.completedSteps.length;
    } catch {
      // Not queryable yet (no worker has taken the first task) or already gone: try again.
    }
  };
  while (!finished) {
    await report();
    await Promise.race([
      resultPromise.catch(() => undefined),
      new Promise((r) => setTimeout(r, intervalMs)),
    ]);
  }
  // A closed workflow still answers queries: report the steps done since the last poll.
  await report();
  return resultPromise;
}

/** The run's details in the Temporal UI. */
function describeRequest(req: ProvisionRequest): string {
  return [
    `**Source** ${req.name} (${req.dataType}${req.authentication?.required ? ', authenticated inlet' : ''})`,
    `**Org / sandbox** ${req.imsOrg} / ${req.sandbox}`,
    `**Schema** ${req.target.schemaId}`,
    `**Dataset** ${req.target.datasetId ?? `new: ${req.target.dataset?.name}`}`,
    `**Mapping** ${req.mappings ? `${req.mappings.length} field(s)` : 'none'}`,
    `**Smoke test** ${req.smokeTest ? `after ${req.smokeTest.activationWaitSeconds}s` : 'no'}`,
  ]
    .map((line) => `- ${line}`)
    .join('\n');
}
