import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { ProvisioningClient } from '../client';
import { latestBy, runsOf, sourceNameOf, visibilityQuery } from '../operations/visibility';
import type { ProvisionResult } from '../shared/model';
import { SearchAttributes, WorkflowType } from '../shared/names';
import { withDrift, type SourceDrift } from './reconcile';

/** What a source's latest operation left it as. */
export type SourceState =
  | 'provisioning'
  | 'provisioned'
  | 'provision-failed'
  | 'deprovisioning'
  | 'deprovisioned'
  | 'deprovision-failed';

/** One source of `list`: its latest operation (a provisioning or a teardown) and its inlet. */
export interface ListedSource {
  sandbox: string;
  name: string;
  state: SourceState;
  lastOperation: {
    operation: 'provision' | 'deprovision';
    /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, ... */
    execution: string;
    /** AepProvisioningStatus of a provisioning (QUEUED … SUCCEEDED, FAILED). */
    status?: string;
    workflowId: string;
    runId: string;
    startTime: string;
    closeTime?: string;
  };
  /** The inlet URL a completed provisioning returned. */
  inletUrl?: string;
  /** Set when the last reconcile of its sandbox left it drifted: what it found (client/reconcile.ts). */
  drift?: SourceDrift;
}

export interface ListOptions {
  sandbox?: string;
  /** Only the sources the last reconcile of their sandbox left drifted. */
  drifted?: boolean;
}

/**
 * Every source of the client's org (in `sandbox`, or all), from Temporal visibility: per source
 * the latest run of its workflow id, sorted by sandbox and name. The inlet URL is read from the
 * result of a completed provisioning (one call per such source, 8 at a time); the drift from the
 * last completed reconcile of each sandbox (one result read per sandbox).
 */
export async function listSources(
  pc: ProvisioningClient,
  opts: ListOptions = {},
): Promise<ListedSource[]> {
  const query = visibilityQuery({
    types: [WorkflowType.provision, WorkflowType.deprovision],
    imsOrg: pc.place.imsOrg,
    sandbox: opts.sandbox,
  });
  const latest = await latestBy(runsOf(pc.client, query), (info) => info.workflowId);
  const sources = [...latest.values()].map(listed);
  const withInlet = sources.filter((s) => s.state === 'provisioned');
  for (let i = 0; i < withInlet.length; i += 8) {
    await Promise.all(
      withInlet.slice(i, i + 8).map(async (s) => {
        const { workflowId, runId } = s.lastOperation;
        const result = (await pc.client.workflow
          .getHandle(workflowId, runId)
          .result()
          .catch(() => undefined)) as ProvisionResult | undefined;
        if (result?.inletUrl) s.inletUrl = result.inletUrl;
      }),
    );
  }
  sources.sort((a, b) =>
    a.sandbox === b.sandbox ? (a.name < b.name ? -1 : 1) : a.sandbox < b.sandbox ? -1 : 1,
  );
  return withDrift(pc, sources, { sandbox: opts.sandbox, only: opts.drifted === true });
}

function listed(info: WorkflowExecutionInfo): ListedSource {
  const sa = info.typedSearchAttributes;
  const operation = info.type === WorkflowType.deprovision ? 'deprovision' : 'provision';
  const execution = info.status.name;
  const state: SourceState =
    execution === 'RUNNING'
      ? `${operation}ing`
      : execution === 'COMPLETED'
        ? `${operation}ed`
        : `${operation}-failed`;
  const status = sa.get(SearchAttributes.status);
  return {
    sandbox: sa.get(SearchAttributes.sandbox) ?? '',
    name: sourceNameOf(info),
    state,
    lastOperation: {
      operation,
      execution,
      ...(operation === 'provision' && status !== undefined ? { status } : {}),
      workflowId: info.workflowId,
      runId: info.runId,
      startTime: info.startTime.toISOString(),
      ...(info.closeTime ? { closeTime: info.closeTime.toISOString() } : {}),
    },
  };
}
