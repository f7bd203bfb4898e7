/** Deleting: idempotent deletes (compensation, teardown) and discovery of a source's graph. */
import { ApplicationFailure } from '@temporalio/common';
import type { AepClient } from '../aep/client';
import { FailureType } from '../shared/names';
import { TEARDOWN_ORDER, type ResourceKind } from '../shared/resources';
import { activityContext } from './context';
import { sourceNotFound } from './failures';
import { deleteById, listByName, targetConnectionsWritingTo } from './lookups';
import { creatorRun, creatorSource, isOwned, isOwnedBy, keepsDataset } from './ownership';
import type {
  DeleteResourceInput,
  DeleteResourceResult,
  ResolvedSource,
  SourceGraph,
  SweepTwinsInput,
  SweepTwinsResult,
} from './types';

export function teardownActivities({ aep }: { aep: AepClient }) {
  return {
    /**
     * Idempotent delete. By id: 404 counts as done. By ownership: deletes only resources carrying
     * this run's marker (a create whose outcome is unknown), never another run's or a foreign one.
     */
    async deleteResource(input: DeleteResourceInput): Promise<DeleteResourceResult> {
      const { signal } = activityContext();
      const result: DeleteResourceResult = { kind: input.kind, deleted: [], absent: [] };
      const ids = new Set<string>([...(input.id ? [input.id] : []), ...(input.ids ?? [])]);
      if (input.owned) {
        const { name, owner } = input.owned;
        const candidates = await listByName(aep, input.kind, input.sandbox, name, signal);
        for (const c of candidates) {
          if (creatorRun(c.description) === owner.runId) ids.add(c.id);
        }
      }
      for (const id of ids) {
        if (input.kind === 'dataset' && input.keepIfInUse) {
          const usedBy = await targetConnectionsWritingTo(aep, input.sandbox, id, signal);
          if (usedBy.length > 0) {
            (result.inUse ??= []).push({ id, usedBy });
            continue;
          }
        }
        const outcome = await deleteById(aep, input.kind, input.sandbox, id, signal);
        (outcome === 'deleted' ? result.deleted : result.absent).push(id);
      }
      return result;
    },

    /**
     * After a successful provisioning whose creates were retried: every resource of those kinds
     * that carries this run's marker but is not the one the run kept is a twin (an earlier attempt's
     * create that landed after the retry's lookup); it is deleted, flow first, and reported.
     */
    async sweepTwins(input: SweepTwinsInput): Promise<SweepTwinsResult> {
      const { signal } = activityContext();
      const { owner } = input;
      const result: SweepTwinsResult = { removed: [], inUse: [] };
      for (const kind of TEARDOWN_ORDER) {
        for (const k of input.kinds.filter((x) => x.kind === kind)) {
          const twins = (await listByName(aep, kind, owner.sandbox, k.name, signal)).filter(
            (c) => creatorRun(c.description) === owner.runId && !k.keep.includes(c.id),
          );
          for (const twin of twins) {
            if (kind === 'dataset') {
              const usedBy = await targetConnectionsWritingTo(aep, owner.sandbox, twin.id, signal);
              if (usedBy.length > 0) {
                result.inUse.push({ kind, id: twin.id, usedBy });
                continue;
              }
            }
            if ((await deleteById(aep, kind, owner.sandbox, twin.id, signal)) === 'deleted') {
              result.removed.push({ kind, id: twin.id });
            }
          }
        }
      }
      return result;
    },

    /** The source a dataflow of this project belongs to. */
    async resolveFlowSource(input: { sandbox: string; flowId: string }): Promise<ResolvedSource> {
      const { sandbox, flowId } = input;
      const flow = await aep.getFlow(sandbox, flowId, activityContext().signal);
      if (!flow) sourceNotFound(`Dataflow ${flowId} does not exist in sandbox "${sandbox}"`);
      if (!isOwned(flow.description)) {
        throw ApplicationFailure.create({
          type: FailureType.ForeignResourceConflict,
          message: `Dataflow ${flowId} was not created by this project; it is left untouched`,
          nonRetryable: true,
        });
      }
      // The marker names the source (a person may have renamed the flow since).
      return { sandbox, name: creatorSource(flow.description) ?? flow.name };
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
        name = creatorSource(flow.description) ?? flow.name;
        flows.push(flow);
      }
      if (!name) throw new Error('discoverSource needs a name or a flowId');
      const source = name;
      graph.sourceName = source;
      // Exact, case-sensitive name matches whose marker names this very source: a resource of
      // another source (a name differing only in case, or renamed by a person) is never deleted.
      const thisSource = <T extends { name?: string; description?: string }>(items: T[]) =>
        items.filter((i) => i.name === source && isOwnedBy(i.description, source));
      if (!input.flowId) {
        flows.push(...thisSource(await listByName(aep, 'flow', sandbox, source, signal)));
      }
      const bases = thisSource(await listByName(aep, 'baseConnection', sandbox, source, signal));
      const targets = thisSource(
        await listByName(aep, 'targetConnection', sandbox, source, signal),
      );
      const sources = [];
      for (const base of bases) {
        sources.push(
          ...thisSource(
            await aep.listSourceConnections(
              sandbox,
              [{ path: 'baseConnectionId', value: base.id }],
              undefined,
              signal,
            ),
          ),
        );
      }
      const mappingSets = thisSource(await listByName(aep, 'mappingSet', sandbox, source, signal));

      for (const f of flows) add('flow', f.id);
      for (const s of sources) add('sourceConnection', s.id);
      for (const t of targets) add('targetConnection', t.id);
      for (const m of mappingSets) add('mappingSet', m.id);
      for (const f of flows) {
        for (const t of f.transformations ?? []) {
          const mappingId = t.params?.mappingId;
          if (t.name === 'Mapping' && typeof mappingId === 'string') {
            const ms = await aep.getMappingSet(sandbox, mappingId, signal);
            if (ms && isOwnedBy(ms.description, source)) add('mappingSet', ms.id);
          }
        }
      }
      for (const t of targets) {
        const dsId = t.params?.dataSetId;
        if (!dsId) continue;
        const ds = await aep.getDataset(sandbox, dsId, signal);
        if (!ds) continue;
        // A dataset this project created goes with the last source that writes to it (the
        // delete checks that no other target connection still does); one the request named by
        // id, or one this project did not create, is never deleted.
        const keep = !isOwned(ds.description)
          ? 'not created by this project'
          : keepsDataset(t.description)
            ? 'named by id in the request'
            : undefined;
        if (!keep) add('dataset', ds.id);
        else if (!graph.kept.some((k) => k.id === ds.id))
          graph.kept.push({ kind: 'dataset', id: ds.id, reason: keep });
      }
      for (const b of bases) add('baseConnection', b.id);
      return graph;
    },
  };
}
