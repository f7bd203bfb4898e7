import { asyncLocalStorage, type Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../shared/names';
import type { EnsureResult, PriorResource } from './types';

/** An activity's own verdict: non-retryable, of a named type (AEP answers: src/aep/errors.ts). */
export function refuse(type: FailureType, message: string, details?: unknown[]): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details });
}

/** InvalidRequest for an org other than `served`: this worker holds only `served`'s credentials. */
export function refuseOtherOrg(imsOrg: string, served: { imsOrg: string }): void {
  const problem = `imsOrg: ${imsOrg} is not the org this worker serves (${served.imsOrg})`;
  if (imsOrg !== served.imsOrg)
    refuse(FailureType.InvalidRequest, problem, [{ problems: [problem] }]);
}

/**
 * An activity's attempt, its clock started when first asked for. `signal` aborts every request on
 * cancellation AND when the attempt's time is up (start-to-close minus a margin, 1 s at most, for
 * the outcome to reach Temporal): no retry's lookup races an earlier attempt's create still on the
 * wire. `commitSignal()`, for a create, throws if already cancelled, else returns the deadline
 * alone: a create once sent is not aborted by a cancellation (its outcome would be unknown).
 */
interface AttemptContext {
  attempt: number;
  signal?: AbortSignal;
  commitSignal: () => AbortSignal | undefined;
}

const attempts = new WeakMap<Context, AttemptContext>();

/** Attempt number and signals when running as an activity (local ones too); neutral otherwise. */
export function activityContext(): AttemptContext {
  const ctx = asyncLocalStorage.getStore();
  if (!ctx) return { attempt: 1, commitSignal: () => undefined };
  const known = attempts.get(ctx);
  if (known) return known;
  const { info, cancellationSignal: cancel } = ctx;
  const ms = info.startToCloseTimeoutMs;
  const deadline = ms > 0 ? AbortSignal.timeout(ms - Math.min(1_000, ms / 10)) : undefined;
  const attempt: AttemptContext = {
    attempt: info.attempt,
    signal: deadline ? AbortSignal.any([cancel, deadline]) : cancel,
    commitSignal: () => {
      cancel.throwIfAborted();
      deadline?.throwIfAborted();
      return deadline;
    },
  };
  attempts.set(ctx, attempt);
  return attempt;
}

/**
 * Runs an activity with heartbeats on a timer when its options set a heartbeat timeout
 * (src/workflows/policies.ts): their answer tells the worker the attempt is over, their absence
 * tells Temporal a worker died. Not per call: one AEP call may outlast the heartbeat timeout. No
 * beat at the start: an attempt ending within a third of the timeout (one AEP call) sends none.
 */
export async function heartbeating<R>(fn: () => Promise<R>): Promise<R> {
  const ctx = asyncLocalStorage.getStore();
  activityContext(); // starts the attempt's clock
  const every = ctx && !ctx.info.isLocal ? ctx.info.heartbeatTimeoutMs : undefined;
  if (!ctx || !every) return fn();
  const timer = setInterval(() => ctx.heartbeat(), Math.max(100, Math.floor(every / 3)));
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

/**
 * The one shape of an idempotent create: what an earlier attempt or run created (`found` on a
 * first attempt if given, `null`: nothing; else looked up), `check`ed, else a new one.
 */
export async function ensureOwned<
  P extends PriorResource,
  C extends { id: string },
  X extends object = object,
>(
  input: { found?: P | null },
  how: {
    lookUp: (signal: AbortSignal | undefined) => Promise<P | undefined>;
    check?: (prior: P) => void;
    create: (signal: AbortSignal | undefined) => Promise<C>;
    keep?: (r: P | C) => X;
  },
): Promise<EnsureResult & X> {
  const { attempt, signal, commitSignal } = activityContext();
  const keep = how.keep ?? (() => ({}) as X);
  const prior = attempt > 1 || input.found === undefined ? await how.lookUp(signal) : input.found;
  if (prior) {
    how.check?.(prior);
    return { id: prior.id, ...keep(prior), created: prior.createdByThisRun };
  }
  const made = await how.create(commitSignal());
  return { id: made.id, ...keep(made), created: true };
}
