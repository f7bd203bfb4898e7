/**
 * Deleting a discovered source graph, in TEARDOWN_ORDER: shared by DeprovisionStreamingSource and
 * by a provisioning that replaces its source (`replace: true`). Every delete is idempotent (404
 * counts as done); a dataset is deleted only when no other target connection writes to it.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeleteResourceResult, SourceGraph } from '../activities/types';
import { inTeardownOrder } from '../shared/resources';
import type { DeprovisionResult } from '../shared/results';
import { describeFailure } from './failures';
import { DELETE, deleteOptions } from './policies';

/** The activity proxy (deletes and discovery: the DELETE policy). */
const activities = proxyActivities<Activities>(DELETE);

export interface GraphDeletion {
  result: DeprovisionResult;
  /** "kind id (why)" of each delete that kept failing. */
  failed: string[];
}

export async function deleteGraph(
  graph: SourceGraph,
  onStep: (step: string) => void,
): Promise<GraphDeletion> {
  const { sandbox } = graph;
  const result: DeprovisionResult = {
    sandbox,
    deleted: [],
    alreadyAbsent: [],
    kept: [...graph.kept],
  };
  const failed: string[] = [];
  for (const { kind, id } of inTeardownOrder(graph.resources)) {
    onStep(`Deleting ${kind} ${id}`);
    try {
      const r = await activities.deleteResource.executeWithOptions(deleteOptions(kind), [
        { kind, sandbox, id, keepIfInUse: true },
      ]);
      for (const d of r.deleted) result.deleted.push({ kind, id: d });
      for (const a of r.absent) result.alreadyAbsent.push({ kind, id: a });
      for (const k of keptBy(r)) result.kept.push({ kind, ...k });
    } catch (err) {
      failed.push(`${kind} ${id} (${describeFailure(err)})`);
      // A base connection cannot go while a flow still uses it: stop rather than pile up errors.
      if (kind === 'flow') break;
    }
  }
  return { result, failed };
}

/** What a delete kept, and why: a dataset other target connections write to, or not ours. */
export function keptBy(r: DeleteResourceResult): Array<{ id: string; reason: string }> {
  return [
    ...(r.inUse ?? []).map((k) => ({ id: k.id, reason: `in use by ${k.usedBy.join(', ')}` })),
    ...(r.kept ?? []),
  ];
}
