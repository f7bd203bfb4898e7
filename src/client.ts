import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { sourceStatusSchema } from './api/schemas';
import { parseClientConfig, servedOrg, type ClientConfig } from './config';
import { connectClient, workflowPollers } from './connection';
import {
  parseDeprovisionRequest,
  parseProvisionRequest,
  type DeprovisionRequestInput,
  placeOf,
  type Place,
  type ProvisionRequest,
} from './request';
import { progressQuery, sourceWorkflowId, WorkflowType } from './shared/names';
import { failureTypeOf, rootOf, type FailureSummary } from './shared/failures';
import type {
  DeprovisionResult,
  FlowHealth,
  ProvisionProgress,
  ProvisionResult,
  SourcePlan,
} from './shared/model';
import type {
  DeprovisionStreamingSource,
  PlanStreamingSource,
  ProvisionStreamingSource,
  ReadFlowHealth,
} from './workflows';
import {
  clientLaunch,
  executeReadOnly,
  startDeprovisionRun,
  startProvisionRun,
  within,
  type Door,
  type Started,
  type StartOptions,
  type WaitOptions,
} from './operations';
import { listSources, type ListedSource, type ListOptions } from './client/list';

export { CompensationPendingError, RequestConflictError, type Started } from './operations';
export type { FailureSummary } from './shared/failures';
export type { ListedSource } from './client/list';
export { reconcileNow, scheduleReconcile, type ReconcileSchedule } from './client/reconcile';

const noop = () => undefined;

/**
 * How long a status waits for the flow's runs: past the read's two short attempts
 * (workflows/reads.ts); then they are shown unavailable and the status answers anyway.
 */
const HEALTH_TIMEOUT_MS = 15_000;

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

/**
 * The library provisioning systems call (docs/reference.md). Requests are validated before
 * anything starts, so bad input costs no workflow and no AEP call. Every operation that changes a
 * source runs under the source's one workflow id (`aep-stream/<org>/<sandbox>/<name>`), so at most
 * one is in flight; plans are read-only and run under their own ids.
 */
export class ProvisioningClient implements Door {
  constructor(
    readonly client: Client,
    readonly config: ClientConfig,
    /** The client of the deployment's own org (AEP_ORG_ID) when this one is for another org. */
    private readonly home?: ProvisioningClient,
  ) {}

  /**
   * The client of org `imsOrg` (default: AEP_ORG_ID's) in a deployment serving several
   * (AEP_ORGS_FILE): its requests, reads and runs are that org's, on that org's task queue. An
   * org the configuration does not name is an InvalidRequestError: no worker would take its runs.
   */
  forOrg(imsOrg?: string): ProvisioningClient {
    const home = this.home ?? this;
    const org = servedOrg(home.config, imsOrg);
    if (org.imsOrg === this.config.AEP_ORG_ID) return this;
    if (!org.entry) return home;
    const config = {
      ...home.config,
      AEP_ORG_ID: org.imsOrg,
      AEP_SANDBOX: org.sandbox,
      TEMPORAL_TASK_QUEUE: org.taskQueue,
    };
    return new ProvisioningClient(this.client, config, home);
  }

  /** The task queue runs are started on. */
  get taskQueue(): string {
    return this.config.TEMPORAL_TASK_QUEUE;
  }

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
    const req = parseProvisionRequest(input, this.place);
    this.forOrg(req.imsOrg);
    return req;
  }

  /**
   * Starts the provisioning of a request, or attaches to the open run of the same request; a
   * different request in flight, or a teardown, is a RequestConflictError. `opts.signal` ends the
   * wait for what the last run left (a query a worker answers): the run then starts without it;
   * `opts.apiKeyId` is recorded on a run it starts.
   */
  async startProvision(
    input: unknown,
    opts: StartOptions = {},
  ): Promise<Started<typeof ProvisionStreamingSource>> {
    const req = this.validate(input);
    const door = this.forOrg(req.imsOrg);
    return startProvisionRun(door, clientLaunch(door), req, opts);
  }

  /** Provisions and waits for the result; throws WorkflowFailedError (see summarizeFailure). */
  async provision(input: unknown): Promise<ProvisionResult> {
    return (await this.startProvision(input)).handle.result();
  }

  /**
   * What provisioning this request would do (read-only, nothing is changed). `changes` is false
   * when the source in AEP already matches the request. The run times out after `opts.timeoutMs`
   * (default READ_ONLY_TIMEOUT_MS): WorkflowFailedError with a TimeoutFailure cause.
   */
  async plan(input: unknown, opts: { timeoutMs?: number } = {}): Promise<SourcePlan> {
    const req = this.validate(input);
    return executeReadOnly<typeof PlanStreamingSource>(this.forOrg(req.imsOrg), {
      kind: 'plan',
      key: req,
      args: [req],
      staticSummary: `Plan streaming source "${req.name}" in sandbox ${req.sandbox}`,
      timeoutMs: opts.timeoutMs,
    });
  }

  /**
   * The source's last operation: its progress (unless `opts` ends the query), result or failure;
   * and, once a provisioning has a flow, the flow's recent runs (`health`, see flowHealth).
   */
  async status(name: string, sandbox = this.config.AEP_SANDBOX, opts: WaitOptions = {}) {
    const workflowId = sourceWorkflowId({ ...this.place, sandbox, name });
    const handle = this.client.workflow.getHandle(workflowId);
    const desc = await handle.describe();
    const operation = desc.type === WorkflowType.deprovision ? 'deprovision' : 'provision';
    const execution = desc.status.name;
    const status: SourceStatus = { workflowId, runId: desc.runId, operation, execution };
    if (operation === 'provision') {
      // A run that failed before registering its query handler has no progress to report.
      const progress = await within(this, opts, () => handle.query(progressQuery)).catch(noop);
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
    const flowId = status.result?.flowId ?? status.progress?.resources.flow?.id;
    if (operation === 'provision' && flowId)
      status.health = await this.flowHealth(sandbox, name, flowId, opts);
    return status;
  }

  /**
   * The flow's recent runs from Flow Service, read by a worker (it holds the AEP credentials) in a
   * read-only run of its own. Never throws: without a worker, or when AEP does not answer within
   * HEALTH_TIMEOUT_MS (or `opts.signal` ends the wait), `available: false` and the reason.
   */
  private async flowHealth(sandbox: string, name: string, flowId: string, opts: WaitOptions) {
    const unavailable = (reason: string): FlowHealth => ({
      flowId,
      available: false,
      reason,
      runs: [],
    });
    if (await this.workerless()) {
      return unavailable(`no worker is polling task queue "${this.taskQueue}" to read them`);
    }
    const read = () =>
      executeReadOnly<typeof ReadFlowHealth>(this, {
        kind: 'health',
        key: { ...this.place, sandbox, name },
        args: [{ sandbox, flowId }],
        staticSummary: `Read the runs of dataflow ${flowId} ("${name}" in sandbox ${sandbox})`,
        timeoutMs: HEALTH_TIMEOUT_MS,
      });
    return within(this, opts, read).catch((err) => unavailable(summarizeFailure(err).message));
  }

  /** No worker polls the task queue: a run started now waits. False when Temporal does not answer. */
  async workerless(): Promise<boolean> {
    return (await workflowPollers(this.client, this.taskQueue).catch(() => 1)) === 0;
  }

  /** Every source of the org (in `sandbox`), or the drifted ones: client/list.ts. */
  list(opts: ListOptions = {}): Promise<ListedSource[]> {
    return listSources(this, opts);
  }

  /**
   * Starts the teardown of a source (by name, or by the flow id of one of its dataflows). A
   * provisioning of it still open is cancelled first (it compensates what it created) and
   * awaited; `onWait` is told. A teardown already running is attached to. When `opts.signal`
   * ends the wait for the compensation first: CompensationPendingError, nothing started.
   * `opts.apiKeyId` is recorded on a run it starts.
   */
  async startDeprovision(
    input: DeprovisionRequestInput,
    onWait: (message: string) => void = () => undefined,
    opts: StartOptions = {},
  ): Promise<Started<typeof DeprovisionStreamingSource>> {
    const req = parseDeprovisionRequest(input, this.place);
    const door = this.forOrg(req.imsOrg);
    return startDeprovisionRun(door, clientLaunch(door), req, { ...opts, onWait });
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

/**
 * A source's status: its last operation's progress, result (`teardown` for a deprovision) or
 * failure, and its flow's recent runs; the API's document (GET …/sources/{name}) adds its place,
 * its status and links.
 */
export type SourceStatus = Pick<
  z.output<typeof sourceStatusSchema>,
  'workflowId' | 'runId' | 'execution' | 'progress' | 'result' | 'teardown' | 'health'
> & { operation: 'provision' | 'deprovision'; failure?: FailureSummary };
