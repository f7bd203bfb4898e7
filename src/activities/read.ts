/**
 * Reading what AEP holds for a source (plan, provisioning): read-only, every lookup exact and in
 * parallel where the dependencies allow. AEP is the state: nothing is cached between runs.
 */
import type { AepClient } from '../aep/client';
import { SPEC } from '../aep/constants';
import type { ActualSource, Mapping } from '../shared/plan';
import type { ResourceKind } from '../shared/resources';
import { activityContext } from './context';
import { byName } from './lookups';
import { isOwned, userDescription } from './ownership';
import type { ReadSourceInput } from './types';

interface Named {
  id: string;
  name?: string;
  description?: string;
}

/** Ours among exact-name matches; a foreign one only when none is ours. */
function pick<T extends Named>(
  kind: ResourceKind,
  name: string,
  items: T[],
  foreign: ActualSource['foreign'],
): T | undefined {
  const exact = items.filter((i) => i.name === undefined || i.name === name);
  const ours = exact.find((i) => isOwned(i.description));
  if (ours) return ours;
  if (exact[0]) foreign.push({ kind, id: exact[0].id });
  return undefined;
}

export function readActivities({ aep }: { aep: AepClient }) {
  return {
    async readSource(input: ReadSourceInput): Promise<ActualSource> {
      const { sandbox, name, schemaId, datasetId, datasetName } = input;
      const { signal } = activityContext();
      const foreign: ActualSource['foreign'] = [];

      const [schema, bases, targets, mappingSets, flows, datasets] = await Promise.all([
        aep.getSchema(sandbox, schemaId, signal),
        aep.listConnections(
          sandbox,
          [byName(name), { path: 'connectionSpec.id', value: SPEC.httpApiConnection.id }],
          undefined,
          signal,
        ),
        aep.listTargetConnections(
          sandbox,
          [byName(name), { path: 'connectionSpec.id', value: SPEC.dataLake.id }],
          undefined,
          signal,
        ),
        aep.findMappingSets(sandbox, { name }, signal),
        aep.listFlows(sandbox, [byName(name)], undefined, signal),
        datasetId !== undefined
          ? aep.getDataset(sandbox, datasetId, signal).then((d) => (d ? [d] : []))
          : aep.findDatasets(sandbox, { name: datasetName ?? name }, signal),
      ]);

      const base = pick('baseConnection', name, bases, foreign);
      const target = pick('targetConnection', name, targets, foreign);
      const ms = pick('mappingSet', name, mappingSets, foreign);
      const flow = pick('flow', name, flows, foreign);
      // A dataset named by id is the request's to choose, whoever created it.
      const ds =
        datasetId !== undefined
          ? datasets[0]
          : pick('dataset', datasetName ?? name, datasets, foreign);

      const [sources, mappingSet] = await Promise.all([
        base
          ? aep.listSourceConnections(
              sandbox,
              [{ path: 'baseConnectionId', value: base.id }],
              undefined,
              signal,
            )
          : [],
        ms ? aep.getMappingSet(sandbox, ms.id, signal) : null,
      ]);
      const source = sources.find((s) => isOwned(s.description));
      const params = base?.auth?.params;
      const mapping = flow?.transformations?.find((t) => t.name === 'Mapping')?.params;

      return {
        schemaFound: schema !== null,
        baseConnection: base
          ? {
              id: base.id,
              ...(params?.dataType !== undefined ? { dataType: params.dataType } : {}),
              authenticationRequired: params?.authenticationRequired === true,
              description: userDescription(base.description),
              ...(params?.inletUrl ? { inletUrl: params.inletUrl } : {}),
              ...(params?.inletId ? { inletId: params.inletId } : {}),
            }
          : null,
        sourceConnection: source ? { id: source.id } : null,
        dataset: ds
          ? { id: ds.id, schemaId: ds.schemaRef.id, owned: isOwned(ds.description) }
          : null,
        targetConnection: target
          ? {
              id: target.id,
              ...(target.params?.dataSetId !== undefined
                ? { dataSetId: target.params.dataSetId }
                : {}),
              ...(target.data?.schema?.id !== undefined ? { schemaId: target.data.schema.id } : {}),
            }
          : null,
        mappingSet:
          ms && mappingSet
            ? {
                id: ms.id,
                version: mappingSet.version,
                ...(mappingSet.xdmSchema !== undefined ? { schemaId: mappingSet.xdmSchema } : {}),
                mappings: (mappingSet.mappings ?? []).map((m): Mapping => ({
                  sourceAttribute: m.sourceAttribute ?? '',
                  destinationXdmPath: m.destinationXdmPath ?? '',
                  identity: m.identity === true,
                })),
              }
            : null,
        flow: flow
          ? {
              id: flow.id,
              flowSpec:
                flow.flowSpec.id === SPEC.streamingFlow.id
                  ? ('streaming' as const)
                  : flow.flowSpec.id === SPEC.streamingFlowWithMapping.id
                    ? ('streamingWithMapping' as const)
                    : ('other' as const),
              sourceConnectionIds: flow.sourceConnectionIds,
              targetConnectionIds: flow.targetConnectionIds,
              ...(typeof mapping?.mappingId === 'string'
                ? {
                    mapping: {
                      id: mapping.mappingId,
                      version: Number(mapping.mappingVersion ?? 0),
                    },
                  }
                : {}),
              ...(flow.state !== undefined ? { state: flow.state } : {}),
            }
          : null,
        foreign,
      };
    },
  };
}
