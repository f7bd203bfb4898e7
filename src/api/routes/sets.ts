import type { FastifyRequest } from 'fastify';
import { summarizeFailure, type ProvisioningClient } from '../../client';
import { scheduleReconcile } from '../../client/reconcile';
import { applyAndPrune, planPrune, prunePlanOf, PruneRefusedError } from '../../client/sets';
import { applySetId, InvalidRequestError, sandboxName } from '../../request';
import type { ProvisionResult } from '../../shared/model';
import { authorize, openOperationsCap } from '../auth';
import { ApiProblem, invalid, issueLines } from '../problems';
import { orgClient, preferredWait, requestBounds } from './source';
import { reconcileScheduleBodySchema, setBodySchema } from '../schemas';
import type { RouteModule } from '../server';

/**
 * An apply set: PUT provisions every source of the body, waits for all within `Prefer: wait`,
 * then prunes the set's sources it does not name; not all done in time: 202, nothing pruned (PUT
 * again attaches to the open runs). POST …/plan says what that PUT would do.
 */

const SET = '/v1/sandboxes/:sandbox/sets/:set';

export const registerSetRoutes: RouteModule = (app, client, config) => {
  const underCap = openOperationsCap(client, config);
  const { left, bounded } = requestBounds(config);

  app.put(SET, async (request, reply) => {
    const { pc, key, body, inputs } = setRequest(client, request);
    await underCap(request);
    const opts = bounded(reply);
    const wait = preferredWait(request.headers.prefer, config.API_MAX_WAIT_SECONDS);
    const startAndWait = async () => {
      const started: Array<Awaited<ReturnType<ProvisioningClient['startProvision']>>> = [];
      for (const input of inputs) started.push(await pc.startProvision(input, opts));
      const within = AbortSignal.timeout(left(reply, wait));
      const settled = await Promise.all(
        started.map((s) =>
          s.handle.client
            .withAbortSignal(within, () => s.handle.result())
            .then((result: ProvisionResult) => ({ result }))
            .catch((err: unknown) =>
              within.aborted ? undefined : { failure: summarizeFailure(err) },
            ),
        ),
      );
      if (wait > 0) void reply.header('preference-applied', `wait=${wait}`);
      return settled.map((s, i) => ({
        name: inputs[i]!.name,
        workflowId: started[i]!.workflowId,
        runId: started[i]!.runId,
        ...(s === undefined ? { status: 'RUNNING' } : s),
      }));
    };
    const set = { ...key, ...opts, force: body.force, deleteDataset: body.deleteDataset };
    const done = await applyAndPrune(pc, set, startAndWait).catch((err: unknown) => {
      if (!(err instanceof PruneRefusedError)) throw err;
      throw new ApiProblem(409, 'PruneRefused', 'The prune exceeds the guard', err.message);
    });
    const { applied, pruned, notRun } = done;
    if (notRun === undefined) return reply.code(200).send({ applied, pruned });
    const prune = `not run: ${notRun}`;
    return reply.code(done.failed > 0 ? 502 : 202).send({ applied, pruned, prune });
  });

  app.post(`${SET}/plan`, { config: { budget: 'plans' } }, async (request) => {
    const { pc, key, body, inputs } = setRequest(client, request);
    const plans = [];
    for (const input of inputs) plans.push(await pc.plan(input));
    const plan = await planPrune(pc, { ...key, force: body.force, graphs: true });
    const deletes = plan.prune.map((p) => prunePlanOf(plan, p, body.deleteDataset === true));
    return {
      sources: [...plans, ...deletes],
      prune: {
        size: plan.size,
        limit: plan.limit,
        count: plan.prune.length,
        refused: plan.refused,
      },
    };
  });
};

/** The path and the body checked (every problem at once), each source's request completed. */
function setRequest(client: ProvisioningClient, request: FastifyRequest) {
  const { sandbox, set } = request.params as { sandbox: string; set: string };
  authorize(request, sandbox);
  const pc = orgClient(request, client);
  const problems = [sandboxName.safeParse(sandbox), applySetId.safeParse(set)].flatMap(
    (r) => r.error?.issues.map((i) => i.message) ?? [],
  );
  const parsed = setBodySchema.safeParse(request.body);
  if (!parsed.success) {
    const fields = parsed.error.issues.filter((i) => i.path[0] !== 'sources' || i.path.length < 3);
    problems.push(...issueLines(fields));
  }
  const body = (parsed.success ? parsed.data : {}) as { deleteDataset?: boolean; force?: boolean };
  const sources = ((request.body as { sources?: unknown[] } | null)?.sources ?? []) as Array<
    Record<string, unknown>
  >;
  const seen = new Set<string>();
  const inputs = sources.map((given, i) => {
    const at = `sources[${i}]`;
    for (const [k, v] of Object.entries({ sandbox, applySet: set })) {
      if (given?.[k] !== undefined && given[k] !== v)
        problems.push(`${at}.${k}: the body names ${JSON.stringify(given[k])}, the path ${v}`);
    }
    // A bad set is said once, not again for each source.
    const input = { ...given, sandbox, ...(problems.length === 0 ? { applySet: set } : {}) };
    try {
      const req = pc.validate(input);
      if (req.imsOrg !== pc.place.imsOrg) {
        problems.push(`${at}.imsOrg: a set is of one org, x-aep-org's (${pc.place.imsOrg})`);
      }
      if (seen.has(req.name)) problems.push(`${at}: source ${req.name} is named twice`);
      seen.add(req.name);
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      problems.push(...err.problems.map((p) => `${at}: ${p}`));
    }
    return input as typeof input & { name: string };
  });
  if (problems.length > 0) throw invalid(problems);
  return { pc, key: { sandbox, applySet: set, keep: inputs.map((i) => i.name) }, body, inputs };
}

/**
 * PUT a sandbox's reconcile schedule: created, or updated to the body, as `aep-stream reconcile
 * --every` does. A schedule that repairs provisions sources again: the key must be one for changes.
 */
export const registerReconcileRoutes: RouteModule = (app, client) => {
  app.put('/v1/sandboxes/:sandbox/reconcile-schedule', async (request, reply) => {
    const { sandbox } = request.params as { sandbox: string };
    authorize(request, sandbox);
    const body = reconcileScheduleBodySchema.safeParse(request.body);
    if (!body.success) throw invalid(issueLines(body.error.issues));
    const pc = orgClient(request, client);
    const schedule = await scheduleReconcile(pc, { sandbox, ...body.data }).catch((err) => {
      throw err instanceof RangeError ? invalid([`every: ${err.message}`]) : err;
    });
    return reply.code(schedule.created ? 201 : 200).send(schedule);
  });
};
