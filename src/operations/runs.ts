import {
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, type Workflow } from '@temporalio/common';
import type { KnownResources } from '../activities/types';
import {
  progressQuery,
  SearchAttributes,
  sourceSearchAttributes,
  sourceWorkflowId,
  WorkflowType,
  type SourceKey,
} from '../shared/names';
import type { DeprovisionStreamingSource, ProvisionStreamingSource } from '../workflows';

/** What the rules need of a door: a Temporal client, and the task queue runs are started on. */
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

/**
 * How a door starts a run and attaches to an open one: the library through its client
 * (`clientLaunch`), a Nexus operation through its context (src/nexus/), so that the run it starts
 * or attaches to completes the operation.
 */
export interface Launch<H> {
  /** Starts a run; rejects with WorkflowExecutionAlreadyStartedError while one is open. */
  start(type: string, options: WorkflowStartOptions): Promise<{ runId: string; handle: H }>;
  /** Attaches to the open run `open` that the rules chose, started with `options`. */
  attach(
    type: string,
    options: WorkflowStartOptions,
    open: WorkflowExecutionDescription,
  ): Promise<H>;
}

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
 * Starts a run of `type` under the source's workflow id unless one is open; then `attach` decides:
 * true attaches to it, false tries again (it cancelled the run, say). A run that closes meanwhile
 * is started after. `args` is read at each try, so it may carry what a run closed meanwhile left.
 */
export async function startOrAttach<W extends Workflow, H>(
  door: Door,
  launch: Launch<H>,
  run: Pick<WorkflowStartOptions<W>, 'staticSummary' | 'staticDetails' | 'memo'> & {
    type: string;
    key: SourceKey;
    args: () => Promise<Parameters<W>>;
    tries: number;
    /** Recorded on a run it starts as AepApiKeyId. */
    apiKeyId?: string;
  },
  attach: (open: WorkflowExecutionDescription) => Promise<boolean>,
): Promise<Started<W, H>> {
  const { type, key, args, tries, apiKeyId, ...options } = run;
  const workflowId = sourceWorkflowId(key);
  for (let i = 0; i < tries; i++) {
    const startOptions = {
      taskQueue: door.taskQueue,
      workflowId,
      args: await args(),
      // FAIL on an open run, so the caller decides between attaching and refusing.
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
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const open = await describeRun(door, workflowId);
    if (open?.status.name === 'RUNNING' && (await attach(open))) {
      const handle = await launch.attach(type, startOptions, open);
      return { workflowId, runId: open.runId, started: false, handle };
    }
  }
  throw new Error(`Could not start or attach to ${workflowId}: operations keep starting on it`);
}

/** The latest run of `workflowId`, if any. */
export function describeRun(door: Pick<Door, 'client'>, workflowId: string) {
  return door.client.workflow
    .getHandle(workflowId)
    .describe()
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
}

/** Waits on runs: `wait`'s calls to Temporal are cancelled when `signal` aborts. */
export interface WaitOptions {
  signal?: AbortSignal;
}

/** A start's options: its waits, and the HTTP API key that asked for it (AepApiKeyId). */
export interface StartOptions extends WaitOptions {
  apiKeyId?: string;
}

export const within = <T>(
  door: Pick<Door, 'client'>,
  { signal }: WaitOptions,
  wait: () => Promise<T>,
) => (signal ? door.client.withAbortSignal(signal, wait) : wait());

/**
 * The ids the source's latest run holds: a provisioning's result, or for one that failed or was
 * cancelled, its progress (what compensation deleted is then simply gone); a teardown's kept
 * dataset. Temporal is the consistent record here; AEP's lists may not show a resource made
 * seconds ago, and no list leads from a source to a dataset nothing writes to any more.
 */
export async function lastKnown(
  door: Pick<Door, 'client'>,
  workflowId: string,
  opts: WaitOptions = {},
): Promise<KnownResources | undefined> {
  const run = await describeRun(door, workflowId);
  const status = run?.status.name;
  if (!run || status === 'RUNNING') return undefined;
  if (run.type === WorkflowType.deprovision) {
    if (status !== 'COMPLETED') return undefined;
    const torn = await door.client.workflow
      .getHandle<typeof DeprovisionStreamingSource>(workflowId, run.runId)
      .result();
    const datasetId = torn.kept.find((k) => k.kind === 'dataset' && k.reason === 'retained')?.id;
    return datasetId ? { datasetId } : undefined;
  }
  if (run.type !== WorkflowType.provision) return undefined;
  const handle = door.client.workflow.getHandle<typeof ProvisionStreamingSource>(
    workflowId,
    run.runId,
  );
  if (status === 'COMPLETED') {
    const result = await handle.result();
    return knownOf((field) => result[field]);
  }
  // A closed run answers queries through a worker: none, and this waits (bounded by `opts`).
  const p = await within(door, opts, () => handle.query(progressQuery)).catch(() => undefined);
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
