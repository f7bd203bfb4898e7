/**
 * Compensation of a provisioning: deletes, in TEARDOWN_ORDER, what the run created (by the ids it
 * recorded, and by its ownership marker when a create's outcome was uncertain), and releases a
 * dataset it adopted when it was its last writer. The saga (saga.ts) keeps the ledger of undos
 * and runs this in a non-cancellable scope.
 */
import { patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Owner } from '../activities/types';
import { Patches } from '../shared/names';
import { TEARDOWN_ORDER, type ResourceKind } from '../shared/resources';
import type { CompensationOutcome } from '../shared/results';
import { describeFailure } from './failures';
import { DELETE, deleteOptions, LIST_LAG_WAIT_MS } from './policies';
import { keptBy } from './teardown';

const undo = proxyActivities<Activities>(DELETE);

/** One create the run registered before making it. */
export interface Undo {
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

/** Sleeps until LIST_LAG_WAIT_MS after the last of `entries` settled (durable timer). */
export async function waitOutListLag(entries: readonly Undo[]): Promise<void> {
  const last = Math.max(...entries.map((u) => u.settledAt ?? Date.now()));
  const wait = last + LIST_LAG_WAIT_MS - Date.now();
  if (wait > 0) await sleep(wait);
}

/**
 * Deletes, in reverse dependency order, every resource this run created — including one whose
 * create call failed or was cancelled after Adobe may have committed it (found by the run's own
 * ownership marker). Resources reused from an earlier run or named by the request are kept.
 */
export async function compensate(
  undos: readonly Undo[],
  owner: Owner,
): Promise<CompensationOutcome[]> {
  const c = new Compensation(undos, owner);
  const uncertain = undos.filter((u) => u.uncertain);
  if (uncertain.length === 0 || !patched(Patches.compensationSweep)) return c.byRecord();
  await waitOutListLag(uncertain);
  return c.byMarker();
}

class Compensation {
  private readonly outcomes: CompensationOutcome[] = [];

  constructor(
    private readonly undos: readonly Undo[],
    private readonly owner: Owner,
  ) {}

  /**
   * Every create's outcome is known: delete the recorded ids, and by marker what a create that
   * was refused outright (a 4xx, no retry) could not have made. (Also the whole compensation of
   * runs started before Patches.compensationSweep.)
   */
  async byRecord(): Promise<CompensationOutcome[]> {
    for (const kind of TEARDOWN_ORDER) {
      if (kind === 'dataset') await this.releaseAdopted();
      for (const entry of this.undos.filter((u) => u.kind === kind)) {
        if (entry.createdByThisRun === false) continue;
        await this.delete(
          kind,
          entry.id ? { id: entry.id } : { owned: { name: entry.name, owner: this.owner } },
          entry.id ? ` ${entry.id}` : ` "${entry.name}" if created`,
          entry.id,
        );
      }
    }
    return this.outcomes;
  }

  /**
   * Some create's outcome was uncertain (the caller has waited out the list lag after it):
   * delete, for each kind this run tried to create, the recorded ids and every resource of that
   * name carrying this run's marker (a twin, or a create that landed late). Another run's
   * resources never carry it.
   */
  async byMarker(): Promise<CompensationOutcome[]> {
    const { owner } = this;
    for (const kind of TEARDOWN_ORDER) {
      if (kind === 'dataset') await this.releaseAdopted();
      const entries = this.undos.filter((u) => u.kind === kind);
      for (const name of [...new Set(entries.map((e) => e.name))]) {
        const ids = entries
          .filter((e) => e.name === name && e.createdByThisRun !== false && e.id)
          .map((e) => e.id as string);
        await this.delete(
          kind,
          { ids, owned: { name, owner } },
          ` "${name}" carrying this run's marker`,
          ids[0],
        );
      }
    }
    return this.outcomes;
  }

  /**
   * Datasets this run adopted (another source created them) and wrote to through a target
   * connection it created, which compensation has just deleted: this run may have been their last
   * writer, and then nobody else would ever delete them. Each goes if nothing writes to it any
   * more, once the run that created it has closed (src/activities/dataset-release.ts).
   */
  private async releaseAdopted(): Promise<void> {
    const wrote = this.undos.some(
      (u) => u.kind === 'targetConnection' && u.createdByThisRun !== false,
    );
    const adopted = this.undos.filter(
      (u) => u.kind === 'dataset' && u.createdByThisRun === false && u.id !== undefined,
    );
    if (!wrote || adopted.length === 0 || !patched(Patches.releaseAdoptedDataset)) return;
    for (const id of new Set(adopted.map((u) => u.id as string))) {
      await this.delete('dataset', { id }, ` ${id} (adopted) if unused`, id);
    }
  }

  /** One idempotent delete; its outcome (or failure: a leftover) goes into the outcomes. */
  private async delete(
    kind: ResourceKind,
    what: { id?: string; ids?: string[]; owned?: { name: string; owner: Owner } },
    label: string,
    id: string | undefined,
  ): Promise<void> {
    const { outcomes } = this;
    try {
      const r = await undo.deleteResource.executeWithOptions(
        { ...deleteOptions(kind), summary: `Compensate: delete ${kind}${label}` },
        [
          {
            kind,
            sandbox: this.owner.sandbox,
            // A dataset another source writes to is kept (reported), not deleted.
            keepIfInUse: kind === 'dataset',
            ...what,
          },
        ],
      );
      for (const d of r.deleted) outcomes.push({ kind, id: d, outcome: 'deleted' });
      for (const a of r.absent) outcomes.push({ kind, id: a, outcome: 'absent' });
      for (const k of keptBy(r))
        outcomes.push({ kind, id: k.id, outcome: 'kept', error: k.reason });
    } catch (err) {
      outcomes.push({ kind, id, outcome: 'failed', error: describeFailure(err) });
    }
  }
}
