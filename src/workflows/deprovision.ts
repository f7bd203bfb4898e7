import {
  ApplicationFailure,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeprovisionRequestInput } from '../request';
import { FailureType, SearchAttributes } from '../shared/names';
import type { DeprovisionResult } from '../shared/results';
import { DELETE } from './policies';
import { deleteGraph } from './teardown';

/** The activity proxy (deletes and discovery: the DELETE policy). */
const activities = proxyActivities<Activities>(DELETE);

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
  const req = await activities.validateDeprovisionRequest(input);
  setCurrentDetails(
    `Discovering ${req.name ? `source "${req.name}"` : `flow ${req.flowId}`} in ${req.sandbox}`,
  );
  const graph = await activities.discoverSource({
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
