import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { sourceStatusSchema } from './api/schemas';
import { listSources, type ListedSource, type ListOptions } from './client/list';
import { parseClientConfig, servedOrg, type ClientConfig } from './config';
import { connectClient, workflowPollers } from './connection';
import * as ops from './operations';
import type { Door, Started, StartOptions, WaitOptions } from './operations';
import * as request from './request';
import { failureTypeOf, rootOf, type FailureSummary } from './shared/failures';
import type * as model from './shared/model';
import { progressQuery, sourceWorkflowId, WorkflowType } from './shared/names';
import type * as wf from './workflows';

export { CompensationPendingError, RequestConflictError, type Started } from './operations';
export type { FailureSummary } from './shared/failures';
export type { ListedSource } from './client/list';
export { reconcileNow, scheduleReconcile, type ReconcileSchedule } from './client/reconcile';

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

/** A source's last operation (`teardown`: a deprovision's result) and its flow's recent runs. */
export type SourceStatus = Pick<
  z.output<typeof sourceStatusSchema>,
  'workflowId' | 'runId' | 'execution' | 'progress' | 'result' | 'teardown' | 'health'
> & { operation: 'provision' | 'deprovision'; failure?: FailureSummary };

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

  /** By Temporal's conventions (env, temporal.toml profile, API key, mTLS). */
  static async connect(config: ClientConfig = parseClientConfig()): Promise<ProvisioningClient> {
    return new ProvisioningClient(await connectClient(config), config);
  }

  /**
   * The client of org `imsOrg` (default: AEP_ORG_ID's; others: AEP_ORGS_FILE), on its task queue.
   * An org the configuration does not name is an InvalidRequestError: no worker takes its runs.
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

  get taskQueue(): string {
    return this.config.TEMPORAL_TASK_QUEUE;
  }

  /** Org and sandbox of requests that name none. */
  get place(): request.Place {
    return request.placeOf(this.config);
  }

  /** Throws InvalidRequestError (naming every bad field) before anything is started. */
  validate(input: unknown): request.ProvisionRequest {
    const req = request.parseProvisionRequest(input, this.place);
    this.forOrg(req.imsOrg);
    return req;
  }

  /**
   * Starts the provisioning, or attaches to the open run of the same request; another request or
   * a teardown in flight is a RequestConflictError. `opts.signal` ends the wait for what the last
   * run left (a query a worker answers): the run then starts without it.
   */
  async startProvision(
    input: unknown,
    opts: StartOptions = {},
  ): Promise<Started<typeof wf.ProvisionStreamingSource>> {
    const req = this.validate(input);
    const door = this.forOrg(req.imsOrg);
    return ops.startProvisionRun(door, ops.clientLaunch(door), req, opts);
  }

  /** Provisions and waits for the result; throws WorkflowFailedError (see summarizeFailure). */
  async provision(input: unknown): Promise<model.ProvisionResult> {
    return (await this.startProvision(input)).handle.result();
  }

  /**
   * What provisioning would do (read-only): `changes` false when AEP matches the request. After
   * `opts.timeoutMs` (default 30 min): WorkflowFailedError with a TimeoutFailure cause.
   */
  async plan(input: unknown, opts: { timeoutMs?: number } = {}): Promise<model.SourcePlan> {
    const req = this.validate(input);
    return ops.executeReadOnly<typeof wf.PlanStreamingSource>(this.forOrg(req.imsOrg), {
      kind: 'plan',
      key: req,
      args: [req],
      staticSummary: `Plan streaming source "${req.name}" in sandbox ${req.sandbox}`,
      timeoutMs: opts.timeoutMs,
    });
  }

  async status(name: string, sandbox = this.config.AEP_SANDBOX, opts: WaitOptions = {}) {
    const workflowId = sourceWorkflowId({ ...this.place, sandbox, name });
    const handle = this.client.workflow.getHandle(workflowId);
    const desc = await handle.describe();
    const operation = desc.type === WorkflowType.deprovision ? 'deprovision' : 'provision';
    const execution = desc.status.name;
    const status: SourceStatus = { workflowId, runId: desc.runId, operation, execution };
    if (operation === 'provision') {
      // A run that failed before registering its query handler has none.
      const query = () => handle.query(progressQuery);
      const progress = await ops.within(this, opts, query).catch(() => undefined);
      if (progress) status.progress = progress;
    }
    if (execution === 'COMPLETED') {
      const result: unknown = await handle.result();
      if (operation === 'provision') status.result = result as model.ProvisionResult;
      else status.teardown = result as model.DeprovisionResult;
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
   * The flow's recent runs, read by a worker (it holds the AEP credentials). Never throws: without
   * a worker, past the read's two short attempts, or once `opts.signal` aborts, `available: false`.
   */
  private async flowHealth(sandbox: string, name: string, flowId: string, opts: WaitOptions) {
    const unavailable = (reason: string): model.FlowHealth => ({
      flowId,
      available: false,
      reason,
      runs: [],
    });
    if (await this.workerless()) {
      return unavailable(`no worker is polling task queue "${this.taskQueue}" to read them`);
    }
    const read = () =>
      ops.executeReadOnly<typeof wf.ReadFlowHealth>(this, {
        kind: 'health',
        key: { ...this.place, sandbox, name },
        args: [{ sandbox, flowId }],
        staticSummary: `Read the runs of dataflow ${flowId} ("${name}" in sandbox ${sandbox})`,
        timeoutMs: 15_000,
      });
    return ops.within(this, opts, read).catch((err) => unavailable(summarizeFailure(err).message));
  }

  /** No worker polls the task queue (a run would wait); false when Temporal does not answer. */
  async workerless(): Promise<boolean> {
    return (await workflowPollers(this.client, this.taskQueue).catch(() => 1)) === 0;
  }

  /** Every source of the org (in `sandbox`), or the drifted ones: client/list.ts. */
  list(opts: ListOptions = {}): Promise<ListedSource[]> {
    return listSources(this, opts);
  }

  /**
   * Starts the teardown of a source (by name, or by a flow id). An open provisioning of it is
   * cancelled first and awaited while it compensates (`onWait` is told); an open teardown is
   * attached to. When `opts.signal` ends that wait: CompensationPendingError, nothing started.
   */
  async startDeprovision(
    input: request.DeprovisionRequestInput,
    onWait: (message: string) => void = () => undefined,
    opts: StartOptions = {},
  ): Promise<Started<typeof wf.DeprovisionStreamingSource>> {
    const req = request.parseDeprovisionRequest(input, this.place);
    const door = this.forOrg(req.imsOrg);
    return ops.startDeprovisionRun(door, ops.clientLaunch(door), req, { ...opts, onWait });
  }

  async deprovision(input: request.DeprovisionRequestInput): Promise<model.DeprovisionResult> {
    return (await this.startDeprovision(input)).handle.result();
  }

  /** Watches a provisioning's progress until it ends; `onStep` sees each newly completed step. */
  async follow(
    handle: WorkflowHandle<typeof wf.ProvisionStreamingSource>,
    onStep: (step: string, progress: model.ProvisionProgress) => void,
  ): Promise<model.ProvisionResult> {
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
