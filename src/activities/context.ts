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
  if (imsOrg === served.imsOrg) return;
  const problem = `imsOrg: ${imsOrg} is not the org this worker serves (${served.imsOrg})`;
  refuse(FailureType.InvalidRequest, problem, [{ problems: [problem] }]);
}

/**
 * An activity's attempt, its clock started when first asked for. `signal` aborts every request on
 * cancellation AND when the attempt's time is up (start-to-close minus a margin for the outcome to
 * reach Temporal): no retry's lookup races an earlier attempt's create still on the wire.
 * `commitSignal()`, for a create, throws if already cancelled, else returns the deadline alone: a
 * create once sent is not aborted by a cancellation (that would only make its outcome unknown).
 */
interface AttemptContext {
  attempt: number;
  signal?: AbortSignal;
  commitSignal: () => AbortSignal | undefined;
}

/** Kept for the answer to reach Temporal: 1 s, or a tenth of a short start-to-close timeout. */
const MAX_MARGIN_MS = 1_000;

const attempts = new WeakMap<Context, AttemptContext>();

/** Attempt number and signals when running as an activity; neutral values otherwise. */
export function activityContext(): AttemptContext {
  const ctx = asyncLocalStorage.getStore();
  if (!ctx) return { attempt: 1, commitSignal: () => undefined };
  const known = attempts.get(ctx);
  if (known) return known;
  // A local activity (the plan's read, READ_LOCALLY) has a start-to-close too.
  const { info, cancellationSignal: cancel } = ctx;
  const ms = info.startToCloseTimeoutMs;
  const deadline = ms > 0 ? AbortSignal.timeout(ms - Math.min(MAX_MARGIN_MS, ms / 10)) : undefined;
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
 * tells Temporal a worker died. Not per call: one AEP call may outlast the heartbeat timeout.
 */
export async function heartbeating<R>(fn: () => Promise<R>): Promise<R> {
  const ctx = asyncLocalStorage.getStore();
  if (!ctx) return fn();
  activityContext(); // starts the attempt's clock
  const every = ctx.info.isLocal ? undefined : ctx.info.heartbeatTimeoutMs;
  if (!every) return fn();
  // No beat at the start: an attempt that ends within a third of the heartbeat timeout (nearly
  // all: one AEP call) sends none, rather than a server write per activity.
  const timer = setInterval(() => ctx.heartbeat(), Math.max(100, Math.floor(every / 3)));
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

/** What an earlier attempt or run created: `found` on a first attempt if given, else looked up. */
export async function priorResource<T>(
  input: { found?: T | null },
  lookUp: () => Promise<T | undefined>,
): Promise<T | undefined> {
  if (activityContext().attempt > 1 || input.found === undefined) return lookUp();
  return input.found ?? undefined;
}

/** The one shape of an idempotent create: the prior resource (`check`ed), else a new one. */
export async function ensureOwned<P extends PriorResource>(
  input: { found?: P | null },
  how: {
    lookUp: (signal: AbortSignal | undefined) => Promise<P | undefined>;
    check?: (prior: P) => void;
    create: (signal: AbortSignal | undefined) => Promise<{ id: string }>;
  },
): Promise<EnsureResult> {
  const { signal, commitSignal } = activityContext();
  const prior = await priorResource(input, () => how.lookUp(signal));
  if (prior) {
    how.check?.(prior);
    return { id: prior.id, created: prior.createdByThisRun };
  }
  const { id } = await how.create(commitSignal());
  return { id, created: true };
}
