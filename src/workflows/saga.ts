/**
 * Saga bookkeeping of a provisioning: undo registered before each create, creates still on the
 * wire awaited before compensating, the commit once a replacement flow carries the source, the
 * twin sweep after success, compensation in a non-cancellable scope, and the failure endings
 * (CompensationFailed, CANCELLED, ProvisioningFailed), each saying what state the source is left
 * in (`sourceState`).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  log,
} from '@temporalio/workflow';
import type { EnsureResult, Owner } from '../activities/types';
import { describeFailure, rootFailureType } from '../shared/failures';
import { FailureType } from '../shared/names';
import type { ResourceKind, SourceState } from '../shared/model';
import { DELETE } from './policies';
import type { Progress } from './progress';
import { step } from './steps';
import { compensate, waitOutListLag, type Undo } from './teardown';

export class Saga {
  private readonly undos: Undo[] = [];
  /**
   * Every create this run has issued. A branch can fail while a create of another call is still
   * on the wire (the inlet read beside the source connection); compensation waits until each has
   * settled, or it would miss a resource that lands after its lookup.
   */
  private readonly creates: Array<Promise<unknown>> = [];
  /**
   * What a failure leaves: `absent` (a new source, compensated), `previous` (a change: the
   * source as it was, this run's creates deleted), `new` (after commit).
   */
  sourceState: SourceState = 'absent';

  constructor(
    private readonly owner: Owner,
    private readonly progress: Progress,
  ) {}

  /** Registers the undo before the call, then resolves it from the call's outcome. */
  async create<T extends EnsureResult>(
    kind: ResourceKind,
    name: string,
    call: () => Promise<T>,
  ): Promise<T> {
    const entry: Undo = { kind, name };
    this.undos.push(entry);
    const pending = call();
    this.creates.push(pending);
    try {
      const result = await pending;
      entry.settledAt = Date.now();
      entry.id = result.id;
      entry.createdByThisRun = result.created;
      entry.uncertain = result.retried === true;
      return result;
    } catch (err) {
      entry.settledAt = Date.now();
      entry.uncertain = !refusedOutright(err);
      throw err;
    }
  }

  /**
   * The source's new flow carries its inlet and the one it replaced is gone: from here on a
   * failure or cancellation rolls forward (nothing this run made is deleted), since undoing
   * the new flow would leave the inlet feeding nothing.
   */
  commit(): void {
    this.committed = true;
    this.sourceState = 'new';
  }

  private committed = false;

  /**
   * After a successful provisioning: deletes every extra resource carrying this run's marker (a
   * twin: an earlier attempt's create that landed after a retry had looked up and created again)
   * of each kind whose create was retried, keeping the ids the creates returned and the progress
   * recorded, and returns what it deleted. Nothing to do, and no command, when no create was
   * retried. A failing sweep is logged, not fatal: the source itself is provisioned.
   */
  async sweepTwins(): Promise<Array<{ kind: ResourceKind; id: string }>> {
    const kept = this.progress.state.resources;
    // Datasets are swept by their own workflow (dataset.ts).
    const retried = this.undos.filter(
      (u) => u.uncertain && u.id !== undefined && u.kind !== 'dataset',
    );
    if (retried.length === 0) return [];
    await waitOutListLag(retried);
    const kinds = retried.map((u) => ({
      kind: u.kind,
      name: u.name,
      keep: [
        ...this.undos.filter((x) => x.kind === u.kind && x.id).map((x) => x.id as string),
        ...(kept[u.kind] ? [kept[u.kind]!.id] : []),
      ],
    }));
    try {
      const r = await step(
        'sweepTwins',
        `Delete twins of ${kinds.map((k) => k.kind).join(', ')}`,
        { owner: this.owner, kinds },
        DELETE,
      );
      if (r.removed.length > 0) log.warn('Deleted twins this run created', { twins: r.removed });
      return r.removed;
    } catch (err) {
      log.warn('Twin sweep failed', { error: describeFailure(err) });
      return [];
    }
  }

  /**
   * Awaits parallel branches. When one fails, the others are cancelled and every call in flight
   * is awaited (activities are cancelled with WAIT_CANCELLATION_COMPLETED, so they settle only
   * once the worker is done with them) before the failure goes on to compensation.
   */
  async all<T extends readonly unknown[]>(
    scope: CancellationScope,
    branches: { [K in keyof T]: Promise<T[K]> },
  ): Promise<T> {
    try {
      return await Promise.all(branches);
    } catch (err) {
      scope.cancel();
      await Promise.allSettled(branches);
      await Promise.allSettled(this.creates);
      throw err;
    }
  }

  /**
   * Compensates and throws the run's ending: CompensationFailed (something could not be
   * deleted), the cancellation (the caller asked for no source), or ProvisioningFailed. Only
   * for Temporal failures (the caller's check): any other error is a bug, which fails the
   * workflow task and waits for a fixed deploy instead of deleting anything.
   */
  async fail(err: unknown, sourceName: string): Promise<never> {
    const { progress } = this;
    // The caller's cancellation wins over the error it surfaces as: Temporal does not retry an
    // activity whose cancellation was requested, so a call on the wire when the cancel arrived
    // can reach here as its own (retryable) failure, e.g. a 429, instead of a CancelledFailure.
    const cancelled = isCancellation(err) || CancellationScope.current().consideredCancelled;
    const error = describeFailure(err);
    progress.state.error = error;
    progress.status(
      'COMPENSATING',
      `Deleting what this run created (${cancelled ? 'cancelled' : error})`,
    );
    log.warn('Provisioning failed; compensating', { error, cancelled });

    const outcomes = await CancellationScope.nonCancellable(() =>
      compensate(this.committed ? [] : this.undos, this.owner),
    );
    progress.state.compensation = outcomes;
    const leftovers = outcomes.filter((o) => o.outcome === 'failed');
    const compensated = outcomes.filter((o) => o.outcome !== 'failed');
    const cause = err instanceof Error ? err : undefined;
    const sourceState = (progress.state.sourceState = this.sourceState);
    const left = `the source is left ${SOURCE_STATE_TEXT[sourceState]}`;
    const details = { compensated, sourceState, cause: rootFailureType(err) };
    if (leftovers.length > 0) {
      progress.status('FAILED', `Compensation left ${leftovers.length} resource(s) behind`);
      const what = leftovers.map((l) => `${l.kind} ${l.id ?? '(unknown id)'}`).join(', ');
      throw ApplicationFailure.create({
        type: FailureType.CompensationFailed,
        message: `Provisioning of "${sourceName}" failed (${error}) and ${leftovers.length} resource(s) could not be deleted: ${what}`,
        nonRetryable: true,
        details: [{ leftovers, ...details }],
        cause,
      });
    }
    if (cancelled) {
      progress.status('CANCELLED', `Cancelled; ${compensated.length} resource(s) deleted`);
      throw new CancelledFailure(
        `Provisioning cancelled; ${left}`,
        [{ compensated, sourceState }],
        cause,
      );
    }
    progress.status('FAILED', `${error}; ${compensated.length} resource(s) deleted`);
    const deleted = compensated.map((c) => `${c.kind} ${c.id ?? ''}`.trim()).join(', ');
    throw ApplicationFailure.create({
      type: FailureType.ProvisioningFailed,
      message: `Provisioning of "${sourceName}" failed: ${error}. Compensated: ${deleted || 'nothing to delete'}. The source is left ${SOURCE_STATE_TEXT[sourceState]}`,
      nonRetryable: true,
      details: [details],
      cause,
    });
  }
}

const SOURCE_STATE_TEXT: Record<SourceState, string> = {
  absent: 'absent (what this run created is deleted)',
  previous: 'as it was before this run (its flow unchanged)',
  new: 'with its new flow (the change rolled forward)',
};

/**
 * A create that ended with a definite refusal (a non-retryable failure: a 4xx answer, a foreign
 * resource in the way) made nothing in that attempt. Anything else (retries exhausted, a timeout,
 * a cancellation) may have. (An earlier attempt of the same activity may still have created
 * something: compensation deletes by marker for it too, only without the list-lag wait;
 * docs/hardening.md.)
 */
function refusedOutright(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.retryState === 'NON_RETRYABLE_FAILURE' &&
    err.cause instanceof ApplicationFailure &&
    err.cause.nonRetryable === true
  );
}
