/**
 * Deleting, always in TEARDOWN_ORDER: a teardown, `replace: true` and compensation. Every delete
 * is idempotent (404 counts as done). A dataset is deleted only when asked (or this run created
 * it) and no other source writes to it: a shared one through its workflow, an own one here.
 */
import {
  ApplicationFailure,
  isCancellation,
  setCurrentDetails,
  sleep,
  TemporalFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Owner, SourceGraph } from '../activities/types';
import type { DeprovisionRequestInput } from '../request';
import { describeFailure } from '../shared/failures';
import { FailureType, SearchAttributes } from '../shared/names';
import {
  type CompensationOutcome,
  type DeprovisionResult,
  inTeardownOrder,
  type ResourceKind,
  TEARDOWN_ORDER,
} from '../shared/model';
import { datasetAsk, DELETE, LIST_LAG_WAIT_MS, step } from './policies';

/**
 * Deletes the graph of `source`; `failed` holds "kind id (why)" of each delete that kept failing.
 * A cancellation is rethrown (the caller's ending says CANCELLED), and so is any error that is
 * not a Temporal failure (a bug: it fails the task).
 */
export async function deleteGraph(
  graph: SourceGraph,
  opts: { source: string; deleteDataset: boolean; onStep: (step: string) => void },
): Promise<{ result: DeprovisionResult; failed: string[] }> {
  const { source, deleteDataset, onStep } = opts;
  const { sandbox } = graph;
  const result: DeprovisionResult = {
    sandbox,
    deleted: [],
    alreadyAbsent: [],
    kept: [...graph.kept],
  };
  const failed: string[] = [];
  for (const { kind, id, name, own } of inTeardownOrder(graph.resources)) {
    onStep(`${kind === 'dataset' ? 'Releasing' : 'Deleting'} ${kind} ${id}`);
    try {
      if (kind === 'dataset' && own && !deleteDataset) {
        result.kept.push({ kind, id, reason: 'retained' });
        continue;
      }
      if (kind === 'dataset') {
        // The source's own goes with its teardown (asked); a shared one, through its workflow.
        const r = own
          ? await step('deleteDataset', `Delete dataset ${id}`, { sandbox, id }, DELETE)
          : await step(
              'releaseDataset',
              `Release dataset ${id}${deleteDataset ? ' (delete)' : ''}`,
              { sandbox, name: name ?? source, source, datasetId: id, deleteDataset },
              datasetAsk(),
            );
        if (r.outcome === 'deleted') result.deleted.push({ kind, id });
        else if (r.outcome === 'absent') result.alreadyAbsent.push({ kind, id });
        else result.kept.push({ kind, id, ...(r.reason ? { reason: r.reason } : {}) });
        continue;
      }
      const r = await step('deleteResource', `Delete ${kind} ${id}`, { kind, sandbox, id }, DELETE);
      for (const d of r.deleted) result.deleted.push({ kind, id: d });
      for (const a of r.absent) result.alreadyAbsent.push({ kind, id: a });
    } catch (err) {
      if (isCancellation(err) || !(err instanceof TemporalFailure)) throw err;
      failed.push(`${kind} ${id} (${describeFailure(err)})`);
      // A base connection cannot go while a flow still uses it: stop rather than pile up errors.
      if (kind === 'flow') break;
    }
  }
  return { result, failed };
}

/**
 * Tears a source down from its name (+ sandbox) or its flow id: discovers the graph this project
 * created, then deletes it. The dataset and its data are kept unless the request says
 * `deleteDataset`. Re-running is safe; a delete that keeps failing ends in CompensationFailed.
 */
export async function DeprovisionStreamingSource(
  input: DeprovisionRequestInput,
): Promise<DeprovisionResult> {
  const req = await step('validateDeprovisionRequest', 'Validate the request', input, DELETE);
  setCurrentDetails(
    `Discovering ${req.name ? `source "${req.name}"` : `flow ${req.flowId}`} in ${req.sandbox}`,
  );
  const graph = await step('discoverSource', 'Find the resources of the source', {
    sandbox: req.sandbox,
    name: req.name,
    flowId: req.flowId,
    ...(req.deleteDataset ? { datasets: true } : {}),
    ...(req.known ? { known: req.known } : {}),
  });
  upsertSearchAttributes([
    { key: SearchAttributes.imsOrg, value: req.imsOrg },
    { key: SearchAttributes.sandbox, value: req.sandbox },
    { key: SearchAttributes.status, value: 'DEPROVISIONING' },
    ...(graph.sourceName ? [{ key: SearchAttributes.sourceName, value: graph.sourceName }] : []),
  ]);
  if (graph.resources.length === 0 && req.ifExists) {
    upsertSearchAttributes([{ key: SearchAttributes.status, value: 'DEPROVISIONED' }]);
    setCurrentDetails('Nothing left to delete');
    return { sandbox: req.sandbox, deleted: [], alreadyAbsent: [], kept: graph.kept };
  }
  if (graph.resources.length === 0) {
    throw ApplicationFailure.create({
      type: FailureType.SourceNotFound,
      message: `No resource of source "${graph.sourceName ?? req.flowId}" created by this project exists in sandbox "${req.sandbox}"`,
      nonRetryable: true,
    });
  }

  const { result, failed } = await deleteGraph(graph, {
    source: graph.sourceName ?? req.name ?? '',
    deleteDataset: req.deleteDataset === true,
    onStep: setCurrentDetails,
  });
  if (failed.length > 0) {
    upsertSearchAttributes([{ key: SearchAttributes.status, value: 'FAILED' }]);
    throw ApplicationFailure.create({
      type: FailureType.CompensationFailed,
      message: `Teardown left resources behind: ${failed.join('; ')}`,
      nonRetryable: true,
      details: [{ ...result, failed }],
    });
  }
  upsertSearchAttributes([{ key: SearchAttributes.status, value: 'DEPROVISIONED' }]);
  setCurrentDetails(`Deleted ${result.deleted.length} resource(s)`);
  return result;
}

/**
 * A create registered before it is sent; `name` finds it when its outcome is unknown.
 * `createdByThisRun`: false when reused or named by the request. `uncertain`: retried or no
 * definite answer, so a twin with the run's marker may exist or show in lists late.
 * `settledAt`: when the call settled (the list-lag wait counts from it).
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
