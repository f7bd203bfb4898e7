/**
 * A provisioning's saga: an undo registered before each create, creates on the wire awaited
 * before compensating, the commit, the twin sweep, the endings; and Progress, what the run shows.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { EnsureResult, Owner } from '../activities/types';
import { describeFailure, rootFailureType } from '../shared/failures';
import { FailureType, progressQuery, SearchAttributes } from '../shared/names';
import type {
  ProvisionProgress,
  ProvisionStatus,
  ResourceKind,
  ResourceRef,
  SourceState,
} from '../shared/model';
import { DELETE, step } from './policies';
import { compensate, waitOutListLag, type Undo } from './teardown';

export class Saga {
  private readonly undos: Undo[] = [];
  /** Every create issued: compensation waits for each to settle, or it could miss one landing. */
  private readonly creates: Array<Promise<unknown>> = [];
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
    opts: { own?: boolean } = {},
  ): Promise<T> {
    const entry: Undo = { kind, name, ...(opts.own ? { own: true } : {}) };
    this.undos.push(entry);
    const pending = call();
    this.creates.push(pending);
    try {
      const result = await pending;
      entry.id = result.id;
      entry.createdByThisRun = result.created;
      entry.uncertain = result.retried === true;
      return result;
    } catch (err) {
      entry.uncertain = !refusedOutright(err);
      throw err;
    } finally {
      entry.settledAt = Date.now();
    }
  }

  /**
   * The source's new flow carries its inlet and the one it replaced is gone: from here on a
   * failure or cancellation rolls forward (nothing this run made is deleted), since undoing
   * the new flow would leave the inlet feeding nothing.
   */
  commit(): void {
    this.sourceState = 'new';
  }

  /**
   * After success, for each kind whose create was retried: deletes every other resource carrying
   * this run's marker (a twin: an earlier attempt's create that landed late). No command when
   * nothing was retried. A failing sweep is logged, not fatal: the source itself is provisioned.
   */
  async sweepTwins(): Promise<Array<{ kind: ResourceKind; id: string }>> {
    const kept = this.progress.state.resources;
    // Shared datasets are swept by their own workflow (dataset.ts).
    const retried = this.undos.filter(
      (u) => u.uncertain && u.id !== undefined && (u.kind !== 'dataset' || u.own),
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
   * settles (WAIT_CANCELLATION_COMPLETED) before the failure goes on to compensation.
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
   * Compensates and throws the run's ending: CompensationFailed, the cancellation, or
   * ProvisioningFailed. Only for Temporal failures: any other error is a bug, which fails the
   * workflow task and waits for a fixed deploy instead of deleting anything.
   */
  async fail(err: unknown, sourceName: string): Promise<never> {
    const { progress } = this;
    // The cancellation wins: a call on the wire when it arrived can surface as its own
    // (retryable) failure, e.g. a 429, since Temporal does not retry a cancelled activity.
    const cancelled = isCancellation(err) || CancellationScope.current().consideredCancelled;
    const error = describeFailure(err);
    progress.state.error = error;
    progress.status(
      'COMPENSATING',
      `Deleting what this run created (${cancelled ? 'cancelled' : error})`,
    );
    log.warn('Provisioning failed; compensating', { error, cancelled });

    const outcomes = await CancellationScope.nonCancellable(() =>
      compensate(this.sourceState === 'new' ? [] : this.undos, this.owner),
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
 * A create refused outright (non-retryable: a 4xx, a foreign resource in the way) made nothing in
 * that attempt; anything else (retries exhausted, a timeout, a cancellation) may have. An earlier
 * attempt may still have: compensation deletes by marker, without the list-lag wait.
 */
function refusedOutright(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.retryState === 'NON_RETRYABLE_FAILURE' &&
    err.cause instanceof ApplicationFailure &&
    err.cause.nonRetryable === true
  );
}

/**
 * What a provisioning shows while it runs: the `progress` query, the workflow's current details
 * in the UI, and the status search attribute (written only on change: every write is a
 * visibility update on the server).
 */
export class Progress {
  readonly state: ProvisionProgress = {
    status: 'VALIDATING',
    step: 'Validating the request',
    completedSteps: [],
    resources: {},
    compensation: [],
  };
  private readonly updated: ResourceKind[] = [];
  private published: ProvisionStatus | undefined;

  constructor() {
    setHandler(progressQuery, () => this.state);
    this.status('VALIDATING', 'Validating the request');
  }

  /**
   * VALIDATING, and a status with `publish: false` (PLANNING), are never published: they last
   * only the first workflow task (local activities), where no one could see them.
   */
  status(status: ProvisionStatus, step: string, { publish = true } = {}): void {
    this.state.status = status;
    this.state.step = step;
    setCurrentDetails(`**${status}** — ${step}`);
    if (!publish || status === this.published || status === 'VALIDATING') return;
    upsertSearchAttributes([{ key: SearchAttributes.status, value: status }]);
    this.published = status;
  }

  done(step: string): void {
    this.state.completedSteps.push(step);
  }

  record(kind: ResourceKind, r: EnsureResult, owned = true): ResourceRef {
    const ref: ResourceRef = { id: r.id, created: r.created, owned };
    this.state.resources[kind] = ref;
    this.done(`${kind} ${r.created ? 'created' : 'found'}: ${r.id}`);
    return ref;
  }

  update(kind: ResourceKind, id: string, what: string): void {
    if (!this.updated.includes(kind)) this.updated.push(kind);
    this.done(`${kind} updated: ${id} (${what})`);
  }

  /** The kinds recorded, by what this run did with them. */
  kinds(): Record<'created' | 'updated' | 'reused', ResourceKind[]> {
    const refs = this.state.resources;
    const kinds = Object.keys(refs) as ResourceKind[];
    const { updated } = this;
    return {
      created: kinds.filter((k) => refs[k]?.created),
      updated: kinds.filter((k) => !refs[k]?.created && updated.includes(k)),
      reused: kinds.filter((k) => !refs[k]?.created && !updated.includes(k)),
    };
  }
}
