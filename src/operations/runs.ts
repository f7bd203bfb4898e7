import {
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError as AlreadyStarted } from '@temporalio/common';
import type { Workflow } from '@temporalio/common';
import type { KnownResources } from '../activities/types';
import {
  progressQuery,
  SearchAttributes,
  sourceSearchAttributes,
  sourceWorkflowId,
  WorkflowType,
  type SourceKey,
} from '../shared/names';
import type * as wf from '../workflows';

/** How the rules (index.ts) start runs, attach to them and read what they left. */
export interface Door {
  readonly client: Client;
  readonly taskQueue: string;
}

export interface Started<W extends Workflow, H = WorkflowHandle<W>> {
  workflowId: string;
  runId: string;
  /** False when a run of the same workflow id was already open and we attached to it. */
  started: boolean;
  handle: H;
}

type Open = WorkflowExecutionDescription;

/** `start` rejects with WorkflowExecutionAlreadyStartedError while a run is open. */
export interface Launch<H> {
  start(type: string, options: WorkflowStartOptions): Promise<{ runId: string; handle: H }>;
  attach(type: string, options: WorkflowStartOptions, open: Open): Promise<H>;
}

/** `signal` cancels the calls to Temporal a wait makes. */
export type WaitOptions = { signal?: AbortSignal };

/** `apiKeyId`: the HTTP API key that asked for the start (AepApiKeyId). */
export type StartOptions = WaitOptions & { apiKeyId?: string };

export const within = <T>(
  door: Pick<Door, 'client'>,
  { signal }: WaitOptions,
  wait: () => Promise<T>,
) => (signal ? door.client.withAbortSignal(signal, wait) : wait());

/** The library's launch: the client starts; attaching is a handle on the open run. */
export function clientLaunch<W extends Workflow>(door: Door): Launch<WorkflowHandle<W>> {
  return {
    async start(type, options) {
      const handle = await door.client.workflow.start<W>(
        type,
        options as unknown as WorkflowStartOptions<W>,
      );
      return { runId: handle.firstExecutionRunId, handle };
    },
    attach: async (_type, options, open) =>
      door.client.workflow.getHandle<W>(options.workflowId, open.runId),
  };
}

/**
 * Starts a run unless one is open; then `attach` decides: true attaches, false tries again (it
 * cancelled the run, say). `args` is read at each try: it may carry what a closed run left.
 */
export async function startOrAttach<W extends Workflow, H>(
  door: Door,
  launch: Launch<H>,
  run: Pick<WorkflowStartOptions<W>, 'staticSummary' | 'staticDetails' | 'memo'> & {
    type: string;
    key: SourceKey;
    args: () => Promise<Parameters<W>>;
    tries: number;
    apiKeyId?: string;
  },
  attach: (open: Open) => Promise<boolean>,
): Promise<Started<W, H>> {
  const { type, key, args, tries, apiKeyId, ...options } = run;
  const workflowId = sourceWorkflowId(key);
  for (let i = 0; i < tries; i++) {
    const startOptions = {
      taskQueue: door.taskQueue,
      workflowId,
      args: await args(),
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      // Status QUEUED until a worker takes the run.
      typedSearchAttributes: [
        ...sourceSearchAttributes(key),
        ...(apiKeyId === undefined ? [] : [{ key: SearchAttributes.apiKeyId, value: apiKeyId }]),
      ],
      ...options,
    } as WorkflowStartOptions;
    try {
      const { runId, handle } = await launch.start(type, startOptions);
      return { workflowId, runId, started: true, handle };
    } catch (err) {
      if (!(err instanceof AlreadyStarted)) throw err;
    }
    const open = await describeRun(door, workflowId);
    if (open?.status.name === 'RUNNING' && (await attach(open))) {
      const handle = await launch.attach(type, startOptions, open);
      return { workflowId, runId: open.runId, started: false, handle };
    }
  }
  throw new Error(`Could not start or attach to ${workflowId}: operations keep starting on it`);
}

export function describeRun(door: Pick<Door, 'client'>, workflowId: string) {
  return door.client.workflow
    .getHandle(workflowId)
    .describe()
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
}

/** The known ids, each with the kind progress records it under. */
const KNOWN_KINDS = {
  baseConnectionId: 'baseConnection',
  sourceConnectionId: 'sourceConnection',
  targetConnectionId: 'targetConnection',
  flowId: 'flow',
  mappingSetId: 'mappingSet',
  datasetId: 'dataset',
} as const;

/**
 * The ids the latest run holds (a provisioning's result or progress, a teardown's kept dataset):
 * AEP's lists may not show a resource made seconds ago, nor a dataset nothing writes to.
 */
export async function lastKnown(
  door: Door,
  workflowId: string,
  opts: WaitOptions,
): Promise<KnownResources | undefined> {
  const run = await describeRun(door, workflowId);
  const status = run?.status.name;
  if (!run || status === 'RUNNING') return undefined;
  if (run.type === WorkflowType.deprovision) {
    if (status !== 'COMPLETED') return undefined;
    const torn = await door.client.workflow
      .getHandle<typeof wf.DeprovisionStreamingSource>(workflowId, run.runId)
      .result();
    const datasetId = torn.kept.find((k) => k.kind === 'dataset' && k.reason === 'retained')?.id;
    return datasetId ? { datasetId } : undefined;
  }
  if (run.type !== WorkflowType.provision) return undefined;
  const handle = door.client.workflow.getHandle<typeof wf.ProvisionStreamingSource>(
    workflowId,
    run.runId,
  );
  const fields = Object.keys(KNOWN_KINDS) as Array<keyof typeof KNOWN_KINDS>;
  if (status === 'COMPLETED') {
    const result = await handle.result();
    return Object.fromEntries(fields.map((f) => [f, result[f]]));
  }
  // A closed run answers queries through a worker: none, and this waits (bounded by `opts`).
  const p = await within(door, opts, () => handle.query(progressQuery)).catch(() => undefined);
  return p && Object.fromEntries(fields.map((f) => [f, p.resources[KNOWN_KINDS[f]]?.id]));
}
