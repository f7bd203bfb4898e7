/**
 * Deleting a discovered source graph, in TEARDOWN_ORDER: shared by DeprovisionStreamingSource and
 * by a provisioning that replaces its source (`replace: true`). Every delete is idempotent (404
 * counts as done). The dataset is released through its workflow: kept (`retained`) unless the
 * caller asked to delete it, and then deleted only when no other source writes to it.
 */
import { isCancellation, proxyActivities, TemporalFailure } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SourceGraph } from '../activities/types';
import { inTeardownOrder } from '../shared/resources';
import type { DeprovisionResult } from '../shared/results';
import { describeFailure } from './failures';
import { DATASET_CALL, DELETE } from './policies';

const activities = proxyActivities<Activities>(DELETE);

export interface GraphDeletion {
  result: DeprovisionResult;
  /** "kind id (why)" of each delete that kept failing. */
  failed: string[];
}

export interface DeleteGraphOptions {
  /** The source whose graph it is (it stops writing to its dataset). */
  source: string;
  /** Delete the dataset too, when no other source writes to it. */
  deleteDataset: boolean;
  onStep: (step: string) => void;
}

/**
 * Deletes the graph. A cancellation is rethrown (the caller's ending says CANCELLED), and so is
 * any error that is not a Temporal failure (a bug: it fails the workflow task).
 */
export async function deleteGraph(
  graph: SourceGraph,
  { source, deleteDataset, onStep }: DeleteGraphOptions,
): Promise<GraphDeletion> {
  const { sandbox } = graph;
  const result: DeprovisionResult = {
    sandbox,
    deleted: [],
    alreadyAbsent: [],
    kept: [...graph.kept],
  };
  const failed: string[] = [];
  for (const { kind, id, name } of inTeardownOrder(graph.resources)) {
    onStep(`${kind === 'dataset' ? 'Releasing' : 'Deleting'} ${kind} ${id}`);
    try {
      if (kind === 'dataset') {
        const r = await activities.releaseDataset.executeWithOptions(
          { ...DATASET_CALL, summary: `Release dataset ${id}${deleteDataset ? ' (delete)' : ''}` },
          [{ sandbox, name: name ?? source, source, datasetId: id, deleteDataset }],
        );
        if (r.outcome === 'deleted') result.deleted.push({ kind, id });
        else if (r.outcome === 'absent') result.alreadyAbsent.push({ kind, id });
        else result.kept.push({ kind, id, ...(r.reason ? { reason: r.reason } : {}) });
        continue;
      }
      const r = await activities.deleteResource({ kind, sandbox, id });
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
