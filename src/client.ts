import { randomUUID } from 'node:crypto';
import {
  type Client,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  type Workflow,
} from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { parseClientConfig, type ClientConfig } from './config';
import { connectClient } from './connection';
import {
  parseDeprovisionRequest,
  parseProvisionRequest,
  type DeprovisionRequestInput,
  type ProvisionRequest,
} from './request';
import { failureTypeOf, rootOf } from './shared/failures';
import {
  FailureType,
  progressQuery,
  readOnlyWorkflowId,
  REQUEST_MEMO,
  SearchAttributes,
  sourceWorkflowId,
  WorkflowType,
} from './shared/names';
import type { SourcePlan } from './shared/plan';
import type { DeprovisionResult, ProvisionProgress, ProvisionResult } from './shared/results';
import type {
  DeprovisionStreamingSource,
  PlanStreamingSource,
  ProvisionStreamingSource,
  ResolveStreamingSource,
} from './workflows';

/**
 * The library provisioning systems call. Requests are validated here, before anything starts, so
 * bad input costs no workflow and no AEP call. Every operation that changes a source runs under
 * the source's one workflow id (`aep-stream/<sandbox>/<name>`), so at most one is in flight:
 * - provisioning the same request again while it runs attaches to the open run; a different
 *   request is refused with RequestConflictError (never attached to); after a finished run a new
 *   run plans against AEP and applies only what differs;
 * - a teardown of a source whose provisioning is open cancels it (it compensates), waits for it
 *   to close, then tears down; by flow id, it first resolves the source the flow belongs to;
 * - plans are read-only and run under their own ids.
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
  /** The source's last operation. */
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

/**
 * Another operation on the source is in flight with a different request, or a teardown is:
 * nothing was started or attached to. `fields` names what differs from the open run's request.
 */
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
    const workflowId = sourceWorkflowId(req.sandbox, req.name);
    for (let tries = 0; tries < 5; tries++) {
      const started = await this.tryStart<typeof ProvisionStreamingSource>(
        WorkflowType.provision,
        workflowId,
        [req],
        {
          memo: { [REQUEST_MEMO]: req },
          typedSearchAttributes: [
            { key: SearchAttributes.sandbox, value: req.sandbox },
            { key: SearchAttributes.sourceName, value: req.name },
            { key: SearchAttributes.status, value: 'QUEUED' },
          ],
          staticSummary: `Provision HTTP API streaming source "${req.name}" in sandbox ${req.sandbox}`,
          staticDetails: describeRequest(req),
        },
      );
      if (started) return started;
      const open = await this.openRun(workflowId);
      if (!open) continue; // it closed meanwhile: start again
      if (open.type !== WorkflowType.provision) {
        throw new RequestConflictError(
          `A teardown of "${req.name}" is in progress (run ${open.runId}); provision again once it has finished`,
          workflowId,
          open.runId,
          [],
        );
      }
      const fields = await this.requestDifferences(workflowId, open.runId, open.memo, req);
      if (fields.length > 0) {
        throw new RequestConflictError(
          `A provisioning of "${req.name}" with a different request is in progress (run ${open.runId}); differing: ${fields.join(', ')}. Wait for it to finish, or cancel it, then provision again`,
          workflowId,
          open.runId,
          fields,
        );
      }
      const handle = this.client.workflow.getHandle<typeof ProvisionStreamingSource>(
        workflowId,
        open.runId,
      );
      return { workflowId, runId: open.runId, started: false, handle };
    }
    throw new Error(`Could not start or attach to ${workflowId}: runs keep starting and closing`);
  }

  /** Provisions and waits for the result; throws WorkflowFailedError (see summarizeFailure). */
  async provision(input: unknown): Promise<ProvisionResult> {
    const { handle } = await this.startProvision(input);
    return handle.result();
  }

  /**
   * What provisioning this request would do (read-only, nothing is changed). `changes` is false
   * when the source in AEP already matches the request.
   */
  async plan(input: unknown): Promise<SourcePlan> {
    const req = this.validate(input);
    return this.client.workflow.execute<typeof PlanStreamingSource>(WorkflowType.plan, {
      taskQueue: this.config.TEMPORAL_TASK_QUEUE,
      workflowId: readOnlyWorkflowId('plan', req.sandbox, req.name, randomUUID()),
      args: [req],
      staticSummary: `Plan streaming source "${req.name}" in sandbox ${req.sandbox}`,
    });
  }

  /** The source's last operation: its progress, result or failure. */
  async status(name: string, sandbox = this.config.AEP_SANDBOX): Promise<SourceStatus> {
    const workflowId = sourceWorkflowId(sandbox, name);
    const handle = this.client.workflow.getHandle(workflowId);
    const desc = await handle.describe();
    const operation = desc.type === WorkflowType.deprovision ? 'deprovision' : 'provision';
    const status: SourceStatus = {
      workflowId,
      runId: desc.runId,
      operation,
      execution: desc.status.name,
    };
    if (operation === 'provision') {
      try {
        status.progress = await handle.query(progressQuery);
      } catch {
        // A run that failed before registering its query handler has no progress to report.
      }
    }
    if (desc.status.name === 'COMPLETED') {
      const result: unknown = await handle.result();
      if (operation === 'provision') status.result = result as ProvisionResult;
      else status.teardown = result as DeprovisionResult;
    } else if (desc.status.name !== 'RUNNING') {
      try {
        await handle.result();
      } catch (err) {
        status.failure = summarizeFailure(err);
      }
    }
    return status;
  }

  /**
   * Starts the teardown of a source (by name, or by the flow id of one of its dataflows). A
   * provisioning of it still open is cancelled first (it compensates what it created) and
   * awaited; `onWait` is told. A teardown already running is attached to.
   */
  async startDeprovision(
    input: DeprovisionRequestInput,
    onWait: (message: string) => void = () => undefined,
  ): Promise<Started<typeof DeprovisionStreamingSource>> {
    const req = parseDeprovisionRequest(input, this.config.AEP_SANDBOX);
    const name = req.name ?? (await this.resolveFlow(req.sandbox, req.flowId!));
    const workflowId = sourceWorkflowId(req.sandbox, name);
    let cancelled = req.ifExists === true;
    for (let tries = 0; tries < 10; tries++) {
      const started = await this.tryStart<typeof DeprovisionStreamingSource>(
        WorkflowType.deprovision,
        workflowId,
        [{ sandbox: req.sandbox, name, ...(cancelled ? { ifExists: true } : {}) }],
        {
          typedSearchAttributes: [
            { key: SearchAttributes.sandbox, value: req.sandbox },
            { key: SearchAttributes.sourceName, value: name },
            { key: SearchAttributes.status, value: 'QUEUED' },
          ],
          staticSummary: `Tear down streaming source "${name}" in sandbox ${req.sandbox}`,
        },
      );
      if (started) return started;
      const open = await this.openRun(workflowId);
      if (!open) continue;
      const handle = this.client.workflow.getHandle(workflowId, open.runId);
      if (open.type === WorkflowType.deprovision) {
        return {
          workflowId,
          runId: open.runId,
          started: false,
          handle: handle as WorkflowHandle<typeof DeprovisionStreamingSource>,
        };
      }
      onWait(
        `cancelling the open provisioning (run ${open.runId}); it compensates, then the teardown starts`,
      );
      await handle.cancel();
      await handle.result().catch(() => undefined);
      cancelled = true;
    }
    throw new Error(
      `Could not start the teardown of ${workflowId}: operations keep starting on it`,
    );
  }

  async deprovision(input: DeprovisionRequestInput): Promise<DeprovisionResult> {
    const { handle } = await this.startDeprovision(input);
    return handle.result();
  }

  /** The source name of a dataflow this project created (SourceNotFound otherwise). */
  private async resolveFlow(sandbox: string, flowId: string): Promise<string> {
    const resolved = await this.client.workflow.execute<typeof ResolveStreamingSource>(
      WorkflowType.resolve,
      {
        taskQueue: this.config.TEMPORAL_TASK_QUEUE,
        workflowId: readOnlyWorkflowId('resolve', sandbox, flowId, randomUUID()),
        args: [{ sandbox, flowId }],
        staticSummary: `Find the source of dataflow ${flowId} in sandbox ${sandbox}`,
      },
    );
    return resolved.name;
  }

  /**
   * Starts `workflowId` unless a run of it is open (then undefined): FAIL on an open run, so the
   * caller decides between attaching and refusing; after a closed run a new one starts.
   */
  private async tryStart<W extends Workflow>(
    workflowType: string,
    workflowId: string,
    args: Parameters<W>,
    options: Pick<
      WorkflowStartOptions<W>,
      'typedSearchAttributes' | 'staticSummary' | 'staticDetails' | 'memo'
    >,
  ): Promise<Started<W> | undefined> {
    try {
      const handle = await this.client.workflow.start<W>(workflowType, {
        taskQueue: this.config.TEMPORAL_TASK_QUEUE,
        workflowId,
        args,
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        ...options,
      } as unknown as WorkflowStartOptions<W>);
      return { workflowId, runId: handle.firstExecutionRunId, started: true, handle };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
      throw err;
    }
  }

  /** The open run of `workflowId`, if any. */
  private async openRun(
    workflowId: string,
  ): Promise<{ runId: string; type: string; memo?: Record<string, unknown> } | undefined> {
    try {
      const desc = await this.client.workflow.getHandle(workflowId).describe();
      if (desc.status.name !== 'RUNNING') return undefined;
      return { runId: desc.runId, type: desc.type, memo: desc.memo };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * The fields in which `req` differs from the request the open run was started with: read from
   * its memo, or (a run started by another client, e.g. `temporal workflow start`) from the
   * input of its first history event.
   */
  private async requestDifferences(
    workflowId: string,
    runId: string,
    memo: Record<string, unknown> | undefined,
    req: ProvisionRequest,
  ): Promise<string[]> {
    let open: unknown = memo?.[REQUEST_MEMO];
    if (open === undefined) {
      const history = await this.client.workflow.getHandle(workflowId, runId).fetchHistory();
      const payloads =
        history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
      // Through the client's data converter: decrypted when payload keys are configured.
      open = payloads?.length
        ? await decodeFromPayloadsAtIndex(this.client.options.loadedDataConverter, 0, payloads)
        : undefined;
    }
    let openReq: ProvisionRequest;
    try {
      openReq = this.validate(open);
    } catch {
      return ["(the open run's request could not be read)"];
    }
    return differingFields(openReq, req);
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

function describeRequest(req: ProvisionRequest): string {
  return [
    `**Source** ${req.name} (${req.dataType}${req.authentication?.required ? ', authenticated inlet' : ''})`,
    `**Sandbox** ${req.sandbox}`,
    `**Schema** ${req.target.schemaId}`,
    `**Dataset** ${req.target.datasetId ?? `new: ${req.target.dataset?.name}`}`,
    `**Mapping** ${req.mappings ? `${req.mappings.length} field(s)` : 'none'}`,
    `**Smoke test** ${req.smokeTest ? `after ${req.smokeTest.activationWaitSeconds}s` : 'no'}`,
  ]
    .map((line) => `- ${line}`)
    .join('\n');
}

/** Dotted paths whose values differ between two requests (arrays compared whole). */
export function differingFields(a: unknown, b: unknown, path = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingFields(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path || '(request)'];
}
