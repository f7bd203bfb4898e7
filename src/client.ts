import {
  type Client,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import {
  ApplicationFailure,
  CancelledFailure,
  TemporalFailure,
  type Workflow,
} from '@temporalio/common';
import { parseClientConfig, type ClientConfig } from './config';
import { connectClient } from './connection';
import {
  parseDeprovisionRequest,
  parseProvisionRequest,
  type DeprovisionRequestInput,
  type ProvisionRequest,
} from './request';
import {
  deprovisionWorkflowId,
  progressQuery,
  provisionWorkflowId,
  SearchAttributes,
  WorkflowType,
} from './shared/names';
import type { DeprovisionResult, ProvisionProgress, ProvisionResult } from './shared/results';
import type { DeprovisionStreamingSource, ProvisionStreamingSource } from './workflows';

/**
 * The library provisioning systems call. Requests are validated here, before anything starts, so
 * bad input costs no workflow and no AEP call. Starting is idempotent: the workflow id is derived
 * from sandbox + name, a start while a run is open attaches to it, and a start after a finished
 * run begins a new run that finds the existing resources and creates nothing.
 */

export interface Started<W extends Workflow> {
  workflowId: string;
  runId: string;
  /** False when a run of the same workflow id was already open and we attached to it. */
  started: boolean;
  handle: WorkflowHandle<W>;
}

export interface SourceStatus {
  workflowId: string;
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, ... */
  execution: string;
  progress?: ProvisionProgress;
  result?: ProvisionResult;
  failure?: FailureSummary;
}

export interface FailureSummary {
  /** The workflow's failure type, e.g. ProvisioningFailed or CompensationFailed. */
  type: string;
  /** The type at the root of the cause chain, e.g. AepBadRequest or SchemaNotFound. */
  rootType: string;
  message: string;
  details?: unknown;
}

/** Flattens a Temporal failure chain into what an operator or a provisioning system branches on. */
export function summarizeFailure(err: unknown): FailureSummary {
  const top = err instanceof WorkflowFailedError ? err.cause : err;
  let root: unknown = top;
  while (root instanceof TemporalFailure && root.cause) root = root.cause;
  const typeOf = (e: unknown) =>
    e instanceof ApplicationFailure
      ? (e.type ?? 'Error')
      : e instanceof CancelledFailure
        ? 'Cancelled'
        : e instanceof Error
          ? e.name
          : 'Error';
  return {
    type: typeOf(top),
    rootType: typeOf(root),
    message: top instanceof Error ? top.message : String(top),
    details: top instanceof ApplicationFailure ? top.details?.[0] : undefined,
  };
}

export class ProvisioningClient {
  constructor(
    readonly client: Client,
    readonly config: ClientConfig,
  ) {}

  /** Connects by Temporal's conventions (env, temporal.toml profile, API key, mTLS). */
  static async connect(config: ClientConfig = parseClientConfig()): Promise<ProvisioningClient> {
    return new ProvisioningClient(await connectClient(config), config);
  }

  /** Throws InvalidRequestError (naming every bad field) before anything is started. */
  validate(input: unknown): ProvisionRequest {
    return parseProvisionRequest(input, this.config.AEP_SANDBOX);
  }

  async startProvision(input: unknown): Promise<Started<typeof ProvisionStreamingSource>> {
    const req = this.validate(input);
    return this.startOrAttach<typeof ProvisionStreamingSource>(
      WorkflowType.provision,
      provisionWorkflowId(req.sandbox, req.name),
      [req],
      {
        typedSearchAttributes: [
          { key: SearchAttributes.sandbox, value: req.sandbox },
          { key: SearchAttributes.sourceName, value: req.name },
          { key: SearchAttributes.status, value: 'QUEUED' },
        ],
        staticSummary: `Provision HTTP API streaming source "${req.name}" in sandbox ${req.sandbox}`,
        staticDetails: [
          `**Source** ${req.name} (${req.dataType}${req.authentication?.required ? ', authenticated inlet' : ''})`,
          `**Sandbox** ${req.sandbox}`,
          `**Schema** ${req.target.schemaId}`,
          `**Dataset** ${req.target.datasetId ?? `new: ${req.target.dataset?.name}`}`,
          `**Mapping** ${req.mappings ? `${req.mappings.length} field(s)` : 'none'}`,
          `**Smoke test** ${req.smokeTest ? `after ${req.smokeTest.activationWaitSeconds}s` : 'no'}`,
        ]
          .map((line) => `- ${line}`)
          .join('\n'),
      },
    );
  }

  /**
   * Starts `workflowId`, or attaches to its open run. Attaching is checked first so the caller
   * learns which happened; USE_EXISTING still prevents a second run if two callers race past
   * the check. After a finished run, ALLOW_DUPLICATE starts a new run, which converges.
   */
  private async startOrAttach<W extends Workflow>(
    workflowType: string,
    workflowId: string,
    args: Parameters<W>,
    options: Pick<
      WorkflowStartOptions<W>,
      'typedSearchAttributes' | 'staticSummary' | 'staticDetails'
    >,
  ): Promise<Started<W>> {
    const existing = this.client.workflow.getHandle<W>(workflowId);
    try {
      const desc = await existing.describe();
      if (desc.status.name === 'RUNNING') {
        return { workflowId, runId: desc.runId, started: false, handle: existing };
      }
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const handle = await this.client.workflow.start<W>(workflowType, {
      taskQueue: this.config.TEMPORAL_TASK_QUEUE,
      workflowId,
      args,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      ...options,
    } as unknown as WorkflowStartOptions<W>);
    return { workflowId, runId: handle.firstExecutionRunId, started: true, handle };
  }

  /** Provisions and waits for the result; throws WorkflowFailedError (see summarizeFailure). */
  async provision(input: unknown): Promise<ProvisionResult> {
    const { handle } = await this.startProvision(input);
    return handle.result();
  }

  async status(name: string, sandbox = this.config.AEP_SANDBOX): Promise<SourceStatus> {
    const workflowId = provisionWorkflowId(sandbox, name);
    const handle = this.client.workflow.getHandle<typeof ProvisionStreamingSource>(workflowId);
    const desc = await handle.describe();
    const status: SourceStatus = { workflowId, runId: desc.runId, execution: desc.status.name };
    try {
      status.progress = await handle.query(progressQuery);
    } catch {
      // A run that failed before registering its query handler has no progress to report.
    }
    if (desc.status.name === 'COMPLETED') status.result = await handle.result();
    else if (desc.status.name !== 'RUNNING') {
      try {
        await handle.result();
      } catch (err) {
        status.failure = summarizeFailure(err);
      }
    }
    return status;
  }

  async startDeprovision(
    input: DeprovisionRequestInput,
  ): Promise<Started<typeof DeprovisionStreamingSource>> {
    const req = parseDeprovisionRequest(input, this.config.AEP_SANDBOX);
    return this.startOrAttach<typeof DeprovisionStreamingSource>(
      WorkflowType.deprovision,
      deprovisionWorkflowId(req.sandbox, req.name ?? `flow-${req.flowId}`),
      [req],
      {
        typedSearchAttributes: [
          { key: SearchAttributes.sandbox, value: req.sandbox },
          ...(req.name ? [{ key: SearchAttributes.sourceName, value: req.name }] : []),
        ],
        staticSummary: `Tear down streaming source ${req.name ? `"${req.name}"` : `of flow ${req.flowId}`} in sandbox ${req.sandbox}`,
      },
    );
  }

  async deprovision(input: DeprovisionRequestInput): Promise<DeprovisionResult> {
    const { handle } = await this.startDeprovision(input);
    return handle.result();
  }

  /** Watches a provisioning's progress until it ends; `onStep` sees each newly completed step. */
  async follow(
    handle: WorkflowHandle<typeof ProvisionStreamingSource>,
    onStep: (step: string, progress: ProvisionProgress) => void,
    intervalMs = 500,
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

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}
