/** Deleting: idempotent deletes (compensation, teardown) and the sweep of a run's twins. */
import type { AepClient } from '../aep/client';
import { inTeardownOrder, type ResourceKind } from '../shared/resources';
import { activityContext } from './context';
import { lookups } from './lookups';
import { creatorRun } from './ownership';
import type { Owner } from './types';

interface DeleteResourceInput {
  /** Datasets are deleted by their own workflow only (src/workflows/dataset.ts). */
  kind: Exclude<ResourceKind, 'dataset'>;
  sandbox: string;
  /** Delete this id (404 counts as done)... */
  id?: string;
  /** ...and these ids... */
  ids?: string[];
  /**
   * ...or, when a create's outcome is unknown (it failed or was cancelled mid-call), delete what
   * this run created under that name: resources carrying the run's own marker only.
   */
  owned?: { name: string; owner: Owner };
}

interface DeleteResourceResult {
  kind: ResourceKind;
  deleted: string[];
  /** Ids that were already gone. */
  absent: string[];
}

interface SweepTwinsInput {
  owner: Owner;
  /** Per kind the run created: the name it used, and the ids it keeps (the recorded ones). */
  kinds: Array<{ kind: ResourceKind; name: string; keep: string[] }>;
}

interface SweepTwinsResult {
  /** Extra resources carrying this run's marker, deleted. */
  removed: Array<{ kind: ResourceKind; id: string }>;
  /** Extra ones kept: a dataset another source's target connection writes to. */
  inUse: Array<{ kind: ResourceKind; id: string; usedBy: string[] }>;
}

export function teardownActivities({ aep }: { aep: AepClient }) {
  return {
    /**
     * Idempotent delete. By id: 404 counts as done. By ownership: deletes only resources carrying
     * this run's marker (a create whose outcome is unknown), never another run's or a foreign one.
     * Not for datasets: only their workflow deletes them (datasets.ts).
     */
    async deleteResource(input: DeleteResourceInput): Promise<DeleteResourceResult> {
      const at = lookups(aep, input.sandbox, activityContext().signal);
      const result: DeleteResourceResult = { kind: input.kind, deleted: [], absent: [] };
      const ids = new Set<string>([...(input.id ? [input.id] : []), ...(input.ids ?? [])]);
      if (input.owned) {
        const { name, owner } = input.owned;
        for (const c of await at.list(input.kind, name)) {
          if (creatorRun(c.description) === owner.runId) ids.add(c.id);
        }
      }
      for (const id of ids) {
        const outcome = await at.remove(input.kind, id);
        (outcome === 'deleted' ? result.deleted : result.absent).push(id);
      }
      return result;
    },

    /**
     * After a successful provisioning whose creates were retried: every resource of those kinds
     * that carries this run's marker but is not the one the run kept is a twin (an earlier attempt's
     * create that landed after the retry's lookup); it is deleted, flow first, and reported.
     */
    async sweepTwins(input: SweepTwinsInput): Promise<SweepTwinsResult> {
      const { owner } = input;
      const at = lookups(aep, owner.sandbox, activityContext().signal);
      const result: SweepTwinsResult = { removed: [], inUse: [] };
      for (const { kind, name, keep } of inTeardownOrder(input.kinds)) {
        const twins = (await at.list(kind, name)).filter(
          (c) => creatorRun(c.description) === owner.runId && !keep.includes(c.id),
        );
        for (const { id } of twins) {
          const usedBy = kind === 'dataset' ? await at.writersOf(id) : [];
          if (usedBy.length > 0) result.inUse.push({ kind, id, usedBy });
          else if ((await at.remove(kind, id)) === 'deleted') result.removed.push({ kind, id });
        }
      }
      return result;
    },
  };
}
