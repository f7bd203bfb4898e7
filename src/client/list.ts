import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { ProvisioningClient } from '../client';
import { latestBy, runsOf, sourceNameOf, visibilityQuery } from '../operations/visibility';
import type { ProvisionResult } from '../shared/model';
import { SearchAttributes, WorkflowType } from '../shared/names';
import { stillDrifted } from '../shared/reconcile';
import type { ReconcileSources } from '../workflows';

export type ListOptions = { sandbox?: string; drifted?: boolean };

/** One source of `list`: its latest operation, inlet URL and drift. */
export type ListedSource = ReturnType<typeof listed> & { inletUrl?: string; drift?: SourceDrift };

/** The last reconcile of a sandbox that found a source drifted, and what it found. */
export interface SourceDrift {
  changes: string[];
  reconcile: { workflowId: string; runId: string; closeTime?: string };
}

/**
 * Every source of the org (in `sandbox`): the latest run of each workflow id, by sandbox and name.
 * `drift`: what the last reconcile of its sandbox found and did not repair, unless the source was
 * operated on since; `drifted`: those alone. A report this client cannot read (encrypted under a
 * key it lacks) leaves `drift` out, unless `drifted`: that fails rather than list none.
 */
export async function listSources(
  pc: ProvisioningClient,
  opts: ListOptions,
): Promise<ListedSource[]> {
  const { imsOrg } = pc.place;
  const { sandbox, drifted } = opts;
  const types = [WorkflowType.provision, WorkflowType.deprovision];
  const runs = runsOf(pc.client, visibilityQuery({ types, imsOrg, sandbox }));
  const latest = await latestBy(runs, (info) => info.workflowId);
  const sources: ListedSource[] = [...latest.values()].map(listed);
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
  const query = visibilityQuery({
    types: [WorkflowType.reconcile],
    execution: 'Completed',
    imsOrg,
    sandbox,
  });
  const last = await latestBy(
    pc.client.workflow.list({ query }),
    (info) => info.typedSearchAttributes.get(SearchAttributes.sandbox) ?? '',
    (info) => info.closeTime ?? info.startTime,
  );
  const drifts = new Map<string, SourceDrift & { runs: Array<string | undefined> }>();
  await Promise.all(
    [...last.values()].map(async ({ workflowId, runId, closeTime }) => {
      const read = pc.client.workflow
        .getHandle<typeof ReconcileSources>(workflowId, runId)
        .result();
      const report = await (drifted ? read : read.catch(() => undefined));
      if (!report) return;
      const reconcile = {
        workflowId,
        runId,
        ...(closeTime ? { closeTime: closeTime.toISOString() } : {}),
      };
      for (const d of stillDrifted(report)) {
        const runs = [d.runId, d.repair?.runId];
        drifts.set(`${report.sandbox}/${d.name}`, { changes: d.changes, runs, reconcile });
      }
    }),
  );
  const all = sources.map((s) => {
    const found = drifts.get(`${s.sandbox}/${s.name}`);
    // Its latest run is neither the one planned nor its repair: operated on since.
    if (!found?.runs.includes(s.lastOperation.runId)) return s;
    const { runs: _runs, ...drift } = found;
    return { ...s, drift };
  });
  return drifted ? all.filter((s) => s.drift) : all;
}

/** A source's latest run as visibility lists it (GET /v1/sources too). */
export function listed(info: WorkflowExecutionInfo) {
  const sa = info.typedSearchAttributes;
  const operation = info.type === WorkflowType.deprovision ? 'deprovision' : 'provision';
  const execution = info.status.name;
  const status = sa.get(SearchAttributes.status);
  const ending = execution === 'RUNNING' ? 'ing' : execution === 'COMPLETED' ? 'ed' : '-failed';
  return {
    sandbox: sa.get(SearchAttributes.sandbox) ?? '',
    name: sourceNameOf(info),
    state: `${operation}${ending}` as const,
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
