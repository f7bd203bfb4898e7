import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle, WorkflowStartOptions } from '@temporalio/client';
import type { Workflow, WorkflowResultType } from '@temporalio/common';
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
import type {
  DeprovisionStreamingSource,
  PlanStreamingSource,
  ProvisionStreamingSource,
} from './workflows';
import { startProvision } from './client/provision';
import { readStatus, type SourceStatus } from './client/reads';
import type { Started } from './client/runs';
import { startDeprovision } from './client/teardown';

export { differingFields, RequestConflictError } from './client/provision';
export { summarizeFailure, type FailureSummary, type SourceStatus } from './client/reads';
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
    return readStatus(this.client, sourceWorkflowId({ ...this.place, sandbox, name }));
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
        new Promise((r) => setTimeout(r, 500)),
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
