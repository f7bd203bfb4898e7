/**
 * Saga bookkeeping of a provisioning: undo registered before each create, creates still on the
 * wire awaited before compensating, compensation in TEARDOWN_ORDER in a non-cancellable scope,
 * and the failure endings (CompensationFailed, CANCELLED, ProvisioningFailed).
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  log,
  proxyActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EnsureResult, Owner } from '../activities/types';
import { FailureType } from '../shared/names';
import { TEARDOWN_ORDER, type ResourceKind } from '../shared/resources';
import type { CompensationOutcome } from '../shared/results';
import { describeFailure, rootFailureType } from './failures';
import { DELETE } from './policies';
import type { Progress } from './progress';

const undo = proxyActivities<Activities>(DELETE);

interface Undo {
  kind: ResourceKind;
  /** The name the create used: lets compensation find a resource whose create outcome is unknown. */
  name: string;
  id?: string;
  /** Resolved after the create: false when reused from an earlier run or named by the request. */
  createdByThisRun?: boolean;
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
    const result = await pending;
    entry.id = result.id;
    entry.createdByThisRun = result.created;
    return result;
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
    const { owner } = this;
    const outcomes: CompensationOutcome[] = [];
    for (const kind of TEARDOWN_ORDER) {
      for (const entry of this.undos.filter((u) => u.kind === kind)) {
        if (entry.createdByThisRun === false) continue;
        try {
          const r = await undo.deleteResource.executeWithOptions(
            {
              ...DELETE,
              summary: `Compensate: delete ${kind}${entry.id ? ` ${entry.id}` : ` "${entry.name}" if created`}`,
            },
            [
              entry.id
                ? { kind, sandbox: owner.sandbox, id: entry.id }
                : { kind, sandbox: owner.sandbox, owned: { name: entry.name, owner } },
            ],
          );
          for (const id of r.deleted) outcomes.push({ kind, id, outcome: 'deleted' });
          for (const id of r.absent) outcomes.push({ kind, id, outcome: 'absent' });
        } catch (err) {
          outcomes.push({ kind, id: entry.id, outcome: 'failed', error: describeFailure(err) });
        }
      }
    }
    return outcomes;
  }
}

/** A cancellation that arrives while a create is on the wire is still honoured. */
export function throwIfCancelled(): void {
  if (CancellationScope.current().consideredCancelled) {
    throw new CancelledFailure('Provisioning cancelled');
  }
}
