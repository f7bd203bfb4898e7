import {
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, type Workflow } from '@temporalio/common';
import type { KnownResources } from '../activities/types';
import type { ProvisioningClient } from '../client';
import {
  progressQuery,
  SearchAttributes,
  sourceSearchAttributes,
  sourceWorkflowId,
  WorkflowType,
  type SourceKey,
} from '../shared/names';
import type { DeprovisionStreamingSource, ProvisionStreamingSource } from '../workflows';

export interface Started<W extends Workflow> {
  workflowId: string;
  runId: string;
  /** False when a run of the same workflow id was already open and we attached to it. */
  started: boolean;
  handle: WorkflowHandle<W>;
}

/**
 * Starts a run of `type` under the source's workflow id unless one is open; then `attach` decides:
 * true attaches to it, false tries again (it cancelled the run, say). A run that closes meanwhile
 * is started after. `args` is read at each try, so it may carry what a run closed meanwhile left.
 */
export async function startOrAttach<W extends Workflow>(
  pc: ProvisioningClient,
  run: Pick<WorkflowStartOptions<W>, 'staticSummary' | 'staticDetails' | 'memo'> & {
    type: string;
    key: SourceKey;
    args: () => Promise<Parameters<W>>;
    tries: number;
    /** Recorded on a run it starts as AepApiKeyId. */
    apiKeyId?: string;
  },
  attach: (open: WorkflowExecutionDescription) => Promise<boolean>,
): Promise<Started<W>> {
  const { type, key, args, tries, apiKeyId, ...options } = run;
  const workflowId = sourceWorkflowId(key);
  for (let i = 0; i < tries; i++) {
    try {
      const handle = await pc.client.workflow.start<W>(type, {
        taskQueue: pc.config.TEMPORAL_TASK_QUEUE,
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
      } as unknown as WorkflowStartOptions<W>);
      return { workflowId, runId: handle.firstExecutionRunId, started: true, handle };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const open = await describeRun(pc, workflowId);
    if (open?.status.name === 'RUNNING' && (await attach(open))) {
      const handle = pc.client.workflow.getHandle<W>(workflowId, open.runId);
      return { workflowId, runId: open.runId, started: false, handle };
    }
  }
  throw new Error(`Could not start or attach to ${workflowId}: operations keep starting on it`);
}

/** The latest run of `workflowId`, if any. */
function describeRun(pc: ProvisioningClient, workflowId: string) {
  return pc.client.workflow
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
  pc: ProvisioningClient,
  { signal }: WaitOptions,
  wait: () => Promise<T>,
) => (signal ? pc.client.withAbortSignal(signal, wait) : wait());

/**
 * The ids the source's latest run holds: a provisioning's result, or for one that failed or was
 * cancelled, its progress (what compensation deleted is then simply gone); a teardown's kept
 * dataset. Temporal is the consistent record here; AEP's lists may not show a resource made
 * seconds ago, and no list leads from a source to a dataset nothing writes to any more.
 */
export async function lastKnown(
  pc: ProvisioningClient,
  workflowId: string,
  opts: WaitOptions = {},
): Promise<KnownResources | undefined> {
  const run = await describeRun(pc, workflowId);
  const status = run?.status.name;
  if (!run || status === 'RUNNING') return undefined;
  if (run.type === WorkflowType.deprovision) {
    if (status !== 'COMPLETED') return undefined;
    const torn = await pc.client.workflow
      .getHandle<typeof DeprovisionStreamingSource>(workflowId, run.runId)
      .result();
    const datasetId = torn.kept.find((k) => k.kind === 'dataset' && k.reason === 'retained')?.id;
    return datasetId ? { datasetId } : undefined;
  }
  if (run.type !== WorkflowType.provision) return undefined;
  const handle = pc.client.workflow.getHandle<typeof ProvisionStreamingSource>(
    workflowId,
    run.runId,
  );
  if (status === 'COMPLETED') {
    const result = await handle.result();
    return knownOf((field) => result[field]);
  }
  // A closed run answers queries through a worker: none, and this waits (bounded by `opts`).
  const p = await within(pc, opts, () => handle.query(progressQuery)).catch(() => undefined);
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
