import { randomUUID } from 'node:crypto';
import { ScheduleAlreadyRunning } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import type { z } from 'zod';
import type { reconcileScheduleSchema } from '../api/schemas';
import type { ProvisioningClient } from '../client';

import {
  reconcileScheduleId,
  reconcileWorkflowId,
  SearchAttributes,
  WorkflowType,
} from '../shared/names';
import { type ReconcileInput, type ReconcileReport } from '../shared/reconcile';
import type { ReconcileSources } from '../workflows';

/** A sandbox's reconcile schedule, as created or updated. */
export type ReconcileSchedule = z.output<typeof reconcileScheduleSchema>;

type ReconcileOptions = Omit<ReconcileInput, 'imsOrg'>;

/** The shortest interval taken: a reconcile reads every source of the sandbox from AEP. */
const MIN_INTERVAL_MS = 60_000;

/**
 * The sandbox's reconcile schedule, created or updated (RangeError unless `every` is a duration of
 * at least a minute). Overlap SKIP: a run due while one goes would plan the same sources again.
 * Catch-up window one interval: a missed run is taken late only if the next is not due sooner.
 */
export async function scheduleReconcile(
  pc: ProvisioningClient,
  opts: ReconcileOptions & { every: string | number },
): Promise<ReconcileSchedule> {
  let everyMs: number;
  try {
    everyMs = msToNumber(opts.every as Parameters<typeof msToNumber>[0]);
  } catch {
    throw new RangeError(`"${opts.every}" is not a duration (e.g. 15m, 1h)`);
  }
  if (!(everyMs >= MIN_INTERVAL_MS)) {
    throw new RangeError(`the interval must be at least ${MIN_INTERVAL_MS / 1000}s`);
  }
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
function runOptions(pc: ProvisioningClient, { sandbox, repair, concurrency }: ReconcileOptions) {
  const { imsOrg } = pc.place;
  const input: ReconcileInput = {
    imsOrg,
    sandbox,
    ...(repair ? { repair: true } : {}),
    ...(concurrency ? { concurrency } : {}),
  };
  return {
    taskQueue: pc.config.TEMPORAL_TASK_QUEUE,
    args: [input] as [ReconcileInput],
    typedSearchAttributes: [
      { key: SearchAttributes.imsOrg, value: imsOrg },
      { key: SearchAttributes.sandbox, value: sandbox },
    ],
    staticSummary: `Reconcile the sources of sandbox ${sandbox}${repair ? ', repairing drift' : ''}`,
  };
}
