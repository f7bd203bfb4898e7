import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { KnownResources } from '../activities/types';
import type { DeprovisionRequest } from '../request';
import { progressQuery, readOnlyWorkflowId, sourceWorkflowId, WorkflowType } from '../shared/names';
import type {
  DeprovisionStreamingSource,
  ProvisionStreamingSource,
  ResolveStreamingSource,
} from '../workflows';
import { openRun, startAttributes, tryStart, type ClientContext, type Started } from './runs';

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
  const name = req.name ?? (await resolveFlow(ctx, req.sandbox, req.flowId!));
  const workflowId = sourceWorkflowId(req.sandbox, name);
  let cancelled = req.ifExists === true;
  let known = req.known ?? (await lastProvisioned(ctx, workflowId));
  for (let tries = 0; tries < 10; tries++) {
    const started = await tryStart<typeof DeprovisionStreamingSource>(
      ctx,
      WorkflowType.deprovision,
      workflowId,
      [
        {
          sandbox: req.sandbox,
          name,
          ...(cancelled ? { ifExists: true } : {}),
          ...(req.deleteDataset ? { deleteDataset: true } : {}),
          ...(known ? { known } : {}),
        },
      ],
      {
        typedSearchAttributes: startAttributes(req.sandbox, name),
        staticSummary: `Tear down streaming source "${name}" in sandbox ${req.sandbox}`,
      },
    );
    if (started) return started;
    const open = await openRun(ctx.client, workflowId);
    if (!open) continue;
    const handle = ctx.client.workflow.getHandle(workflowId, open.runId);
    if (open.type === WorkflowType.deprovision) {
      return {
        workflowId,
        runId: open.runId,
        started: false,
        handle: handle as WorkflowHandle<typeof DeprovisionStreamingSource>,
      };
    }
    onWait(
      `cancelling the open provisioning (run ${open.runId}); it compensates, then the teardown starts`,
    );
    await handle.cancel();
    await handle.result().catch(() => undefined);
    cancelled = true;
    known = (await lastProvisioned(ctx, workflowId)) ?? known;
  }
  throw new Error(`Could not start the teardown of ${workflowId}: operations keep starting on it`);
}

/**
 * The ids the source's latest run holds: a provisioning's result, or for one that failed or was
 * cancelled, its progress (what compensation deleted is then simply gone); a teardown's kept
 * dataset. Temporal is the consistent record here; AEP's lists may not show a resource made
 * seconds ago, and no list leads from a source to a dataset nothing writes to any more.
 */
async function lastProvisioned(
  ctx: ClientContext,
  workflowId: string,
): Promise<KnownResources | undefined> {
  const handle = ctx.client.workflow.getHandle<typeof ProvisionStreamingSource>(workflowId);
  let status: string;
  let type: string;
  try {
    const d = await handle.describe();
    [type, status] = [d.type, d.status.name];
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  if (status === 'RUNNING') return undefined;
  if (type === WorkflowType.deprovision) {
    if (status !== 'COMPLETED') return undefined;
    const torn = await ctx.client.workflow
      .getHandle<typeof DeprovisionStreamingSource>(workflowId)
      .result();
    const datasetId = torn.kept.find((k) => k.kind === 'dataset' && k.reason === 'retained')?.id;
    return datasetId ? { datasetId } : undefined;
  }
  if (type !== WorkflowType.provision) return undefined;
  if (status === 'COMPLETED') {
    const r = await handle.result();
    return {
      baseConnectionId: r.baseConnectionId,
      sourceConnectionId: r.sourceConnectionId,
      targetConnectionId: r.targetConnectionId,
      flowId: r.flowId,
      datasetId: r.datasetId,
      ...(r.mappingSetId ? { mappingSetId: r.mappingSetId } : {}),
    };
  }
  const p = await handle.query(progressQuery).catch(() => undefined);
  const id = (kind: keyof NonNullable<typeof p>['resources']) => p?.resources[kind]?.id;
  return p
    ? {
        baseConnectionId: id('baseConnection'),
        sourceConnectionId: id('sourceConnection'),
        targetConnectionId: id('targetConnection'),
        flowId: id('flow'),
        mappingSetId: id('mappingSet'),
        datasetId: id('dataset'),
      }
    : undefined;
}

/** The source name of a dataflow this project created (SourceNotFound otherwise). */
async function resolveFlow(ctx: ClientContext, sandbox: string, flowId: string): Promise<string> {
  const resolved = await ctx.client.workflow.execute<typeof ResolveStreamingSource>(
    WorkflowType.resolve,
    {
      taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
      workflowId: readOnlyWorkflowId('resolve', sandbox, flowId, randomUUID()),
      args: [{ sandbox, flowId }],
      staticSummary: `Find the source of dataflow ${flowId} in sandbox ${sandbox}`,
    },
  );
  return resolved.name;
}
