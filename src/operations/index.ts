import { randomUUID } from 'node:crypto';
import type { WorkflowStartOptions } from '@temporalio/client';
import type { Workflow, WorkflowResultType } from '@temporalio/common';
import type { DeprovisionRequest, ProvisionRequest } from '../request';
import {
  readOnlyWorkflowId,
  REQUEST_MEMO,
  sourceWorkflowId,
  WorkflowType,
  type SourceKey,
} from '../shared/names';
import type {
  DeprovisionStreamingSource,
  ProvisionStreamingSource,
  ResolveStreamingSource,
} from '../workflows';
import { attachOrRefuse, CompensationPendingError, describeRequest } from './conflicts';
import {
  lastKnown,
  startOrAttach,
  within,
  type Door,
  type Launch,
  type StartOptions,
  type Started,
} from './runs';

/**
 * The rules of an operation on a source, the same through every door (library, CLI, HTTP API,
 * Nexus): one operation in flight per source; a provisioning attaches to an open run of the same
 * request and refuses a different one or a teardown; a teardown attaches to an open teardown and
 * cancels an open provisioning first, which compensates before the teardown starts. Doors differ
 * only in how they start and attach (`Launch`).
 */

/** A read-only run's time unless told: past its read's retries through an outage. */
export const READ_ONLY_TIMEOUT_MS = 30 * 60_000;

/** The read-only runs: each one's workflow type, by the kind its workflow id names. */
const READ_ONLY = {
  plan: WorkflowType.plan,
  resolve: WorkflowType.resolve,
  health: WorkflowType.health,
  set: WorkflowType.applySet,
} as const;

/**
 * Starts the provisioning of a validated request, or attaches to the open run of the same
 * request; a different request in flight, or a teardown, is a RequestConflictError.
 */
export function startProvisionRun<H>(
  door: Door,
  launch: Launch<H>,
  req: ProvisionRequest,
  opts: StartOptions = {},
): Promise<Started<typeof ProvisionStreamingSource, H>> {
  return startOrAttach<typeof ProvisionStreamingSource, H>(
    door,
    launch,
    {
      type: WorkflowType.provision,
      key: req,
      tries: 5,
      apiKeyId: opts.apiKeyId,
      args: async () => {
        // What the source's last run left, from Temporal: AEP's lists may not show it yet.
        const known = req.known ?? (await lastKnown(door, sourceWorkflowId(req), opts));
        return [known ? { ...req, known } : req];
      },
      memo: { [REQUEST_MEMO]: req },
      staticSummary: `Provision HTTP API streaming source "${req.name}" in sandbox ${req.sandbox}`,
      staticDetails: describeRequest(req),
    },
    (open) => attachOrRefuse(door, open, req),
  );
}

/**
 * Starts the teardown of a source (by name, or by the flow id of one of its dataflows). A
 * provisioning of it still open is cancelled first (it compensates what it created) and awaited;
 * `onWait` is told. A teardown already running is attached to. When `opts.signal` ends the wait
 * for the compensation first: CompensationPendingError, nothing started.
 */
export async function startDeprovisionRun<H>(
  door: Door,
  launch: Launch<H>,
  req: DeprovisionRequest,
  opts: StartOptions & { onWait?: (message: string) => void; nonce?: string } = {},
): Promise<Started<typeof DeprovisionStreamingSource, H>> {
  const { imsOrg, sandbox } = req;
  const name = req.name ?? (await resolveName(door, { ...req, flowId: req.flowId! }, opts));
  const key = { imsOrg, sandbox, name };
  const workflowId = sourceWorkflowId(key);
  let cancelled = req.ifExists === true;
  let known = req.known ?? (await lastKnown(door, workflowId, opts));
  return startOrAttach<typeof DeprovisionStreamingSource, H>(
    door,
    launch,
    {
      type: WorkflowType.deprovision,
      key,
      tries: 10,
      apiKeyId: opts.apiKeyId,
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
      opts.onWait?.(
        `cancelling the open provisioning (run ${open.runId}); it compensates, then the teardown starts`,
      );
      const handle = door.client.workflow.getHandle(workflowId, open.runId);
      await handle.cancel();
      await within(door, opts, () => handle.result()).catch(() => undefined);
      if (opts.signal?.aborted) throw new CompensationPendingError(workflowId, open.runId);
      cancelled = true;
      known = (await lastKnown(door, workflowId, opts)) ?? known;
      return false;
    },
  );
}

/** By flow id: the source the dataflow belongs to (SourceNotFound unless this project made it). */
async function resolveName(
  door: Door,
  { imsOrg, sandbox, flowId }: { imsOrg: string; sandbox: string; flowId: string },
  opts: { nonce?: string },
): Promise<string> {
  const found = await executeReadOnly<typeof ResolveStreamingSource>(door, {
    kind: 'resolve',
    key: { imsOrg, sandbox, name: flowId },
    args: [{ imsOrg, sandbox, flowId }],
    staticSummary: `Find the source of dataflow ${flowId} in sandbox ${sandbox}`,
    nonce: opts.nonce,
  });
  return found.name;
}

/** A read-only run: its options, under its own id. */
export function readOnlyOptions<W extends Workflow>(
  door: Door,
  run: {
    kind: keyof typeof READ_ONLY;
    key: SourceKey;
    args: Parameters<W>;
    staticSummary: string;
    /** Makes the id; a retried request that gives the same one attaches to the run it started. */
    nonce?: string;
    timeoutMs?: number;
  },
): WorkflowStartOptions<W> {
  return {
    taskQueue: door.taskQueue,
    workflowId: readOnlyWorkflowId(run.kind, run.key, run.nonce ?? randomUUID()),
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: run.args,
    staticSummary: run.staticSummary,
    workflowExecutionTimeout: run.timeoutMs ?? READ_ONLY_TIMEOUT_MS,
  } as unknown as WorkflowStartOptions<W>;
}

/** Runs a read-only workflow and waits for its result. */
export function executeReadOnly<W extends Workflow>(
  door: Door,
  run: Parameters<typeof readOnlyOptions<W>>[1],
): Promise<WorkflowResultType<W>> {
  return door.client.workflow.execute<W>(READ_ONLY[run.kind], readOnlyOptions<W>(door, run));
}

export { clientLaunch, describeRun, within } from './runs';
export type { Door, Launch, StartOptions, Started, WaitOptions } from './runs';
export { CompensationPendingError, RequestConflictError } from './conflicts';
