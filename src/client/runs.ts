import {
  type Client,
  WorkflowNotFoundError,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, type Workflow } from '@temporalio/common';
import type { KnownResources } from '../activities/types';
import type { ClientConfig } from '../config';
import type { ProvisionRequest } from '../request';
import { progressQuery, SearchAttributes, WorkflowType, type SourceKey } from '../shared/names';
import type { DeprovisionStreamingSource, ProvisionStreamingSource } from '../workflows';

/** What the client's operations work with: the Temporal client, the configuration, validation. */
export interface ClientContext {
  readonly client: Client;
  readonly config: ClientConfig;
  validate(input: unknown): ProvisionRequest;
}

export interface Started<W extends Workflow> {
  workflowId: string;
  runId: string;
  /** False when a run of the same workflow id was already open and we attached to it. */
  started: boolean;
  handle: WorkflowHandle<W>;
}

export type OpenRun = NonNullable<Awaited<ReturnType<typeof describeRun>>>;

type StartOptions<W extends Workflow> = Pick<
  WorkflowStartOptions<W>,
  'typedSearchAttributes' | 'staticSummary' | 'staticDetails' | 'memo'
>;

/**
 * Starts `workflowId` unless a run of it is open; then `onOpen` decides: a Started to attach, or
 * undefined to try again (it cancelled the run, say). A run that closes meanwhile is started
 * after. `args` is read at each try, so it may carry what a run closed meanwhile left.
 */
export async function startOrAttach<W extends Workflow>(
  ctx: ClientContext,
  start: {
    type: string;
    workflowId: string;
    args: () => Promise<Parameters<W>>;
    tries: number;
  },
  options: StartOptions<W>,
  onOpen: (open: OpenRun) => Promise<Started<W> | undefined>,
): Promise<Started<W>> {
  const { workflowId } = start;
  for (let tries = 0; tries < start.tries; tries++) {
    try {
      const handle = await ctx.client.workflow.start<W>(start.type, {
        taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: await start.args(),
        // FAIL on an open run, so the caller decides between attaching and refusing.
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        ...options,
      } as unknown as WorkflowStartOptions<W>);
      return { workflowId, runId: handle.firstExecutionRunId, started: true, handle };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const open = await openRun(ctx.client, workflowId);
    const attached = open && (await onOpen(open));
    if (attached) return attached;
  }
  throw new Error(`Could not start or attach to ${workflowId}: operations keep starting on it`);
}

/** The latest run of `workflowId`, if any. */
async function describeRun(client: Client, workflowId: string) {
  try {
    const desc = await client.workflow.getHandle(workflowId).describe();
    return { runId: desc.runId, type: desc.type, status: desc.status.name, memo: desc.memo };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The open run of `workflowId`, if any. */
async function openRun(client: Client, workflowId: string): Promise<OpenRun | undefined> {
  const run = await describeRun(client, workflowId);
  return run?.status === 'RUNNING' ? run : undefined;
}

/** A source's search attributes when an operation on it starts (status QUEUED until a worker). */
export function startAttributes(key: SourceKey) {
  return [
    { key: SearchAttributes.imsOrg, value: key.imsOrg },
    { key: SearchAttributes.sandbox, value: key.sandbox },
    { key: SearchAttributes.sourceName, value: key.name },
    { key: SearchAttributes.status, value: 'QUEUED' },
  ];
}

/**
 * The ids the source's latest run holds: a provisioning's result, or for one that failed or was
 * cancelled, its progress (what compensation deleted is then simply gone); a teardown's kept
 * dataset. Temporal is the consistent record here; AEP's lists may not show a resource made
 * seconds ago, and no list leads from a source to a dataset nothing writes to any more.
 */
export async function lastKnown(
  ctx: ClientContext,
  workflowId: string,
): Promise<KnownResources | undefined> {
  const run = await describeRun(ctx.client, workflowId);
  if (!run || run.status === 'RUNNING') return undefined;
  const { runId, type, status } = run;
  if (type === WorkflowType.deprovision) {
    if (status !== 'COMPLETED') return undefined;
    const torn = await ctx.client.workflow
      .getHandle<typeof DeprovisionStreamingSource>(workflowId, runId)
      .result();
    const datasetId = torn.kept.find((k) => k.kind === 'dataset' && k.reason === 'retained')?.id;
    return datasetId ? { datasetId } : undefined;
  }
  if (type !== WorkflowType.provision) return undefined;
  const handle = ctx.client.workflow.getHandle<typeof ProvisionStreamingSource>(workflowId, runId);
  if (status === 'COMPLETED') {
    const result = await handle.result();
    return knownOf((field) => result[field]);
  }
  const p = await handle.query(progressQuery).catch(() => undefined);
  return p && knownOf((field) => p.resources[KNOWN_KINDS[field]]?.id);
}

/** The known id fields, each with the resource kind progress records it under. */
const KNOWN_KINDS = {
  baseConnectionId: 'baseConnection',
  sourceConnectionId: 'sourceConnection',
  targetConnectionId: 'targetConnection',
  flowId: 'flow',
  mappingSetId: 'mappingSet',
  datasetId: 'dataset',
} as const;

function knownOf(id: (field: keyof typeof KNOWN_KINDS) => string | undefined): KnownResources {
  const fields = Object.keys(KNOWN_KINDS) as Array<keyof typeof KNOWN_KINDS>;
  return Object.fromEntries(fields.map((field) => [field, id(field)]));
}
