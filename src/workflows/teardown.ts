/**
 * Tearing a source down: DeprovisionStreamingSource, and deleting a discovered source graph in
 * TEARDOWN_ORDER, which a provisioning that replaces its source (`replace: true`) shares. Every delete is idempotent (404
 * counts as done). The dataset is released through its workflow: kept (`retained`) unless the
 * caller asked to delete it, and then deleted only when no other source writes to it.
 */
import {
  ApplicationFailure,
  isCancellation,
  setCurrentDetails,
  TemporalFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { SourceGraph } from '../activities/types';
import type { DeprovisionRequestInput } from '../request';
import { FailureType, SearchAttributes } from '../shared/names';
import { inTeardownOrder } from '../shared/resources';
import type { DeprovisionResult } from '../shared/results';
import { describeFailure } from './failures';
import { DATASET_CALL, DELETE } from './policies';
import { step } from './steps';

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
        const r = await step(
          'releaseDataset',
          `Release dataset ${id}${deleteDataset ? ' (delete)' : ''}`,
          { sandbox, name: name ?? source, source, datasetId: id, deleteDataset },
          DATASET_CALL,
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
 * created (flow → source/target connections → base connection, mapping set, and the dataset if
 * this project created it), then deletes in TEARDOWN_ORDER (flow first, base connection last).
 * The dataset, and the data ingested into it, is kept unless the request says `deleteDataset`
 * (then deleted when no other source writes to it). Every delete is idempotent (404 counts as
 * done), so re-running a teardown is safe; a delete that keeps failing fails the workflow with
 * CompensationFailed naming what is left.
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
