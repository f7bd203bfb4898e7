import { randomUUID } from 'node:crypto';
import { ScheduleAlreadyRunning, type WorkflowExecutionInfo } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import type { z } from 'zod';
import type { reconcileScheduleSchema } from '../api/schemas';
import type { ProvisioningClient } from '../client';
import { latestBy, visibilityQuery } from '../operations/visibility';
import {
  reconcileScheduleId,
  reconcileWorkflowId,
  SearchAttributes,
  WorkflowType,
} from '../shared/names';
import { stillDrifted, type ReconcileInput, type ReconcileReport } from '../shared/reconcile';
import type { ReconcileSources } from '../workflows';
import type { ListedSource } from './list';

/** A sandbox's reconcile schedule, as created or updated. */
export type ReconcileSchedule = z.output<typeof reconcileScheduleSchema>;

/** What reconcile runs take: a sandbox, whether to repair, how many repairs at once. */
export type ReconcileOptions = Omit<ReconcileInput, 'imsOrg'>;

/** The last reconcile of a sandbox that found a source drifted, and what it found. */
export interface SourceDrift {
  changes: string[];
  reconcile: { workflowId: string; runId: string; closeTime?: string };
}

/** The shortest interval taken: a reconcile reads every source of the sandbox from AEP. */
export const MIN_RECONCILE_INTERVAL_MS = 60_000;

/**
 * The sandbox's reconcile schedule, created or else updated to these options (idempotent).
 * Overlap SKIP: a run still going when the next is due (repairs waiting for activation, an AEP
 * outage outlasted by its reads) makes that next one be skipped, not queued: it would plan the
 * same sources again. Catch-up window one interval: after a Temporal outage a missed run is taken
 * late only if the next is not due sooner (docs/operating.md#drift).
 */
export async function scheduleReconcile(
  pc: ProvisioningClient,
  opts: ReconcileOptions & { every: string | number },
): Promise<ReconcileSchedule> {
  const everyMs = intervalOf(opts.every);
  const place = { imsOrg: pc.place.imsOrg, sandbox: opts.sandbox };
  const scheduleId = reconcileScheduleId(place);
  const options = {
    spec: { intervals: [{ every: everyMs }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: WorkflowType.reconcile,
      workflowId: reconcileWorkflowId(place, 'scheduled'),
      ...runOptions(pc, opts),
    },
    policies: { overlap: 'SKIP' as const, catchupWindow: everyMs },
  };
  let created = true;
  try {
    await pc.client.schedule.create({ scheduleId, ...options });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    created = false;
    await pc.client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, ...options }));
  }
  const described = await pc.client.schedule.getHandle(scheduleId).describe();
  return {
    scheduleId,
    sandbox: opts.sandbox,
    everyMs,
    repair: opts.repair === true,
    created,
    nextRuns: described.info.nextActionTimes.map((t) => t.toISOString()),
  };
}

/** The interval in milliseconds; RangeError unless a duration (`15m`, ms) of at least a minute. */
function intervalOf(every: string | number): number {
  let ms: number;
  try {
    ms = msToNumber(every as Parameters<typeof msToNumber>[0]);
  } catch {
    throw new RangeError(`"${every}" is not a duration (e.g. 15m, 1h)`);
  }
  if (!(ms >= MIN_RECONCILE_INTERVAL_MS)) {
    throw new RangeError(`the interval must be at least ${MIN_RECONCILE_INTERVAL_MS / 1000}s`);
  }
  return ms;
}

/** A reconcile of the sandbox now, under an id of its own; its report once done. */
export async function reconcileNow(
  pc: ProvisioningClient,
  opts: ReconcileOptions,
): Promise<{ workflowId: string; report: ReconcileReport }> {
  const workflowId = reconcileWorkflowId({ ...pc.place, sandbox: opts.sandbox }, randomUUID());
  const report = await pc.client.workflow.execute<typeof ReconcileSources>(WorkflowType.reconcile, {
    workflowId,
    ...runOptions(pc, opts),
  });
  return { workflowId, report };
}

/** How a reconcile run is started, by the schedule or now. */
function runOptions(pc: ProvisioningClient, opts: ReconcileOptions) {
  const { imsOrg } = pc.place;
  const { sandbox } = opts;
  const input: ReconcileInput = {
    imsOrg,
    sandbox,
    ...(opts.repair ? { repair: true } : {}),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  };
  return {
    taskQueue: pc.config.TEMPORAL_TASK_QUEUE,
    args: [input] as [ReconcileInput],
    typedSearchAttributes: [
      { key: SearchAttributes.imsOrg, value: imsOrg },
      { key: SearchAttributes.sandbox, value: sandbox },
    ],
    staticSummary: `Reconcile the sources of sandbox ${sandbox}${opts.repair ? ', repairing drift' : ''}`,
  };
}

/**
 * `sources`, each one the last completed reconcile of its sandbox found drifted and did not
 * repair with what it found (`drift`); with `only`, those alone. Per sandbox one visibility list
 * of its completed reconciles and one read of the latest one's result, whatever its number of
 * sources. A source operated on since has no `drift`: what that reconcile found no longer says
 * anything about it. A result this client cannot read (encrypted under a key it lacks) leaves its
 * sandbox's sources without `drift`, unless `only`: that fails rather than list nothing drifted.
 */
export async function withDrift(
  pc: ProvisioningClient,
  sources: ListedSource[],
  opts: { sandbox?: string; only?: boolean } = {},
): Promise<ListedSource[]> {
  const last = await lastReconciles(pc, opts.sandbox);
  const drifts = new Map<string, SourceDrift & { runs: Array<string | undefined> }>();
  await Promise.all(
    [...last.values()].map(async (info) => {
      const read = pc.client.workflow
        .getHandle<typeof ReconcileSources>(info.workflowId, info.runId)
        .result();
      const report = await (opts.only ? read : read.catch(() => undefined));
      if (!report) return;
      const reconcile = {
        workflowId: info.workflowId,
        runId: info.runId,
        ...(info.closeTime ? { closeTime: info.closeTime.toISOString() } : {}),
      };
      for (const d of stillDrifted(report)) {
        const runs = [d.runId, d.repair?.runId];
        drifts.set(`${report.sandbox}/${d.name}`, { changes: d.changes, runs, reconcile });
      }
    }),
  );
  const listed = sources.map((s) => {
    const found = drifts.get(`${s.sandbox}/${s.name}`);
    // Its latest run is neither the one planned nor its repair: operated on since.
    if (!found?.runs.includes(s.lastOperation.runId)) return s;
    const { runs: _runs, ...drift } = found;
    return { ...s, drift };
  });
  return opts.only ? listed.filter((s) => s.drift) : listed;
}

/** Per sandbox (of the org, or `sandbox` only), its last completed reconcile run. */
async function lastReconciles(
  pc: ProvisioningClient,
  sandbox?: string,
): Promise<Map<string, WorkflowExecutionInfo>> {
  const query = visibilityQuery({
    types: [WorkflowType.reconcile],
    execution: 'Completed',
    imsOrg: pc.place.imsOrg,
    sandbox,
  });
  return latestBy(
    pc.client.workflow.list({ query }),
    (info) => info.typedSearchAttributes.get(SearchAttributes.sandbox) ?? '',
    (info) => info.closeTime ?? info.startTime,
  );
}
