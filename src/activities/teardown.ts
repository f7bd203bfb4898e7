/** Deleting: idempotent deletes (compensation, teardown) and discovery of a source's graph. */
import { ApplicationFailure } from '@temporalio/common';
import type { AepClient } from '../aep/client';
import { SPEC } from '../aep/constants';
import { FailureType } from '../shared/names';
import type { ResourceKind } from '../shared/resources';
import { activityContext } from './context';
import { sourceNotFound } from './failures';
import { byName, deleteById, listByName } from './lookups';
import { creatorRun, creatorSource, isOwned } from './ownership';
import type { DeleteResourceInput, DeleteResourceResult, SourceGraph } from './types';

export function teardownActivities({ aep }: { aep: AepClient }) {
  return {
    /**
     * Idempotent delete. By id: 404 counts as done. By ownership: deletes only resources carrying
     * this run's marker (a create whose outcome is unknown), never another run's or a foreign one.
     */
    async deleteResource(input: DeleteResourceInput): Promise<DeleteResourceResult> {
      const { signal } = activityContext();
      const result: DeleteResourceResult = { kind: input.kind, deleted: [], absent: [] };
      let ids: string[] = [];
      if (input.id) {
        ids = [input.id];
      } else if (input.owned) {
        const { name, owner } = input.owned;
        const candidates = await listByName(aep, input.kind, input.sandbox, name, signal);
        ids = candidates.filter((c) => creatorRun(c.description) === owner.runId).map((c) => c.id);
      }
      for (const id of ids) {
        const outcome = await deleteById(aep, input.kind, input.sandbox, id, signal);
        (outcome === 'deleted' ? result.deleted : result.absent).push(id);
      }
      return result;
    },

    /**
     * Finds the resources of a provisioned source (teardown), by source name or flow id. Only
     * resources carrying this project's marker are returned for deletion; a dataset the request
     * named by id is reported as kept.
     */
    async discoverSource(input: {
      sandbox: string;
      name?: string;
      flowId?: string;
    }): Promise<SourceGraph> {
      const { sandbox } = input;
      const { signal } = activityContext();
      const graph: SourceGraph = { sandbox, resources: [], kept: [] };
      const add = (kind: ResourceKind, id: string | undefined) => {
        if (id && !graph.resources.some((r) => r.kind === kind && r.id === id))
          graph.resources.push({ kind, id });
      };

      let name = input.name;
      const flows = [];
      if (input.flowId) {
        const flow = await aep.getFlow(sandbox, input.flowId, signal);
        if (!flow)
          sourceNotFound(`Dataflow ${input.flowId} does not exist in sandbox "${sandbox}"`);
        if (!isOwned(flow.description)) {
          throw ApplicationFailure.create({
            type: FailureType.ForeignResourceConflict,
            message: `Dataflow ${input.flowId} was not created by this project; it is left untouched`,
            nonRetryable: true,
          });
        }
        name = flow.name;
        flows.push(flow);
      }
      if (!name) throw new Error('discoverSource needs a name or a flowId');
      graph.sourceName = name;
      const exactOwned = <T extends { name?: string; description?: string }>(items: T[]) =>
        items.filter((i) => i.name === name && isOwned(i.description));
      if (!input.flowId) {
        flows.push(...exactOwned(await aep.listFlows(sandbox, [byName(name)], undefined, signal)));
      }
      const bases = exactOwned(
        await aep.listConnections(
          sandbox,
          [byName(name), { path: 'connectionSpec.id', value: SPEC.httpApiConnection.id }],
          undefined,
          signal,
        ),
      );
      const targets = exactOwned(
        await aep.listTargetConnections(
          sandbox,
          [byName(name), { path: 'connectionSpec.id', value: SPEC.dataLake.id }],
          undefined,
          signal,
        ),
      );
      const sources = [];
      for (const base of bases) {
        sources.push(
          ...(
            await aep.listSourceConnections(
              sandbox,
              [{ path: 'baseConnectionId', value: base.id }],
              undefined,
              signal,
            )
          ).filter((s) => isOwned(s.description)),
        );
      }
      const mappingSets = (await aep.findMappingSets(sandbox, { name }, signal)).filter((m) =>
        isOwned(m.description),
      );

      for (const f of flows) add('flow', f.id);
      for (const s of sources) add('sourceConnection', s.id);
      for (const t of targets) add('targetConnection', t.id);
      for (const m of mappingSets) add('mappingSet', m.id);
      for (const f of flows) {
        for (const t of f.transformations ?? []) {
          const mappingId = t.params?.mappingId;
          if (t.name === 'Mapping' && typeof mappingId === 'string') {
            const ms = await aep.getMappingSet(sandbox, mappingId, signal);
            if (ms && isOwned(ms.description)) add('mappingSet', ms.id);
          }
        }
      }
      for (const t of targets) {
        const dsId = t.params?.dataSetId;
        if (!dsId) continue;
        const ds = await aep.getDataset(sandbox, dsId, signal);
        if (!ds) continue;
        // A dataset is deleted with the source it was created for; one shared with (or named by)
        // another source is kept.
        if (creatorSource(ds.description) === name) add('dataset', ds.id);
        else if (!graph.kept.some((k) => k.id === ds.id))
          graph.kept.push({ kind: 'dataset', id: ds.id });
      }
      for (const b of bases) add('baseConnection', b.id);
      return graph;
    },
  };
}
