import type { ProvisioningClient } from '../client';
import type { DeprovisionRequest } from '../request';
import { sourceWorkflowId, WorkflowType } from '../shared/names';
import type { DeprovisionStreamingSource, ResolveStreamingSource } from '../workflows';
import { lastKnown, startOrAttach, type Started } from './runs';

/**
 * Starts the teardown of a source (by name, or by the flow id of one of its dataflows). A
 * provisioning of it still open is cancelled first (it compensates what it created) and
 * awaited; `onWait` is told. A teardown already running is attached to.
 */
export async function startDeprovision(
  pc: ProvisioningClient,
  req: DeprovisionRequest,
  onWait: (message: string) => void,
): Promise<Started<typeof DeprovisionStreamingSource>> {
  const { imsOrg, sandbox } = req;
  const flowId = req.flowId!;
  // By flow id: the source the dataflow belongs to (SourceNotFound unless this project made it).
  const resolve = () =>
    pc.readOnly<typeof ResolveStreamingSource>(
      'resolve',
      { imsOrg, sandbox, name: flowId },
      [{ imsOrg, sandbox, flowId }],
      `Find the source of dataflow ${flowId} in sandbox ${sandbox}`,
    );
  const name = req.name ?? (await resolve()).name;
  const key = { imsOrg, sandbox, name };
  const workflowId = sourceWorkflowId(key);
  let cancelled = req.ifExists === true;
  let known = req.known ?? (await lastKnown(pc, workflowId));
  return startOrAttach<typeof DeprovisionStreamingSource>(
    pc,
    {
      type: WorkflowType.deprovision,
      key,
      tries: 10,
      args: async () => [
        {
          ...key,
          ...(cancelled ? { ifExists: true } : {}),
          ...(req.deleteDataset ? { deleteDataset: true } : {}),
          ...(known ? { known } : {}),
        },
      ],
      staticSummary: `Tear down streaming source "${name}" in sandbox ${sandbox}`,
    },
    async (open) => {
      if (open.type === WorkflowType.deprovision) return true;
      onWait(
        `cancelling the open provisioning (run ${open.runId}); it compensates, then the teardown starts`,
      );
      const handle = pc.client.workflow.getHandle(workflowId, open.runId);
      await handle.cancel();
      await handle.result().catch(() => undefined);
      cancelled = true;
      known = (await lastKnown(pc, workflowId)) ?? known;
      return false;
    },
  );
}
