/**
 * Compensation of a provisioning: deletes, in TEARDOWN_ORDER, what the run created (by the ids it
 * recorded, and by its ownership marker when a create's outcome was uncertain), and releases the
 * dataset it asked for: its workflow deletes it only if this run created it and no other source
 * writes to it. The saga (saga.ts) keeps the ledger of undos and runs this in a non-cancellable
 * scope.
 */
import { sleep } from '@temporalio/workflow';
import type { Owner } from '../activities/types';
import { TEARDOWN_ORDER, type ResourceKind } from '../shared/resources';
import type { CompensationOutcome } from '../shared/results';
import { describeFailure } from './failures';
import { DATASET_CALL, DELETE, LIST_LAG_WAIT_MS } from './policies';
import { step } from './steps';

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
 * ownership marker, once the list lag is waited out). Resources reused from an earlier run or
 * named by the request are kept.
 */
export async function compensate(
  undos: readonly Undo[],
  owner: Owner,
): Promise<CompensationOutcome[]> {
  const outcomes: CompensationOutcome[] = [];
  const uncertain = undos.filter((u) => u.uncertain && u.kind !== 'dataset');
  if (uncertain.length > 0) await waitOutListLag(uncertain);
  for (const kind of TEARDOWN_ORDER) {
    const entries = undos.filter((u) => u.kind === kind);
    if (kind === 'dataset') {
      for (const entry of entries) outcomes.push(await releaseDataset(entry, owner));
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
      DATASET_CALL,
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
