/** A provisioning's saga (undos, compensation, twin sweep, endings), and what the run shows. */
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
import { describeFailure, failureTypeOf, rootOf } from '../shared/failures';
import { FailureType, progressQuery, SearchAttributes } from '../shared/names';
import type {
  ProvisionProgress,
  ProvisionStatus,
  ResourceKind,
  SourceState,
} from '../shared/model';
import { DELETE, step } from './policies';
import { compensate, waitOutListLag, type Undo } from './teardown';

export class Saga {
  private readonly undos: Undo[] = [];
  /** Compensation waits for every create issued to settle, or it could miss one landing. */
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

  /** The new flow carries the inlet, the old is gone: a failure from here on rolls forward. */
  commit(): void {
    this.sourceState = 'new';
  }

  /** After success: deletes twins (an earlier create that landed late) of retried kinds. */
  async sweepTwins(): Promise<Array<{ kind: ResourceKind; id: string }>> {
    const kept = this.progress.state.resources;
    // Shared datasets are swept by their own workflow (dataset.ts).
    const retried = this.undos.filter(
      (u) => u.uncertain && u.id && (u.kind !== 'dataset' || u.own),
    );
    if (retried.length === 0) return [];
    await waitOutListLag(retried);
    const keep = (kind: ResourceKind) =>
      [...this.undos.filter((x) => x.kind === kind), kept[kind]].flatMap((x) => x?.id || []);
    const kinds = retried.map(({ kind, name }) => ({ kind, name, keep: keep(kind) }));
    const summary = `Delete twins of ${kinds.map((k) => k.kind).join(', ')}`;
    try {
      const { removed } = await step('sweepTwins', summary, { owner: this.owner, kinds }, DELETE);
      if (removed.length > 0) log.warn('Deleted twins this run created', { twins: removed });
      return removed;
    } catch (err) {
      log.warn('Twin sweep failed', { error: describeFailure(err) });
      return [];
    }
  }

  /** Parallel branches: when one fails, the others are cancelled and every call settles. */
  async all<T extends readonly unknown[]>(fns: { [K in keyof T]: () => Promise<T[K]> }) {
    const scope = new CancellationScope();
    const branches = fns.map((fn) => scope.run(fn));
    try {
      return (await Promise.all(branches)) as unknown as T;
    } catch (err) {
      scope.cancel();
      await Promise.allSettled(branches);
      await Promise.allSettled(this.creates);
      throw err;
    }
  }

  /** Compensates, then throws the ending: CompensationFailed, cancelled or ProvisioningFailed. */
  async fail(err: unknown, sourceName: string): Promise<never> {
    const { progress } = this;
    // The cancellation wins: a call on the wire when it arrived can surface as its own
    // (retryable) failure, e.g. a 429, since Temporal does not retry a cancelled activity.
    const cancelled = isCancellation(err) || CancellationScope.current().consideredCancelled;
    const error = (progress.state.error = describeFailure(err));
    const why = cancelled ? 'cancelled' : error;
    progress.status('COMPENSATING', `Deleting what this run created (${why})`);
    log.warn('Provisioning failed; compensating', { error, cancelled });
    const undos = this.sourceState === 'new' ? [] : this.undos;
    const outcomes = await CancellationScope.nonCancellable(() => compensate(undos, this.owner));
    progress.state.compensation = outcomes;
    const leftovers = outcomes.filter((o) => o.outcome === 'failed');
    const compensated = outcomes.filter((o) => o.outcome !== 'failed');
    const cause = err instanceof Error ? err : undefined;
    const sourceState = (progress.state.sourceState = this.sourceState);
    const left = SOURCE_STATE_TEXT[sourceState];
    const details = { compensated, sourceState, cause: failureTypeOf(rootOf(err)) };
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
      const message = `Provisioning cancelled; the source is left ${left}`;
      throw new CancelledFailure(message, [{ compensated, sourceState }], cause);
    }
    progress.status('FAILED', `${error}; ${compensated.length} resource(s) deleted`);
    const deleted = compensated.map((c) => `${c.kind} ${c.id ?? ''}`.trim()).join(', ');
    throw ApplicationFailure.create({
      type: FailureType.ProvisioningFailed,
      message: `Provisioning of "${sourceName}" failed: ${error}. Compensated: ${deleted || 'nothing to delete'}. The source is left ${left}`,
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

/** A create refused outright made nothing in that attempt; a timeout or exhausted retries may. */
function refusedOutright(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.retryState === 'NON_RETRYABLE_FAILURE' &&
    err.cause instanceof ApplicationFailure &&
    err.cause.nonRetryable === true
  );
}

/** What a run shows: the `progress` query, its current details, the status search attribute. */
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

  /** Published on change only; not VALIDATING nor PLANNING: no one sees the first task. */
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

  record(kind: ResourceKind, r: EnsureResult, owned = true): void {
    this.state.resources[kind] = { id: r.id, created: r.created, owned };
    this.done(`${kind} ${r.created ? 'created' : 'found'}: ${r.id}`);
  }

  update(kind: ResourceKind, id: string, what: string): void {
    if (!this.updated.includes(kind)) this.updated.push(kind);
    this.done(`${kind} updated: ${id} (${what})`);
  }

  /** The kinds recorded, by what this run did with them. */
  kinds(): Record<'created' | 'updated' | 'reused', ResourceKind[]> {
    const refs = this.state.resources;
    const kinds = Object.keys(refs) as ResourceKind[];
    const found = kinds.filter((k) => !refs[k]?.created);
    return {
      created: kinds.filter((k) => refs[k]?.created),
      updated: found.filter((k) => this.updated.includes(k)),
      reused: found.filter((k) => !this.updated.includes(k)),
    };
  }
}
