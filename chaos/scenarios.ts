import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { summarizeFailure } from '../src/client';
import type { FaultRule, StoredResource } from '../emulator/control';
import { InvalidRequestError } from '../src/request';
import { progressQuery, WorkflowType } from '../src/shared/names';
import type { ProvisionStreamingSource } from '../src/workflows';
import { malformedRequests } from '../test/fixtures/malformed-requests';
import type { Outcome, ResourceAudit, SourceOutcome } from './audit';
import { transientFaultRules } from './faults';
import type { ChaosOptions } from './options';
import type { Rng } from './rng';
import { sourceSpec, sources, VARIANTS, type SourceSpec } from './sources';
import { firstLine, type ChaosStack } from './stack';

/**
 * The scenario drivers. Every source is provisioned through the product's client library
 * (`ProvisioningClient.startProvision`: validation, idempotent start), and its outcome is read
 * from Temporal (`handle.result()`), retrying only the driver's own calls while the server is
 * down. Every loop is bounded by a count and by the run's deadline.
 */

export interface Ctx {
  stack: ChaosStack;
  opts: ChaosOptions;
  rng: Rng;
  deadline: number;
  log: (line: string) => void;
  /** Every workflow execution the driver started (audited for secrets with the listed ones). */
  executions: Array<{ workflowId: string; runId?: string }>;
  progress: Progress;
  /** Faults fired by rules that were cleared since (permanent steps). */
  faultsFiredBefore: number;
  /**
   * Aborted when the scenario is over, before the stack closes: a Temporal call still waiting
   * then (a result past the deadline) must not retry on a closed channel, which throws from a
   * timer and ends the process.
   */
  abort: AbortSignal;
}

export interface Progress {
  requested: number;
  started: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  unfinished: number;
}

export interface ScenarioResult {
  outcomes: SourceOutcome[];
  /** Scenario-specific figures, merged into the report. */
  figures: Record<string, unknown>;
  /** Scenario-specific expectations that did not hold. */
  problems: string[];
  /** A workflow whose input carries the client secret on purpose (--self-check). */
  plantedWorkflowId?: string;
  /**
   * The scenario's own resource audit (lifecycle: against each source's desired state); its
   * extra numeric fields join the report. Default: auditResources over `outcomes`.
   */
  audit?: (resources: StoredResource[]) => ResourceAudit;
  /**
   * Report fields printed as the plain summary line (`name: value, …`): the last line of the
   * human report; with `--json`, on stderr (the JSON stays the last line of stdout).
   */
  summaryFields?: string[];
}

type Handle = WorkflowHandle<typeof ProvisionStreamingSource>;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retries a driver call (start, cancel) through server outages; bounded in attempts and time. */
async function retrying<T>(ctx: Ctx, what: string, fn: () => Promise<T>): Promise<T | undefined> {
  let delay = 250;
  for (let attempt = 1; attempt <= 120; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof InvalidRequestError) throw err;
      if (Date.now() + delay > ctx.deadline) return undefined;
      if (attempt === 1 || attempt % 10 === 0)
        ctx.log(`${what}: ${firstLine(err)} (attempt ${attempt}, retrying)`);
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }
  return undefined;
}

/** The workflow's outcome, waiting through server restarts, until the run's deadline. */
async function awaitOutcome(ctx: Ctx, handle: Handle): Promise<Outcome> {
  for (let attempt = 1; attempt <= 10_000; attempt++) {
    const left = ctx.deadline - Date.now();
    if (left <= 0) return { state: 'unfinished' };
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<'timeout'>((r) => {
        timer = setTimeout(() => r('timeout'), left);
      });
      const result = await Promise.race([
        ctx.stack.client.client.withAbortSignal(ctx.abort, () => handle.result()),
        timeout,
      ]);
      if (result === 'timeout') return { state: 'unfinished' };
      return { state: 'succeeded', result };
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        const s = summarizeFailure(err);
        if (s.type === 'Cancelled') return { state: 'cancelled' };
        return {
          state: 'failed',
          type: s.type,
          rootType: s.rootType,
          message: s.message,
          rootMessage: rootMessage(err),
        };
      }
      if (attempt === 1 || attempt % 20 === 0)
        ctx.log(`result of ${handle.workflowId}: ${firstLine(err)} (retrying)`);
      await sleep(1000);
    } finally {
      clearTimeout(timer);
    }
  }
  return { state: 'unfinished' };
}

function rootMessage(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 20 && e instanceof Error && e.cause instanceof Error; i++) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

interface CancelPlan {
  /** Cancel once the run has at least this many resources (it is then truly mid-flight). */
  afterResources: number;
  extraDelayMs: number;
}

interface CancelRecord {
  requested: boolean;
  resourcesAtCancel: number;
}

async function cancelMidFlight(
  ctx: Ctx,
  handle: Handle,
  plan: CancelPlan,
  settled: () => boolean,
): Promise<CancelRecord> {
  let resources = 0;
  for (let i = 0; i < 600 && !settled() && Date.now() < ctx.deadline; i++) {
    try {
      const p = await handle.query(progressQuery);
      resources = Object.keys(p.resources).length;
      if (resources >= plan.afterResources) break;
    } catch {
      // Not queryable yet (no worker has run its first task): poll again.
    }
    await sleep(200);
  }
  await sleep(plan.extraDelayMs);
  if (settled()) return { requested: false, resourcesAtCancel: resources };
  try {
    await handle.cancel();
    return { requested: true, resourcesAtCancel: resources };
  } catch {
    // Already closed: the cancellation came too late.
    return { requested: false, resourcesAtCancel: resources };
  }
}

interface Driven {
  outcome: SourceOutcome;
  cancel?: CancelRecord;
}

async function provisionOne(ctx: Ctx, spec: SourceSpec, cancel?: CancelPlan): Promise<Driven> {
  const base = { sandbox: spec.sandbox, name: spec.name };
  const started = await retrying(ctx, `start "${spec.name}"`, () =>
    ctx.stack.client.startProvision(spec.request),
  );
  if (!started) {
    ctx.progress.unfinished += 1;
    return { outcome: { ...base, outcome: { state: 'unfinished' } } };
  }
  ctx.progress.started += 1;
  ctx.executions.push({ workflowId: started.workflowId, runId: started.runId });
  let settled = false;
  const outcomeP = awaitOutcome(ctx, started.handle).finally(() => {
    settled = true;
  });
  const cancelRecord = cancel
    ? await cancelMidFlight(ctx, started.handle, cancel, () => settled)
    : undefined;
  const outcome = await outcomeP;
  if (outcome.state === 'succeeded' || outcome.state === 'failed' || outcome.state === 'cancelled')
    ctx.progress[outcome.state] += 1;
  else ctx.progress.unfinished += 1;
  return { outcome: { ...base, outcome }, ...(cancelRecord ? { cancel: cancelRecord } : {}) };
}

/** Provisions `specs` with at most `--concurrency` open at once. */
export async function drive(
  ctx: Ctx,
  specs: readonly SourceSpec[],
  cancelPlans: ReadonlyMap<number, CancelPlan> = new Map(),
): Promise<Driven[]> {
  const out: Driven[] = new Array<Driven>(specs.length);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      const spec = specs[i];
      if (!spec) return;
      out[i] = await provisionOne(ctx, spec, cancelPlans.get(spec.index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.opts.concurrency, specs.length) }, lane));
  return out;
}

/**
 * SIGKILLs (crash) or SIGTERMs (graceful, as a deploy) a random worker at random moments while
 * work is open, then restarts it, until --worker-kills and --worker-terms are used up.
 */
async function workerKiller(ctx: Ctx, done: () => boolean): Promise<void> {
  const rng = ctx.rng.fork('worker-kills');
  const { stack, opts } = ctx;
  const left = () => ({
    kills: opts.workerKills - stack.counters.workerKills,
    terms: opts.workerTerms - stack.counters.workerTerms,
  });
  while ((left().kills > 0 || left().terms > 0) && !done() && Date.now() < ctx.deadline) {
    const wait = rng.int(500, 4000);
    for (let t = 0; t < wait && !done(); t += 100) await sleep(100);
    if (done()) break;
    const { kills, terms } = left();
    const worker = rng.int(0, opts.workers - 1);
    const pause = rng.int(0, 1000);
    if (terms > 0 && (kills <= 0 || rng.next() < terms / (kills + terms)))
      await stack.termWorker(worker, pause);
    else await stack.killWorker(worker, pause);
  }
}

/** Stops and restarts the dev server (same port, same SQLite file) at random moments. */
async function serverRestarter(ctx: Ctx, done: () => boolean): Promise<void> {
  const rng = ctx.rng.fork('server-restarts');
  const { stack, opts } = ctx;
  while (
    stack.counters.serverRestarts < opts.serverRestarts &&
    !done() &&
    Date.now() < ctx.deadline
  ) {
    const wait = rng.int(3000, 10_000);
    for (let t = 0; t < wait && !done(); t += 100) await sleep(100);
    if (done()) break;
    await stack.restartServer(rng.int(500, 3000), opts.serverStop);
  }
}

async function installTransientFaults(ctx: Ctx): Promise<FaultRule[]> {
  const rules = transientFaultRules({
    rate: ctx.opts.faultRate,
    kinds: ctx.opts.faultKinds,
    latencyMs: ctx.opts.latencyMs,
    retryAfterSeconds: ctx.opts.retryAfterSeconds,
  });
  for (const rule of rules) await ctx.stack.emulator.control.addFault(rule);
  return rules;
}

/** Clears the emulator's fault rules, keeping the count of what they fired for the report. */
async function clearFaults(ctx: Ctx): Promise<void> {
  const { control } = ctx.stack.emulator;
  ctx.faultsFiredBefore += (await control.faults()).reduce((n, f) => n + f.fired, 0);
  await control.clearFaults();
}

/** Runs `body` while the chaos loops (kills, restarts) attack the stack; stops them after. */
export async function underChaos<T>(ctx: Ctx, body: () => Promise<T>): Promise<T> {
  let finished = false;
  const loops = Promise.all([
    workerKiller(ctx, () => finished),
    serverRestarter(ctx, () => finished),
  ]);
  try {
    return await body();
  } finally {
    finished = true;
    await loops;
  }
}

/** One extra source whose description carries the client secret: the audit must find it. */
async function plantLeak(
  ctx: Ctx,
  prefix: string,
): Promise<SourceOutcome & { workflowId?: string }> {
  const spec = sourceSpec(99_999, VARIANTS[0]!, {
    prefix: `${prefix} self-check`,
    smokeTest: 'none',
  });
  spec.request.description = `planted by --self-check: ${ctx.stack.workerEnv().AEP_CLIENT_SECRET}`;
  const started = await retrying(ctx, 'self-check start', () =>
    ctx.stack.client.startProvision(spec.request),
  );
  if (!started) return { sandbox: spec.sandbox, name: spec.name, outcome: { state: 'unfinished' } };
  const outcome = await awaitOutcome(ctx, started.handle);
  return { sandbox: spec.sandbox, name: spec.name, outcome, workflowId: started.workflowId };
}

// ---------------------------------------------------------------------------------------------
// Scenarios 1-3: load under transient faults, worker kills and server restarts

export async function runLoad(ctx: Ctx, prefix: string): Promise<ScenarioResult> {
  const rules = await installTransientFaults(ctx);
  if (rules.length > 0)
    ctx.log(
      `${rules.length} fault rule(s) installed (rate ${ctx.opts.faultRate}, kinds ${ctx.opts.faultKinds.join(',')})`,
    );
  const specs = sources(ctx.opts.sources, { prefix, smokeTest: ctx.opts.smokeTest });
  ctx.progress.requested = specs.length;
  const driven = await underChaos(ctx, () => drive(ctx, specs));
  const outcomes = driven.map((d) => d.outcome);
  const result: ScenarioResult = { outcomes, figures: {}, problems: [] };
  if (ctx.opts.selfCheck) {
    const planted = await plantLeak(ctx, prefix);
    outcomes.push(planted);
    result.plantedWorkflowId = planted.workflowId;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Scenario 4: a permanent failure at each step, for each variant

export interface FailingStep {
  step: string;
  method: string;
  path: string;
  status: number;
  /** The root failure type the workflow must report (under ProvisioningFailed). */
  expect: string;
  onlyMapping?: boolean;
}

/** One permanent (non-retryable) answer per step; statuses vary so every mapping is checked. */
export const FAILING_STEPS: readonly FailingStep[] = [
  {
    step: 'schema check',
    method: 'GET',
    path: '/data/foundation/schemaregistry/**',
    status: 404,
    expect: 'SchemaNotFound',
  },
  {
    step: 'base connection',
    method: 'POST',
    path: '/data/foundation/flowservice/connections',
    status: 403,
    expect: 'AepForbidden',
  },
  {
    step: 'inlet read',
    method: 'GET',
    path: '/data/foundation/flowservice/connections/*',
    status: 404,
    expect: 'AepNotFound',
  },
  {
    step: 'source connection',
    method: 'POST',
    path: '/data/foundation/flowservice/sourceConnections',
    status: 400,
    expect: 'AepBadRequest',
  },
  {
    step: 'dataset',
    method: 'POST',
    path: '/data/foundation/catalog/dataSets',
    status: 409,
    expect: 'AepConflict',
  },
  {
    step: 'target connection',
    method: 'POST',
    path: '/data/foundation/flowservice/targetConnections',
    status: 422,
    expect: 'AepClientError',
  },
  {
    step: 'mapping set',
    method: 'POST',
    path: '/data/foundation/conversion/mappingSets',
    status: 400,
    expect: 'AepBadRequest',
    onlyMapping: true,
  },
  {
    step: 'flow',
    method: 'POST',
    path: '/data/foundation/flowservice/flows',
    status: 412,
    expect: 'AepConflict',
  },
  {
    step: 'smoke test',
    method: 'POST',
    path: '/collection/*',
    status: 400,
    expect: 'SmokeTestFailed',
  },
];

export async function runPermanent(ctx: Ctx, prefix: string): Promise<ScenarioResult> {
  const control = ctx.stack.emulator.control;
  const outcomes: SourceOutcome[] = [];
  const problems: string[] = [];
  const perStep: Array<{ step: string; sources: number; asExpected: number }> = [];
  let wrongType = 0;
  let index = 0;
  const mappingVariant = VARIANTS.find((v) => v.mapping)!;
  const all = FAILING_STEPS.length * ctx.opts.sources;
  ctx.progress.requested = all;
  await underChaos(ctx, async () => {
    for (const step of FAILING_STEPS) {
      if (Date.now() > ctx.deadline) break;
      await clearFaults(ctx);
      await control.addFault({
        method: step.method,
        path: step.path,
        action: { type: 'status', status: step.status },
      });
      await installTransientFaults(ctx);
      const slug = step.step.replace(/\s+/g, '-');
      const specs = Array.from({ length: ctx.opts.sources }, (_, i) =>
        sourceSpec(
          index++,
          step.onlyMapping ? mappingVariant : (VARIANTS[i % VARIANTS.length] ?? mappingVariant),
          { prefix: `${prefix} ${slug}`, smokeTest: 'all' },
        ),
      );
      const t0 = Date.now();
      const driven = await drive(ctx, specs);
      let ok = 0;
      for (const d of driven) {
        outcomes.push(d.outcome);
        const o = d.outcome.outcome;
        if (o.state === 'failed' && o.type === 'ProvisioningFailed' && o.rootType === step.expect)
          ok++;
        else {
          wrongType += 1;
          if (problems.length < 20)
            problems.push(
              `${step.step}: "${d.outcome.name}" ended ${o.state}${o.state === 'failed' ? ` ${o.type}/${o.rootType}: ${o.message.slice(0, 200)}` : ''}, expected ProvisioningFailed/${step.expect}`,
            );
        }
      }
      perStep.push({ step: step.step, sources: specs.length, asExpected: ok });
      ctx.log(
        `step "${step.step}" (${step.method} ${step.path} → ${step.status}): ${ok}/${specs.length} failed as ProvisioningFailed/${step.expect} in ${Date.now() - t0} ms`,
      );
    }
  });
  await clearFaults(ctx);
  if (outcomes.length < all)
    problems.push(`only ${outcomes.length} of ${all} sources ran before the deadline`);
  return { outcomes, figures: { wrongFailureType: wrongType, steps: perStep }, problems };
}

// ---------------------------------------------------------------------------------------------
// Scenario 5: cancellation of a share of the runs mid-flight

export async function runCancel(ctx: Ctx, prefix: string): Promise<ScenarioResult> {
  await installTransientFaults(ctx);
  const specs = sources(ctx.opts.sources, { prefix, smokeTest: 'none' });
  ctx.progress.requested = specs.length;
  const rng = ctx.rng.fork('cancel');
  const plans = new Map<number, CancelPlan>();
  const order = specs.map((s) => s.index);
  // Seeded Fisher-Yates: which sources are cancelled is reproducible.
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const chosen = order.slice(0, Math.round(specs.length * ctx.opts.cancelFraction));
  for (const i of chosen)
    plans.set(i, { afterResources: rng.int(1, 3), extraDelayMs: rng.int(0, 300) });

  const driven = await underChaos(ctx, () => drive(ctx, specs, plans));
  const problems: string[] = [];
  let cancelRequested = 0;
  let cancelTooLate = 0;
  let cancelledWithResources = 0;
  let notCancelledButFailed = 0;
  for (const [i, d] of driven.entries()) {
    const o = d.outcome.outcome;
    const wanted = plans.has(specs[i]!.index);
    if (wanted) {
      if (d.cancel?.requested) cancelRequested++;
      if (o.state === 'cancelled' && (d.cancel?.resourcesAtCancel ?? 0) > 0)
        cancelledWithResources++;
      if (o.state === 'succeeded') cancelTooLate++;
      if (o.state === 'failed' && problems.length < 20)
        problems.push(
          `cancelled "${d.outcome.name}" ended ${o.type}/${o.rootType}: ${o.message.slice(0, 200)}`,
        );
    } else if (o.state !== 'succeeded') {
      notCancelledButFailed++;
      if (problems.length < 20)
        problems.push(`"${d.outcome.name}" (not cancelled) ended ${o.state}`);
    }
  }
  if (cancelRequested === 0) problems.push('no cancellation was requested: nothing was tested');
  return {
    outcomes: driven.map((d) => d.outcome),
    figures: {
      cancelPlanned: chosen.length,
      cancelRequested,
      cancelTooLate,
      cancelledWithResources,
      notCancelledButFailed,
    },
    problems,
  };
}

// ---------------------------------------------------------------------------------------------
// Scenario 6: malformed requests

export async function runMalformed(ctx: Ctx): Promise<ScenarioResult> {
  const { control } = ctx.stack.emulator;
  const before = (await control.stats()).total;
  ctx.progress.requested = malformedRequests.length;
  let rejected = 0;
  let namingField = 0;
  let started = 0;
  const problems: string[] = [];
  for (const m of malformedRequests) {
    try {
      const s = await ctx.stack.client.startProvision(m.request);
      started++;
      ctx.executions.push({ workflowId: s.workflowId, runId: s.runId });
      problems.push(`"${m.why}" was accepted: workflow ${s.workflowId} started`);
    } catch (err) {
      if (err instanceof InvalidRequestError) {
        rejected++;
        if (err.message.includes(m.field)) namingField++;
        else problems.push(`"${m.why}": the message does not name ${m.field}: ${err.message}`);
      } else {
        problems.push(`"${m.why}": unexpected ${firstLine(err)}`);
      }
    }
  }
  // Give visibility and the emulator a moment: a start that slipped through would show up.
  await sleep(1500);
  const aepCalls = (await control.stats()).total - before;
  let listed = 0;
  for await (const _wf of ctx.stack.client.client.workflow.list({
    query: `TaskQueue = '${ctx.stack.taskQueue}'`,
  }))
    listed++;
  if (aepCalls !== 0) problems.push(`${aepCalls} AEP call(s) were made`);
  if (listed !== 0) problems.push(`${listed} workflow(s) exist on the task queue`);

  // Defence in depth: a caller that bypasses the client library and starts the workflow itself
  // with the same requests. The workflow's first step (a local activity) must refuse each one as
  // InvalidRequest naming the field, still without a single AEP call.
  const bypass = await runMalformedBypassingClient(ctx);
  const aepCallsBypass = (await control.stats()).total - before - aepCalls;
  if (bypass.invalidRequest !== malformedRequests.length)
    problems.push(
      `bypassing the client: ${bypass.invalidRequest} of ${malformedRequests.length} failed as InvalidRequest`,
    );
  if (bypass.namingField !== malformedRequests.length)
    problems.push(
      `bypassing the client: ${bypass.namingField} of ${malformedRequests.length} failures named the field`,
    );
  if (aepCallsBypass !== 0) problems.push(`bypassing the client: ${aepCallsBypass} AEP call(s)`);
  problems.push(...bypass.problems);
  return {
    outcomes: [],
    figures: {
      rejected,
      rejectedNamingField: namingField,
      workflowsStarted: Math.max(started, listed),
      aepCalls,
      bypassingClient: {
        started: bypass.started,
        failedAsInvalidRequest: bypass.invalidRequest,
        namingField: bypass.namingField,
        aepCalls: aepCallsBypass,
      },
    },
    problems,
  };
}

async function runMalformedBypassingClient(
  ctx: Ctx,
): Promise<{ started: number; invalidRequest: number; namingField: number; problems: string[] }> {
  const temporal = ctx.stack.client.client;
  const out = { started: 0, invalidRequest: 0, namingField: 0, problems: [] as string[] };
  await Promise.all(
    malformedRequests.map(async (m, i) => {
      const handle = await temporal.workflow.start(WorkflowType.provision, {
        taskQueue: ctx.stack.taskQueue,
        workflowId: `chaos-malformed-bypass/${i}`,
        args: [m.request],
      });
      out.started++;
      ctx.executions.push({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId });
      const outcome = await awaitOutcome(ctx, handle as Handle);
      if (outcome.state !== 'failed') {
        out.problems.push(`bypassing the client, "${m.why}" ended ${outcome.state}`);
        return;
      }
      if (outcome.rootType === 'InvalidRequest') out.invalidRequest++;
      else out.problems.push(`bypassing the client, "${m.why}" failed as ${outcome.rootType}`);
      if ((outcome.rootMessage ?? '').includes(m.field)) out.namingField++;
      else
        out.problems.push(
          `bypassing the client, "${m.why}": "${outcome.rootMessage}" does not name ${m.field}`,
        );
    }),
  );
  return out;
}
