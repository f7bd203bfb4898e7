import {
  ApplicationFailure,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeprovisionRequestInput } from '../request';
import { FailureType, SearchAttributes } from '../shared/names';
import { inTeardownOrder } from '../shared/resources';
import type { DeprovisionResult } from '../shared/results';
import { describeFailure } from './failures';
import { DELETE } from './policies';

const aep = proxyActivities<Activities>(DELETE);

/**
 * Tears a source down from its name (+ sandbox) or its flow id: discovers the graph this project
 * created (flow → source/target connections → base connection, mapping set, and the dataset only
 * if this project created it), then deletes in TEARDOWN_ORDER (flow first, base connection last). Every delete is
 * idempotent (404 counts as done), so re-running a teardown is safe; a delete that keeps failing
 * fails the workflow with CompensationFailed naming what is left.
 */
export async function DeprovisionStreamingSource(
  input: DeprovisionRequestInput,
): Promise<DeprovisionResult> {
  const req = await aep.validateDeprovisionRequest(input);
  setCurrentDetails(
    `Discovering ${req.name ? `source "${req.name}"` : `flow ${req.flowId}`} in ${req.sandbox}`,
  );
  const graph = await aep.discoverSource({
    sandbox: req.sandbox,
    name: req.name,
    flowId: req.flowId,
  });
  upsertSearchAttributes([
    { key: SearchAttributes.sandbox, value: req.sandbox },
    { key: SearchAttributes.status, value: 'DEPROVISIONING' },
    ...(graph.sourceName ? [{ key: SearchAttributes.sourceName, value: graph.sourceName }] : []),
  ]);
  if (graph.resources.length === 0) {
    throw ApplicationFailure.create({
      type: FailureType.SourceNotFound,
      message: `No resource of source "${graph.sourceName ?? req.flowId}" created by this project exists in sandbox "${req.sandbox}"`,
      nonRetryable: true,
    });
  }

  const result: DeprovisionResult = {
    sandbox: req.sandbox,
    deleted: [],
    alreadyAbsent: [],
    kept: graph.kept,
  };
  const failed: string[] = [];
  for (const { kind, id } of inTeardownOrder(graph.resources)) {
    setCurrentDetails(`Deleting ${kind} ${id}`);
    try {
      const r = await aep.deleteResource({ kind, sandbox: req.sandbox, id });
      for (const d of r.deleted) result.deleted.push({ kind, id: d });
      for (const a of r.absent) result.alreadyAbsent.push({ kind, id: a });
    } catch (err) {
      failed.push(`${kind} ${id} (${describeFailure(err)})`);
      // A base connection cannot go while a flow still uses it: stop rather than pile up errors.
      if (kind === 'flow') break;
    }
  }
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
