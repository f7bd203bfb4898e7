import { scheduleReconcile } from '../../client/reconcile';
import { authorize } from '../auth';
import { invalid, issueLines } from '../problems';
import { reconcileScheduleBodySchema } from '../schemas';
import type { RouteModule } from '../server';
import { orgClient } from './source';

export const RECONCILE_SCHEDULE = '/v1/sandboxes/:sandbox/reconcile-schedule';

/**
 * PUT a sandbox's reconcile schedule: created, or updated to the body (idempotent), as
 * `aep-stream reconcile --every` does. A schedule that repairs provisions sources again, so the
 * route takes a key that may change sources in the sandbox.
 */
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
