/**
 * Deleting, always in TEARDOWN_ORDER: DeprovisionStreamingSource, the source graph (shared with
 * `replace: true`), and a failed provisioning's compensation. Every delete is idempotent (404
 * counts as done). A shared dataset is released through its workflow, which deletes it only when
 * asked (or this run created it) and no other source writes to it; a source's own dataset is
 * deleted here on the same terms.
 */
import {
  ApplicationFailure,
  isCancellation,
  setCurrentDetails,
  TemporalFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ResolvedSource, SourceGraph } from '../activities/types';
import type { DeprovisionRequestInput } from '../request';
import { describeFailure } from '../shared/failures';
import { FailureType, SearchAttributes } from '../shared/names';
import { type DeprovisionResult, inTeardownOrder } from '../shared/model';
import { datasetAsk, DELETE } from './policies';
import { step } from './steps';

/**
 * Deletes the graph of `source` (which stops writing to its dataset; `deleteDataset`: delete it
 * too, when no other source writes to it). Returns the result and, in `failed`, "kind id (why)"
 * of each delete that kept failing. A cancellation is rethrown (the caller's ending says
 * CANCELLED), and so is any error that is not a Temporal failure (a bug: it fails the task).
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
 * ResolveStreamingSource: the source a dataflow belongs to (teardown by flow id first resolves the
 * name, so that it runs under the source's one workflow id).
 */
export async function ResolveStreamingSource(input: {
  imsOrg: string;
  sandbox: string;
  flowId: string;
}): Promise<ResolvedSource> {
  return step('resolveFlowSource', `Find the source of dataflow ${input.flowId}`, input);
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
