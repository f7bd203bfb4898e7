/**
 * Deleting in TEARDOWN_ORDER (teardown, `replace: true`, compensation); 404 counts as done. A
 * dataset goes only when asked (or this run made it) and unused: a shared one via its workflow.
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
import { FailureType, SearchAttributes, sourceSearchAttributes } from '../shared/names';
import {
  type CompensationOutcome,
  type DeprovisionResult,
  inTeardownOrder,
  type ResourceKind,
  TEARDOWN_ORDER,
} from '../shared/model';
import { datasetAsk, DELETE, LIST_LAG_WAIT_MS, step } from './policies';

/**
 * Deletes the graph of `source`; deletes that kept failing end it in CompensationFailed (message
 * from `leftBehind`). A cancellation, or a bug (not a Temporal failure), is rethrown.
 */
export async function deleteGraph(
  graph: SourceGraph,
  opts: {
    source: string;
    deleteDataset: boolean;
    onStep: (step: string) => void;
    leftBehind: (failed: string[]) => string;
  },
): Promise<DeprovisionResult> {
  const { source, deleteDataset } = opts;
  const { sandbox, kept } = graph;
  const result: DeprovisionResult = { sandbox, deleted: [], alreadyAbsent: [], kept: [...kept] };
  const failed: string[] = [];
  for (const { kind, id, name, own } of inTeardownOrder(graph.resources)) {
    opts.onStep(`${kind === 'dataset' ? 'Releasing' : 'Deleting'} ${kind} ${id}`);
    try {
      if (kind !== 'dataset') {
        const input = { kind, sandbox, id };
        const r = await step('deleteResource', `Delete ${kind} ${id}`, input, DELETE);
        for (const d of r.deleted) result.deleted.push({ kind, id: d });
        for (const a of r.absent) result.alreadyAbsent.push({ kind, id: a });
        continue;
      }
      if (own && !deleteDataset) {
        result.kept.push({ kind, id, reason: 'retained' });
        continue;
      }
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
    } catch (err) {
      if (isCancellation(err) || !(err instanceof TemporalFailure)) throw err;
      failed.push(`${kind} ${id} (${describeFailure(err)})`);
      // A base connection cannot go while a flow uses it: stop rather than pile up errors.
      if (kind === 'flow') break;
    }
  }
  if (failed.length === 0) return result;
  throw ApplicationFailure.create({
    type: FailureType.CompensationFailed,
    message: opts.leftBehind(failed),
    nonRetryable: true,
    details: [{ ...result, failed }],
  });
}

/**
 * Tears a source down by name or flow id: discovers the graph this project created and deletes
 * it, the dataset only with `deleteDataset`. Re-running is safe.
 */
export async function DeprovisionStreamingSource(
  input: DeprovisionRequestInput,
): Promise<DeprovisionResult> {
  const req = await step('validateDeprovisionRequest', 'Validate the request', input, DELETE);
  const { status } = SearchAttributes;
  const setStatus = (value: string) => upsertSearchAttributes([{ key: status, value }]);
  const what = req.name ? `source "${req.name}"` : `flow ${req.flowId}`;
  setCurrentDetails(`Discovering ${what} in ${req.sandbox}`);
  const graph = await step('discoverSource', 'Find the resources of the source', {
    sandbox: req.sandbox,
    name: req.name,
    flowId: req.flowId,
    ...(req.deleteDataset ? { datasets: true } : {}),
    ...(req.known ? { known: req.known } : {}),
  });
  const named = { ...req, name: graph.sourceName };
  upsertSearchAttributes(sourceSearchAttributes(named, 'DEPROVISIONING'));
  if (graph.resources.length === 0) {
    if (!req.ifExists) {
      throw ApplicationFailure.create({
        type: FailureType.SourceNotFound,
        message: `No resource of source "${graph.sourceName ?? req.flowId}" created by this project exists in sandbox "${req.sandbox}"`,
        nonRetryable: true,
      });
    }
    setStatus('DEPROVISIONED');
    setCurrentDetails('Nothing left to delete');
    return { sandbox: req.sandbox, deleted: [], alreadyAbsent: [], kept: graph.kept };
  }
  const result = await deleteGraph(graph, {
    source: graph.sourceName ?? req.name ?? '',
    deleteDataset: req.deleteDataset === true,
    onStep: setCurrentDetails,
    leftBehind: (failed) => {
      setStatus('FAILED');
      return `Teardown left resources behind: ${failed.join('; ')}`;
    },
  });
  setStatus('DEPROVISIONED');
  setCurrentDetails(`Deleted ${result.deleted.length} resource(s)`);
  return result;
}

/**
 * A create registered before it is sent. `uncertain`: retried or no definite answer (a twin may
 * show in lists late, found by `name`). `own`: the source's own dataset, deleted, not released.
 */
export interface Undo {
  kind: ResourceKind;
  name: string;
  own?: boolean;
  id?: string;
  createdByThisRun?: boolean;
  uncertain?: boolean;
  settledAt?: number;
}

/** Sleeps (durable timer) until LIST_LAG_WAIT_MS after the last of `entries` settled. */
export async function waitOutListLag(entries: readonly Undo[]): Promise<void> {
  const last = Math.max(...entries.map((u) => u.settledAt ?? Date.now()));
  const wait = last + LIST_LAG_WAIT_MS - Date.now();
  if (wait > 0) await sleep(wait);
}

/**
 * Compensation: deletes what this run created, also a create that failed after Adobe may have
 * committed it (by the run's marker, after the list lag). Reused or named resources stay.
 */
export async function compensate(undos: readonly Undo[], owner: Owner) {
  const outcomes: CompensationOutcome[] = [];
  const uncertain = undos.filter((u) => u.uncertain && (u.kind !== 'dataset' || u.own));
  if (uncertain.length > 0) await waitOutListLag(uncertain);
  for (const kind of TEARDOWN_ORDER) {
    const entries = undos.filter((u) => u.kind === kind);
    if (kind === 'dataset') {
      for (const entry of entries) outcomes.push(...(await compensateDataset(entry, owner)));
      continue;
    }
    for (const name of new Set(entries.map((e) => e.name))) {
      const same = entries.filter((e) => e.name === name);
      const ids = same.filter((e) => e.createdByThisRun !== false && e.id).map((e) => e.id!);
      const byMarker = same.some((e) => e.uncertain || e.id === undefined);
      if (ids.length === 0 && !byMarker) continue;
      const label = byMarker ? ` "${name}" carrying this run's marker` : ` ${ids.join(', ')}`;
      const owned = byMarker ? { owned: { name, owner } } : {};
      const input = { kind, sandbox: owner.sandbox, ids, ...owned };
      try {
        const r = await step('deleteResource', `Compensate: delete ${kind}${label}`, input, DELETE);
        for (const id of r.deleted) outcomes.push({ kind, id, outcome: 'deleted' });
        for (const id of r.absent) outcomes.push({ kind, id, outcome: 'absent' });
      } catch (err) {
        outcomes.push({ kind, id: ids[0], outcome: 'failed', error: describeFailure(err) });
      }
    }
  }
  return outcomes;
}

/**
 * A shared dataset is released (its workflow deletes it if this run made it and it is unused);
 * the source's own is deleted here if this run made it: by id, and by marker if uncertain.
 */
async function compensateDataset(entry: Undo, owner: Owner): Promise<CompensationOutcome[]> {
  const outcomes: CompensationOutcome[] = [];
  const { id, name, own } = entry;
  const { sandbox, runId: createdByRun } = owner;
  const add = (id: string | undefined, outcome: CompensationOutcome['outcome'], error?: string) =>
    outcomes.push({ kind: 'dataset', id, outcome, ...(error ? { error } : {}) });
  try {
    if (!own) {
      const input = { sandbox, name, source: owner.sourceName, ...(id ? { datasetId: id } : {}) };
      const r = await step(
        'releaseDataset',
        `Compensate: release dataset "${name}"`,
        { ...input, deleteDataset: true, createdByRun },
        datasetAsk(),
      );
      add(r.id ?? id, r.outcome, r.reason);
    }
    if (own && id !== undefined && entry.createdByThisRun !== false) {
      const input = { sandbox, id, createdByRun };
      const r = await step('deleteDataset', `Compensate: delete dataset ${id}`, input, DELETE);
      add(id, r.outcome, r.reason);
    }
    if (own && (entry.uncertain || id === undefined)) {
      const r = await step(
        'sweepTwins',
        `Compensate: delete dataset "${name}" carrying this run's marker`,
        { owner, kinds: [{ kind: 'dataset' as const, name, keep: [] }] },
        DELETE,
      );
      for (const d of r.removed) add(d.id, 'deleted');
      for (const d of r.inUse) add(d.id, 'kept', `in use by ${d.usedBy.join(', ')}`);
    }
  } catch (err) {
    outcomes.push({ kind: 'dataset', id, outcome: 'failed', error: describeFailure(err) });
  }
  return outcomes;
}
