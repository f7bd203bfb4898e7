/**
 * Compensation: what a failed provisioning created, deleted in TEARDOWN_ORDER (saga.ts registers
 * each create's undo before it is made). Resources reused or named by the request are kept.
 */
import { sleep } from '@temporalio/workflow';
import type { Owner } from '../activities/types';
import { describeFailure } from '../shared/failures';
import { type CompensationOutcome, type ResourceKind, TEARDOWN_ORDER } from '../shared/model';
import { datasetAsk, DELETE, LIST_LAG_WAIT_MS } from './policies';
import { step } from './steps';

/**
 * One create the run registered before making it, by `name` (what finds it when its outcome is
 * unknown). `createdByThisRun`: false when reused or named by the request. `uncertain`: a retry
 * or no definite answer, so a resource with the run's marker may exist besides the recorded one,
 * or show in lists late. `settledAt`: when the call settled (the list-lag wait counts from it).
 */
export interface Undo {
  kind: ResourceKind;
  name: string;
  /** A dataset created for this source alone: deleted here, not released to its workflow. */
  own?: boolean;
  id?: string;
  createdByThisRun?: boolean;
  uncertain?: boolean;
  settledAt?: number;
}

/** Sleeps until LIST_LAG_WAIT_MS after the last of `entries` settled (durable timer). */
export async function waitOutListLag(entries: readonly Undo[]): Promise<void> {
  const last = Math.max(...entries.map((u) => u.settledAt ?? Date.now()));
  const wait = last + LIST_LAG_WAIT_MS - Date.now();
  if (wait > 0) await sleep(wait);
}

/**
 * Compensation: deletes every resource this run created, including one whose create failed after
 * Adobe may have committed it (found by the run's marker, after the list lag). Resources reused
 * or named by the request are kept.
 */
export async function compensate(
  undos: readonly Undo[],
  owner: Owner,
): Promise<CompensationOutcome[]> {
  const outcomes: CompensationOutcome[] = [];
  const uncertain = undos.filter((u) => u.uncertain && (u.kind !== 'dataset' || u.own));
  if (uncertain.length > 0) await waitOutListLag(uncertain);
  for (const kind of TEARDOWN_ORDER) {
    const entries = undos.filter((u) => u.kind === kind);
    if (kind === 'dataset') {
      for (const entry of entries) {
        if (entry.own) outcomes.push(...(await deleteOwnDataset(entry, owner)));
        else outcomes.push(await releaseDataset(entry, owner));
      }
      continue;
    }
    for (const name of [...new Set(entries.map((e) => e.name))]) {
      const same = entries.filter((e) => e.name === name);
      const ids = same
        .filter((e) => e.createdByThisRun !== false && e.id)
        .map((e) => e.id as string);
      const byMarker = same.some((e) => e.uncertain || e.id === undefined);
      if (ids.length === 0 && !byMarker) continue;
      outcomes.push(...(await deleteCreated(kind, owner, name, ids, byMarker)));
    }
  }
  return outcomes;
}

/** One idempotent delete of what this run created of `kind` under `name`. */
async function deleteCreated(
  kind: Exclude<ResourceKind, 'dataset'>,
  owner: Owner,
  name: string,
  ids: string[],
  byMarker: boolean,
): Promise<CompensationOutcome[]> {
  const label = byMarker ? ` "${name}" carrying this run's marker` : ` ${ids.join(', ')}`;
  try {
    const r = await step(
      'deleteResource',
      `Compensate: delete ${kind}${label}`,
      { kind, sandbox: owner.sandbox, ids, ...(byMarker ? { owned: { name, owner } } : {}) },
      DELETE,
    );
    return [
      ...r.deleted.map((id) => ({ kind, id, outcome: 'deleted' as const })),
      ...r.absent.map((id) => ({ kind, id, outcome: 'absent' as const })),
    ];
  } catch (err) {
    return [{ kind, id: ids[0], outcome: 'failed', error: describeFailure(err) }];
  }
}

/**
 * The source's own dataset, if this run created it: by id, and by the run's marker after an
 * uncertain create (a twin may have landed). Deleted only if nothing writes to it.
 */
async function deleteOwnDataset(entry: Undo, owner: Owner): Promise<CompensationOutcome[]> {
  const outcomes: CompensationOutcome[] = [];
  const { id } = entry;
  try {
    if (id !== undefined && entry.createdByThisRun !== false) {
      const r = await step(
        'deleteDataset',
        `Compensate: delete dataset ${id}`,
        { sandbox: owner.sandbox, id, createdByRun: owner.runId },
        DELETE,
      );
      outcomes.push({
        kind: 'dataset',
        id,
        outcome: r.outcome,
        ...(r.reason ? { error: r.reason } : {}),
      });
    }
    if (entry.uncertain || id === undefined) {
      const r = await step(
        'sweepTwins',
        `Compensate: delete dataset "${entry.name}" carrying this run's marker`,
        { owner, kinds: [{ kind: 'dataset' as const, name: entry.name, keep: [] }] },
        DELETE,
      );
      for (const d of r.removed) outcomes.push({ kind: 'dataset', id: d.id, outcome: 'deleted' });
      for (const d of r.inUse) {
        outcomes.push({
          kind: 'dataset',
          id: d.id,
          outcome: 'kept',
          error: `in use by ${d.usedBy.join(', ')}`,
        });
      }
    }
  } catch (err) {
    outcomes.push({ kind: 'dataset', id, outcome: 'failed', error: describeFailure(err) });
  }
  return outcomes;
}

/**
 * The dataset this run asked for: the source stops writing to it; its workflow deletes it only
 * if this run created it and no other source writes to it (then it is `kept`, with the reason).
 */
async function releaseDataset(entry: Undo, owner: Owner): Promise<CompensationOutcome> {
  try {
    const r = await step(
      'releaseDataset',
      `Compensate: release dataset "${entry.name}"`,
      {
        sandbox: owner.sandbox,
        name: entry.name,
        source: owner.sourceName,
        ...(entry.id ? { datasetId: entry.id } : {}),
        deleteDataset: true,
        createdByRun: owner.runId,
      },
      datasetAsk(),
    );
    return {
      kind: 'dataset',
      id: r.id ?? entry.id,
      outcome: r.outcome,
      ...(r.reason ? { error: r.reason } : {}),
    };
  } catch (err) {
    return { kind: 'dataset', id: entry.id, outcome: 'failed', error: describeFailure(err) };
  }
}
