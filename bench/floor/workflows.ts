/**
 * The floor: the tutorial's DAG written the plainest way (samples-typescript style). One local
 * activity reads what a re-run must find; then one activity per AEP call, in parallel where the
 * calls allow:
 *
 *   read ─┬─ base connection ─┬─ inlet URL ─────────┐
 *         │                   └─ source connection ─┤
 *         ├─ dataset ─ target connection ───────────┼─ flow
 *         └─ mapping set ───────────────────────────┘
 *
 * No search attributes, no memo, no query, no saga: plain proxies with a start-to-close timeout
 * and the default retry policy. What the read finds decides only whether the source is there
 * already (its flow): the floor is a cost reference for the benchmark, not a second product.
 */
import { ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { FloorActivities, FloorRequest } from './activities';

const { readExisting } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '30s' });
const aep = proxyActivities<FloorActivities>({ startToCloseTimeout: '30s' });

export interface FloorOutcome {
  flowId: string;
  inletUrl?: string;
  /** Ids created by this run (none when the source was there already). */
  created: string[];
}

export async function FloorProvision(r: FloorRequest): Promise<FloorOutcome> {
  const found = await readExisting(r);
  if (!found.schemaFound) {
    throw ApplicationFailure.nonRetryable(`schema ${r.schemaId} not found`, 'SchemaNotFound');
  }
  if (found.flowId) return { flowId: found.flowId, created: [] };

  const connections = (async () => {
    const baseConnectionId = await aep.createBaseConnection(r);
    const [inletUrl, sourceConnectionId] = await Promise.all([
      aep.getInletUrl({ sandbox: r.sandbox, baseConnectionId }),
      aep.createSourceConnection({ ...r, baseConnectionId }),
    ]);
    return { baseConnectionId, inletUrl, sourceConnectionId };
  })();
  const target = (async () => {
    const datasetId = await aep.createDataset(r);
    return { datasetId, targetConnectionId: await aep.createTargetConnection({ ...r, datasetId }) };
  })();
  const [c, t, mapping] = await Promise.all([connections, target, aep.createMappingSet(r)]);
  const flowId = await aep.createFlow({
    sandbox: r.sandbox,
    name: r.name,
    sourceConnectionId: c.sourceConnectionId,
    targetConnectionId: t.targetConnectionId,
    mappingId: mapping.id,
    mappingVersion: mapping.version,
  });
  const created = [c.baseConnectionId, c.sourceConnectionId, t.datasetId, t.targetConnectionId];
  return { flowId, inletUrl: c.inletUrl, created: [...created, mapping.id, flowId] };
}
