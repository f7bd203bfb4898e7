import { z } from 'zod';
import { scheduleReconcile } from '../../client/reconcile';
import { authorize } from '../auth';
import { invalid, issueLines } from '../problems';
import type { RouteModule } from '../server';
import { orgClient } from './source';

/**
 * PUT a sandbox's reconcile schedule: created, or updated to the body (idempotent), as
 * `aep-stream reconcile --every` does. A schedule that repairs provisions sources again, so the
 * route takes a key that may change sources in the sandbox.
 */
export const reconcileScheduleBodySchema = z
  .strictObject({
    every: z
      .string()
      .max(32)
      .meta({ description: 'The interval, a duration such as 15m or 1h (at least 1m)' }),
    repair: z
      .boolean()
      .optional()
      .meta({ description: 'Provision each drifted source again (default false)' }),
    concurrency: z
      .int()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: 'Repairs run at once (default 4)' }),
  })
  .meta({ id: 'ReconcileScheduleBody' });

/** A sandbox's reconcile schedule, as created or updated (client/reconcile.ts, the HTTP API). */
export const reconcileScheduleSchema = z
  .object({
    scheduleId: z.string(),
    sandbox: z.string(),
    everyMs: z.number().int().meta({ description: 'The interval, in milliseconds' }),
    repair: z.boolean(),
    created: z.boolean().meta({ description: 'False when the schedule existed and was updated' }),
    nextRuns: z.array(z.string()).meta({ description: 'Its next runs (ISO 8601)' }),
  })
  .meta({ id: 'ReconcileSchedule' });

export const RECONCILE_SCHEDULE = '/v1/sandboxes/:sandbox/reconcile-schedule';

export const registerReconcileRoutes: RouteModule = (app, client) => {
  app.put(RECONCILE_SCHEDULE, async (request, reply) => {
    const { sandbox } = request.params as { sandbox: string };
    authorize(request, sandbox);
    const body = reconcileScheduleBodySchema.safeParse(request.body);
    if (!body.success) {
      throw invalid(issueLines(body.error.issues));
    }
    const schedule = await scheduleReconcile(orgClient(request, client), {
      sandbox,
      ...body.data,
    }).catch((err: unknown) => {
      throw err instanceof RangeError ? invalid([`every: ${err.message}`]) : err;
    });
    return reply.code(schedule.created ? 201 : 200).send(schedule);
  });
};
