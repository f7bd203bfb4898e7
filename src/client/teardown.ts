import { randomUUID } from 'node:crypto';
import type { DeprovisionRequest } from '../request';
import { readOnlyWorkflowId, sourceWorkflowId, WorkflowType } from '../shared/names';
import type { DeprovisionStreamingSource, ResolveStreamingSource } from '../workflows';
import {
  lastKnown,
  startAttributes,
  startOrAttach,
  type ClientContext,
  type Started,
} from './runs';

/**
 * Starts the teardown of a source (by name, or by the flow id of one of its dataflows). A
 * provisioning of it still open is cancelled first (it compensates what it created) and
 * awaited; `onWait` is told. A teardown already running is attached to.
 */
export async function startDeprovision(
  ctx: ClientContext,
  req: DeprovisionRequest,
  onWait: (message: string) => void,
): Promise<Started<typeof DeprovisionStreamingSource>> {
  const name = req.name ?? (await resolveFlow(ctx, req, req.flowId!));
  const key = { imsOrg: req.imsOrg, sandbox: req.sandbox, name };
  const workflowId = sourceWorkflowId(key);
  let cancelled = req.ifExists === true;
  let known = req.known ?? (await lastKnown(ctx, workflowId));
  return startOrAttach<typeof DeprovisionStreamingSource>(
    ctx,
    {
      type: WorkflowType.deprovision,
      workflowId,
      tries: 10,
      args: async () => [
        {
          ...key,
          ...(cancelled ? { ifExists: true } : {}),
          ...(req.deleteDataset ? { deleteDataset: true } : {}),
          ...(known ? { known } : {}),
        },
      ],
    },
    {
      typedSearchAttributes: startAttributes(key),
      staticSummary: `Tear down streaming source "${name}" in sandbox ${req.sandbox}`,
    },
    async (open) => {
      const { runId } = open;
      const handle = ctx.client.workflow.getHandle<typeof DeprovisionStreamingSource>(
        workflowId,
        runId,
      );
      if (open.type === WorkflowType.deprovision) {
        return { workflowId, runId, started: false, handle };
      }
      onWait(
        `cancelling the open provisioning (run ${runId}); it compensates, then the teardown starts`,
      );
      await handle.cancel();
      await handle.result().catch(() => undefined);
      cancelled = true;
      known = (await lastKnown(ctx, workflowId)) ?? known;
      return undefined;
    },
  );
}

/** The source name of a dataflow this project created (SourceNotFound otherwise). */
async function resolveFlow(
  ctx: ClientContext,
  { imsOrg, sandbox }: Pick<DeprovisionRequest, 'imsOrg' | 'sandbox'>,
  flowId: string,
): Promise<string> {
  const resolved = await ctx.client.workflow.execute<typeof ResolveStreamingSource>(
    WorkflowType.resolve,
    {
      taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
      workflowId: readOnlyWorkflowId('resolve', { imsOrg, sandbox, name: flowId }, randomUUID()),
      args: [{ imsOrg, sandbox, flowId }],
      staticSummary: `Find the source of dataflow ${flowId} in sandbox ${sandbox}`,
    },
  );
  return resolved.name;
}
