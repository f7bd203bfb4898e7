/**
 * Saga bookkeeping of a provisioning: undo registered before each create, creates still on the
 * wire awaited before compensating, compensation in TEARDOWN_ORDER in a non-cancellable scope,
 * and the failure endings (CompensationFailed, CANCELLED, ProvisioningFailed).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  log,
  patched,
  proxyActivities,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EnsureResult, Owner } from '../activities/types';
import { FailureType, Patches } from '../shared/names';
import { TEARDOWN_ORDER, type ResourceKind } from '../shared/resources';
import type { CompensationOutcome } from '../shared/results';
import { describeFailure, rootFailureType } from './failures';
import { DATASET_DELETE, DELETE, LIST_LAG_WAIT_MS } from './policies';
import type { Progress } from './progress';

const undo = proxyActivities<Activities>(DELETE);

interface Undo {
  kind: ResourceKind;
  /** The name the create used: lets compensation find a resource whose create outcome is unknown. */
  name: string;
  id?: string;
  /** Resolved after the create: false when reused from an earlier run or named by the request. */
  createdByThisRun?: boolean;
  /**
   * More than one create may have been sent for this entry (its result came from a retry), or
   * the create ended without a definite answer (failed retryably, timed out, cancelled): a
   * resource carrying the run's marker may exist besides the recorded one, or show in lists late.
   */
  uncertain?: boolean;
  /** Workflow time the call settled (the list-lag wait counts from it). */
  settledAt?: number;
}

export class Saga {
  private readonly undos: Undo[] = [];
  /**
   * Every create this run has issued. A branch can fail while a create of another call is still
   * on the wire (the inlet read beside the source connection); compensation waits until each has
   * settled, or it would miss a resource that lands after its lookup.
   */
  private readonly creates: Array<Promise<unknown>> = [];

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
    let result: T;
    try {
      result = await pending;
    } catch (err) {
      entry.settledAt = Date.now();
      entry.uncertain = !refusedOutright(err);
      throw err;
    }
    entry.settledAt = Date.now();
    entry.id = result.id;
    entry.createdByThisRun = result.created;
    entry.uncertain = result.retried === true;
    return result;
  }

  /**
   * Records a resource this run uses but did not create (a dataset another source created that
   * this run's target connection moved to): compensation releases it like an adopted one.
   */
  adopted(kind: ResourceKind, name: string, id: string): void {
    this.undos.push({ kind, name, id, createdByThisRun: false });
  }

  /**
   * After a successful provisioning: deletes every extra resource carrying this run's marker (a
   * twin: an earlier attempt's create that landed after a retry had looked up and created again)
   * of each kind whose create was retried, keeping `kept` (default: the ids the creates
   * returned), and returns what it deleted. Nothing to do, and no command, when no create was
   * retried. A failing sweep is logged, not fatal: the source itself is provisioned.
   */
  async sweepTwins(
    kept: Partial<Record<ResourceKind, string>> = {},
  ): Promise<Array<{ kind: ResourceKind; id: string }>> {
    const retried = this.undos.filter((u) => u.uncertain && u.id !== undefined);
    if (retried.length === 0 || !patched(Patches.compensationSweep)) return [];
    await this.waitOutListLag(retried);
    const kinds = retried.map((u) => ({
      kind: u.kind,
      name: u.name,
      keep: [
        ...this.undos.filter((x) => x.kind === u.kind && x.id).map((x) => x.id as string),
        ...(kept[u.kind] ? [kept[u.kind] as string] : []),
      ],
    }));
    try {
      const r = await undo.sweepTwins.executeWithOptions(
        { ...DELETE, summary: `Delete twins of ${kinds.map((k) => k.kind).join(', ')}` },
        [{ owner: this.owner, kinds }],
      );
      if (r.removed.length > 0) log.warn('Deleted twins this run created', { twins: r.removed });
      return r.removed;
    } catch (err) {
      log.warn('Twin sweep failed', { error: describeFailure(err) });
      return [];
    }
  }

  /** Sleeps until LIST_LAG_WAIT_MS after the last of `entries` settled (durable timer). */
  private async waitOutListLag(entries: Undo[]): Promise<void> {
    const last = Math.max(...entries.map((u) => u.settledAt ?? Date.now()));
    const wait = last + LIST_LAG_WAIT_MS - Date.now();
    if (wait > 0) await sleep(wait);
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
   * deleted), the cancellation (the caller asked for no source), or ProvisioningFailed.
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

    const outcomes = await CancellationScope.nonCancellable(() => this.compensate());
    progress.state.compensation = outcomes;
    const leftovers = outcomes.filter((o) => o.outcome === 'failed');
    const compensated = outcomes.filter((o) => o.outcome !== 'failed');
    const cause = err instanceof Error ? err : undefined;

    if (leftovers.length > 0) {
      progress.status('FAILED', `Compensation left ${leftovers.length} resource(s) behind`);
      throw ApplicationFailure.create({
        type: FailureType.CompensationFailed,
        message: `Provisioning of "${sourceName}" failed (${error}) and ${leftovers.length} resource(s) could not be deleted: ${leftovers
          .map((l) => `${l.kind} ${l.id ?? '(unknown id)'}`)
          .join(', ')}`,
        nonRetryable: true,
        details: [{ leftovers, compensated, cause: rootFailureType(err) }],
        cause,
      });
    }
    if (cancelled) {
      progress.status('CANCELLED', `Cancelled; ${compensated.length} resource(s) deleted`);
      throw isCancellation(err) ? err : new CancelledFailure('Provisioning cancelled', [], cause);
    }
    progress.status('FAILED', `${error}; ${compensated.length} resource(s) deleted`);
    throw ApplicationFailure.create({
      type: FailureType.ProvisioningFailed,
      message: `Provisioning of "${sourceName}" failed: ${error}. Compensated: ${
        compensated.map((c) => `${c.kind} ${c.id ?? ''}`.trim()).join(', ') || 'nothing to delete'
      }`,
      nonRetryable: true,
      details: [{ compensated, cause: rootFailureType(err) }],
      cause,
    });
  }

  /**
   * Deletes, in reverse dependency order, every resource this run created — including one whose
   * create call failed or was cancelled after Adobe may have committed it (found by the run's own
   * ownership marker). Resources reused from an earlier run or named by the request are kept.
   */
  private async compensate(): Promise<CompensationOutcome[]> {
    const uncertain = this.undos.filter((u) => u.uncertain);
    if (uncertain.length === 0 || !patched(Patches.compensationSweep))
      return this.compensateByRecord();
    return this.compensateByMarker(uncertain);
  }

  /**
   * Every create's outcome is known: delete the recorded ids, and by marker what a create that
   * was refused outright (a 4xx, no retry) could not have made. (Also the whole compensation of
   * runs started before Patches.compensationSweep.)
   */
  private async compensateByRecord(): Promise<CompensationOutcome[]> {
    const outcomes: CompensationOutcome[] = [];
    for (const kind of TEARDOWN_ORDER) {
      if (kind === 'dataset') await this.releaseAdopted(outcomes);
      for (const entry of this.undos.filter((u) => u.kind === kind)) {
        if (entry.createdByThisRun === false) continue;
        await this.deleteStep(
          kind,
          entry.id ? { id: entry.id } : { owned: { name: entry.name, owner: this.owner } },
          entry.id ? ` ${entry.id}` : ` "${entry.name}" if created`,
          entry.id,
          outcomes,
        );
      }
    }
    return outcomes;
  }

  /**
   * Some create's outcome is uncertain: wait out the list lag after it, then delete, for each
   * kind this run tried to create, the recorded ids and every resource of that name carrying this
   * run's marker (a twin, or a create that landed late). Another run's resources never carry it.
   */
  private async compensateByMarker(uncertain: Undo[]): Promise<CompensationOutcome[]> {
    const { owner } = this;
    await this.waitOutListLag(uncertain);
    const outcomes: CompensationOutcome[] = [];
    for (const kind of TEARDOWN_ORDER) {
      if (kind === 'dataset') await this.releaseAdopted(outcomes);
      const entries = this.undos.filter((u) => u.kind === kind);
      for (const name of [...new Set(entries.map((e) => e.name))]) {
        const ids = entries
          .filter((e) => e.name === name && e.createdByThisRun !== false && e.id)
          .map((e) => e.id as string);
        await this.deleteStep(
          kind,
          { ids, owned: { name, owner } },
          ` "${name}" carrying this run's marker`,
          ids[0],
          outcomes,
        );
      }
    }
    return outcomes;
  }

  /**
   * Datasets this run adopted (another source created them) and wrote to through a target
   * connection it created, which compensation has just deleted: this run may have been their last
   * writer, and then nobody else would ever delete them. Each goes if nothing writes to it any
   * more, once the run that created it has closed (src/activities/dataset-release.ts).
   */
  private async releaseAdopted(outcomes: CompensationOutcome[]): Promise<void> {
    const wrote = this.undos.some(
      (u) => u.kind === 'targetConnection' && u.createdByThisRun !== false,
    );
    const adopted = this.undos.filter(
      (u) => u.kind === 'dataset' && u.createdByThisRun === false && u.id !== undefined,
    );
    if (!wrote || adopted.length === 0 || !patched(Patches.releaseAdoptedDataset)) return;
    for (const id of new Set(adopted.map((u) => u.id as string))) {
      await this.deleteStep('dataset', { id }, ` ${id} (adopted) if unused`, id, outcomes);
    }
  }

  private async deleteStep(
    kind: ResourceKind,
    what: { id?: string; ids?: string[]; owned?: { name: string; owner: Owner } },
    label: string,
    id: string | undefined,
    outcomes: CompensationOutcome[],
  ): Promise<void> {
    try {
      const r = await undo.deleteResource.executeWithOptions(
        {
          ...(kind === 'dataset' ? DATASET_DELETE : DELETE),
          summary: `Compensate: delete ${kind}${label}`,
        },
        [
          {
            kind,
            sandbox: this.owner.sandbox,
            // A dataset another source adopted meanwhile is kept (reported), not deleted.
            keepIfInUse: kind === 'dataset',
            ...what,
          },
        ],
      );
      for (const d of r.deleted) outcomes.push({ kind, id: d, outcome: 'deleted' });
      for (const a of r.absent) outcomes.push({ kind, id: a, outcome: 'absent' });
      for (const k of r.inUse ?? []) {
        outcomes.push({
          kind,
          id: k.id,
          outcome: 'kept',
          error: `in use by ${k.usedBy.join(', ')}`,
        });
      }
      for (const k of r.kept ?? [])
        outcomes.push({ kind, id: k.id, outcome: 'kept', error: k.reason });
    } catch (err) {
      outcomes.push({ kind, id, outcome: 'failed', error: describeFailure(err) });
    }
  }
}

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

/** A cancellation that arrives while a create is on the wire is still honoured. */
export function throwIfCancelled(): void {
  if (CancellationScope.current().consideredCancelled) {
    throw new CancelledFailure('Provisioning cancelled');
  }
}
