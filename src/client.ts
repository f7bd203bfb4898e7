import { randomUUID } from 'node:crypto';
import {
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure, type Workflow, type WorkflowResultType } from '@temporalio/common';
import { parseClientConfig, type ClientConfig } from './config';
import { connectClient } from './connection';
import {
  parseDeprovisionRequest,
  parseProvisionRequest,
  type DeprovisionRequestInput,
  placeOf,
  type Place,
  type ProvisionRequest,
} from './request';
import {
  progressQuery,
  readOnlyWorkflowId,
  sourceWorkflowId,
  WorkflowType,
  type SourceKey,
} from './shared/names';
import type {
  DeprovisionResult,
  ProvisionProgress,
  ProvisionResult,
  SourcePlan,
} from './shared/model';
import { failureTypeOf, rootOf } from './shared/failures';
import type {
  DeprovisionStreamingSource,
  PlanStreamingSource,
  ProvisionStreamingSource,
} from './workflows';
import { startProvision } from './client/provision';
import type { Started } from './client/runs';
import { startDeprovision } from './client/teardown';

export { RequestConflictError } from './client/provision';
export type { Started } from './client/runs';

/**
 * The library provisioning systems call. Requests are validated here, before anything starts, so
 * bad input costs no workflow and no AEP call. Every operation that changes a source runs under
 * the source's one workflow id (`aep-stream/<org>/<sandbox>/<name>`), so at most one is in flight:
 * - provisioning the same request again while it runs attaches to the open run; a different
 *   request is refused with RequestConflictError (never attached to); after a finished run a new
 *   run plans against AEP and applies only what differs (src/client/provision.ts);
 * - a teardown of a source whose provisioning is open cancels it (it compensates), waits for it
 *   to close, then tears down; by flow id, it first resolves the source the flow belongs to
 *   (src/client/teardown.ts);
 * - plans are read-only and run under their own ids.
 */
export class ProvisioningClient {
  constructor(
    readonly client: Client,
    readonly config: ClientConfig,
  ) {}

  /** Connects by Temporal's conventions (env, temporal.toml profile, API key, mTLS). */
  static async connect(config: ClientConfig = parseClientConfig()): Promise<ProvisioningClient> {
    return new ProvisioningClient(await connectClient(config), config);
  }

  /** Org and sandbox of requests that name none. */
  get place(): Place {
    return placeOf(this.config);
  }

  /** Throws InvalidRequestError (naming every bad field) before anything is started. */
  validate(input: unknown): ProvisionRequest {
    return parseProvisionRequest(input, this.place);
  }

  async startProvision(input: unknown): Promise<Started<typeof ProvisionStreamingSource>> {
    return startProvision(this, this.validate(input));
  }

  /** Provisions and waits for the result; throws WorkflowFailedError (see summarizeFailure). */
  async provision(input: unknown): Promise<ProvisionResult> {
    return (await this.startProvision(input)).handle.result();
  }

  /**
   * What provisioning this request would do (read-only, nothing is changed). `changes` is false
   * when the source in AEP already matches the request.
   */
  async plan(input: unknown): Promise<SourcePlan> {
    const req = this.validate(input);
    const summary = `Plan streaming source "${req.name}" in sandbox ${req.sandbox}`;
    return this.readOnly<typeof PlanStreamingSource>('plan', req, [req], summary);
  }

  /** Runs a read-only workflow (plan, resolve) under its own id and waits for its result. */
  readOnly<W extends Workflow>(
    kind: 'plan' | 'resolve',
    key: SourceKey,
    args: Parameters<W>,
    staticSummary: string,
  ): Promise<WorkflowResultType<W>> {
    return this.client.workflow.execute<W>(WorkflowType[kind], {
      taskQueue: this.config.TEMPORAL_TASK_QUEUE,
      workflowId: readOnlyWorkflowId(kind, key, randomUUID()),
      args,
      staticSummary,
    } as unknown as WorkflowStartOptions<W>);
  }

  /** The source's last operation: its progress, result or failure. */
  async status(name: string, sandbox = this.config.AEP_SANDBOX): Promise<SourceStatus> {
    const workflowId = sourceWorkflowId({ ...this.place, sandbox, name });
    const handle = this.client.workflow.getHandle(workflowId);
    const desc = await handle.describe();
    const operation = desc.type === WorkflowType.deprovision ? 'deprovision' : 'provision';
    const execution = desc.status.name;
    const status: SourceStatus = { workflowId, runId: desc.runId, operation, execution };
    if (operation === 'provision') {
      // A run that failed before registering its query handler has no progress to report.
      const progress = await handle.query(progressQuery).catch(() => undefined);
      if (progress) status.progress = progress;
    }
    if (execution === 'COMPLETED') {
      const result: unknown = await handle.result();
      if (operation === 'provision') status.result = result as ProvisionResult;
      else status.teardown = result as DeprovisionResult;
    } else if (execution !== 'RUNNING') {
      await handle.result().catch((err: unknown) => {
        status.failure = summarizeFailure(err);
      });
    }
    return status;
  }

  /** Starts the teardown of a source by name or flow id (src/client/teardown.ts). */
  async startDeprovision(
    input: DeprovisionRequestInput,
    onWait: (message: string) => void = () => undefined,
  ): Promise<Started<typeof DeprovisionStreamingSource>> {
    return startDeprovision(this, parseDeprovisionRequest(input, this.place), onWait);
  }

  async deprovision(input: DeprovisionRequestInput): Promise<DeprovisionResult> {
    return (await this.startDeprovision(input)).handle.result();
  }

  /** Watches a provisioning's progress until it ends; `onStep` sees each newly completed step. */
  async follow(
    handle: WorkflowHandle<typeof ProvisionStreamingSource>,
    onStep: (step: string, progress: ProvisionProgress) => void,
  ): Promise<ProvisionResult> {
    let seen = 0;
    let finished = false;
    const result = handle.result().finally(() => {
      finished = true;
    });
    // Handled at once, so a failure while polling is not reported as unhandled.
    const settled = result.catch(() => undefined);
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
      await Promise.race([settled, new Promise((r) => setTimeout(r, 500))]);
    }
    // A closed workflow still answers queries: report the steps done since the last poll.
    await report();
    return result;
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}

/** A source's status: its last operation's progress, result or failure. */
export interface SourceStatus {
  workflowId: string;
  runId: string;
  operation: 'provision' | 'deprovision';
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, ... */
  execution: string;
  progress?: ProvisionProgress;
  /** The provisioning's result (operation `provision`). */
  result?: ProvisionResult;
  /** The teardown's result (operation `deprovision`). */
  teardown?: DeprovisionResult;
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
  return {
    type: failureTypeOf(top),
    rootType: failureTypeOf(rootOf(top)),
    message: top instanceof Error ? top.message : String(top),
    details: top instanceof ApplicationFailure ? top.details?.[0] : undefined,
  };
}
