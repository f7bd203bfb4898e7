import { randomUUID } from 'node:crypto';
import type { WorkflowExecutionDescription, WorkflowStartOptions } from '@temporalio/client';
import type { Workflow, WorkflowResultType } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { parseProvisionRequest, type DeprovisionRequest, type ProvisionRequest } from '../request';
import {
  FailureType,
  readOnlyWorkflowId,
  REQUEST_MEMO,
  sourceWorkflowId,
  WorkflowType,
  type SourceKey,
} from '../shared/names';
import type * as wf from '../workflows';
import * as runs from './runs';
import type { Door, Launch, Started, StartOptions } from './runs';

export { clientLaunch, describeRun, within } from './runs';
export type { Door, Launch, StartOptions, Started, WaitOptions } from './runs';

/**
 * The rules of an operation on a source, the same through every door (library, CLI, HTTP API,
 * Nexus): one operation in flight per source; a provisioning attaches to an open run of the same
 * request and refuses a different one or a teardown; a teardown attaches to an open teardown and
 * cancels an open provisioning first, which compensates before the teardown starts. Doors differ
 * only in how they start and attach (`Launch`): the library through its client, a Nexus operation
 * through its context, so that the run completes the operation.
 */

/** Another request or a teardown of the source is in flight; `fields`: what differs. */
export class RequestConflictError extends Error {
  readonly type = FailureType.RequestConflict;
  constructor(
    message: string,
    readonly workflowId: string,
    readonly runId: string,
    readonly fields: string[],
  ) {
    super(message);
    this.name = 'RequestConflictError';
  }
}

/** The cancelled provisioning still compensated when the wait ended: no teardown started. */
export class CompensationPendingError extends Error {
  constructor(
    readonly workflowId: string,
    readonly runId: string,
  ) {
    super(
      `The open provisioning of ${workflowId} (run ${runId}) was cancelled and is still compensating; the teardown starts once it has ended: ask again then`,
    );
    this.name = 'CompensationPendingError';
  }
}

/** The read-only runs' workflow types, by the kind their ids name. */
const READ_ONLY = {
  plan: WorkflowType.plan,
  resolve: WorkflowType.resolve,
  health: WorkflowType.health,
  set: WorkflowType.applySet,
} as const;

export function startProvisionRun<H>(
  door: Door,
  launch: Launch<H>,
  req: ProvisionRequest,
  opts: StartOptions = {},
): Promise<Started<typeof wf.ProvisionStreamingSource, H>> {
  const details = [
    `**Source** ${req.name} (${req.dataType}${req.authentication?.required ? ', authenticated inlet' : ''})`,
    `**Org / sandbox** ${req.imsOrg} / ${req.sandbox}`,
    `**Schema** ${req.target.schemaId}`,
    `**Dataset** ${req.target.datasetId ?? `new: ${req.target.dataset?.name}`}`,
    `**Mapping** ${req.mappings ? `${req.mappings.length} field(s)` : 'none'}`,
    `**Smoke test** ${req.smokeTest ? `after ${req.smokeTest.activationWaitSeconds}s` : 'no'}`,
  ];
  return runs.startOrAttach<typeof wf.ProvisionStreamingSource, H>(
    door,
    launch,
    {
      type: WorkflowType.provision,
      key: req,
      tries: 5,
      apiKeyId: opts.apiKeyId,
      args: async () => {
        // What the source's last run left, from Temporal: AEP's lists may not show it yet.
        const known = req.known ?? (await runs.lastKnown(door, sourceWorkflowId(req), opts));
        return [known ? { ...req, known } : req];
      },
      memo: { [REQUEST_MEMO]: req },
      staticSummary: `Provision HTTP API streaming source "${req.name}" in sandbox ${req.sandbox}`,
      staticDetails: details.map((line) => `- ${line}`).join('\n'),
    },
    async (open) => {
      const fields =
        open.type === WorkflowType.provision
          ? await requestDifferences(door, open, req)
          : undefined;
      if (fields?.length === 0) return true;
      throw new RequestConflictError(
        fields
          ? `A provisioning of "${req.name}" with a different request is in progress (run ${open.runId}); differing: ${fields.join(', ')}. Wait for it to finish, or cancel it, then provision again`
          : `A teardown of "${req.name}" is in progress (run ${open.runId}); provision again once it has finished`,
        open.workflowId,
        open.runId,
        fields ?? [],
      );
    },
  );
}

/** How `req` differs from the open run's request (its memo, or its first event's input). */
async function requestDifferences(
  door: Door,
  open: WorkflowExecutionDescription,
  req: ProvisionRequest,
): Promise<string[]> {
  let openInput: unknown = open.memo?.[REQUEST_MEMO];
  if (openInput === undefined) {
    const history = await door.client.workflow
      .getHandle(open.workflowId, open.runId)
      .fetchHistory();
    const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    openInput = payloads?.length
      ? await decodeFromPayloadsAtIndex(door.client.options.loadedDataConverter, 0, payloads)
      : undefined;
  }
  try {
    // Of the same source: a missing org and sandbox resolve as in `req`; `known` is no request.
    const openReq = parseProvisionRequest(openInput, req);
    return differingFields({ ...openReq, known: undefined }, { ...req, known: undefined });
  } catch {
    return ["(the open run's request could not be read)"];
  }
}

/** Dotted paths whose values differ (arrays compared whole). */
function differingFields(a: unknown, b: unknown, path = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingFields(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path || '(request)'];
}

export async function startDeprovisionRun<H>(
  door: Door,
  launch: Launch<H>,
  req: DeprovisionRequest,
  opts: StartOptions & { onWait?: (message: string) => void; nonce?: string } = {},
): Promise<Started<typeof wf.DeprovisionStreamingSource, H>> {
  const { imsOrg, sandbox, flowId } = req;
  // By flow id: the source the dataflow belongs to (SourceNotFound unless this project made it).
  const name =
    req.name ??
    (
      await executeReadOnly<typeof wf.ResolveStreamingSource>(door, {
        kind: 'resolve',
        key: { imsOrg, sandbox, name: flowId! },
        args: [{ imsOrg, sandbox, flowId: flowId! }],
        staticSummary: `Find the source of dataflow ${flowId} in sandbox ${sandbox}`,
        nonce: opts.nonce,
      })
    ).name;
  const key = { imsOrg, sandbox, name };
  const workflowId = sourceWorkflowId(key);
  let cancelled = req.ifExists === true;
  let known = req.known ?? (await runs.lastKnown(door, workflowId, opts));
  return runs.startOrAttach<typeof wf.DeprovisionStreamingSource, H>(
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
      await runs.within(door, opts, () => handle.result()).catch(() => undefined);
      if (opts.signal?.aborted) throw new CompensationPendingError(workflowId, open.runId);
      cancelled = true;
      known = (await runs.lastKnown(door, workflowId, opts)) ?? known;
      return false;
    },
  );
}

export function readOnlyOptions<W extends Workflow>(
  door: Door,
  run: {
    kind: keyof typeof READ_ONLY;
    key: SourceKey;
    args: Parameters<W>;
    staticSummary: string;
    /** Makes the id: a request retried with it attaches to the run it started. */
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
    // Past the read's retries through an outage.
    workflowExecutionTimeout: run.timeoutMs ?? 30 * 60_000,
  } as unknown as WorkflowStartOptions<W>;
}

export function executeReadOnly<W extends Workflow>(
  door: Door,
  run: Parameters<typeof readOnlyOptions<W>>[1],
): Promise<WorkflowResultType<W>> {
  return door.client.workflow.execute<W>(READ_ONLY[run.kind], readOnlyOptions<W>(door, run));
}
