/** Teardown: discovery of a source's resources, idempotent deletes, the sweep of a run's twins. */
import type { AepClient } from '../aep/client';
import type { Flow } from '../aep/schemas';
import { FailureType } from '../shared/names';
import { inTeardownOrder, type ResourceKind } from '../shared/model';
import { activityContext, refuse } from './context';
import { lookups, type Lookups } from './lookups';
import {
  creatorRun,
  creatorSource,
  isOwnDataset,
  isOwned,
  isSourceOwn,
  keepsDataset,
} from './ownership';
import type { KnownResources, Owner, ResolvedSource, SourceGraph } from './types';

type Removal = { kind: ResourceKind; id: string };

export function discoveryActivities({ aep }: { aep: AepClient }) {
  const at = (sandbox: string) => lookups(aep, sandbox, activityContext().signal);
  return {
    async resolveFlowSource(input: { sandbox: string; flowId: string }): Promise<ResolvedSource> {
      const { sandbox, flowId } = input;
      return { sandbox, name: sourceOf(await ownedFlow(at(sandbox), flowId)) };
    },
    /**
     * The resources of a source carrying this project's marker, by source name or flow id; a
     * dataset named by id is reported as kept. With `datasets`, one this source created that no
     * target connection writes to any more (an earlier teardown kept it) is found too.
     */
    async discoverSource(input: {
      sandbox: string;
      name?: string;
      flowId?: string;
      datasets?: boolean;
      known?: KnownResources;
    }): Promise<SourceGraph> {
      const { sandbox } = input;
      const known = input.known ?? {};
      const sandboxAt = at(sandbox);
      const named = input.flowId ? await ownedFlow(sandboxAt, input.flowId) : undefined;
      const source = named ? sourceOf(named) : input.name;
      if (!source) throw new Error('discoverSource needs a name or a flowId');
      const lists = await listSource(sandboxAt, source, named, known);
      const graph: SourceGraph = { sandbox, resources: [], kept: [], sourceName: source };
      const add = (kind: ResourceKind, id: string | undefined, ds?: Dataset) => {
        if (!id || graph.resources.some((r) => r.kind === kind && r.id === id)) return;
        const own = ds && isOwnDataset(ds.description) ? { own: true as const } : {};
        const name = ds?.name !== undefined ? { name: ds.name } : {};
        graph.resources.push({ kind, id, ...name, ...own });
      };
      for (const kind of ['flow', 'sourceConnection', 'targetConnection', 'mappingSet'] as const) {
        for (const r of lists[kind]) add(kind, r.id);
      }
      for (const id of lists.flow.flatMap(mappingIdsOf)) {
        const ms = await sandboxAt.read('mappingSet', id);
        if (ms && creatorSource(ms.description) === source) add('mappingSet', ms.id);
      }
      for (const t of lists.targetConnection) {
        const ds = t.params?.dataSetId && (await sandboxAt.read('dataset', t.params.dataSetId));
        if (!ds) continue;
        // One the request named by id, or one this project did not create, is never deleted.
        let reason = keepsDataset(t.description) ? 'named by id in the request' : undefined;
        if (!isOwned(ds.description)) reason = 'not created by this project';
        if (!reason) add('dataset', ds.id, ds);
        else if (!graph.kept.some((k) => k.id === ds.id))
          graph.kept.push({ kind: 'dataset', id: ds.id, reason });
      }
      if (input.datasets && !graph.resources.some((r) => r.kind === 'dataset')) {
        // Kept by an earlier teardown: the id Temporal recorded, else the source's own name.
        const kept = known.datasetId ? await sandboxAt.read('dataset', known.datasetId) : null;
        for (const ds of kept ? [kept] : await sandboxAt.list('dataset', source)) {
          const namedById = graph.kept.some((k) => k.id === ds.id);
          if (!namedById && creatorSource(ds.description) === source) add('dataset', ds.id, ds);
        }
      }
      for (const b of lists.baseConnection) add('baseConnection', b.id);
      return graph;
    },
  };
}

export function teardownActivities({ aep }: { aep: AepClient }) {
  const at = (sandbox: string) => lookups(aep, sandbox, activityContext().signal);
  return {
    /**
     * Idempotent delete (404 counts as done) of `id` and `ids`, and with `owned` of what this run
     * created under that name (its marker). Datasets are deleted by their own workflow only.
     */
    async deleteResource(input: {
      kind: Exclude<ResourceKind, 'dataset'>;
      sandbox: string;
      id?: string;
      ids?: string[];
      owned?: { name: string; owner: Owner };
    }): Promise<{ kind: ResourceKind; deleted: string[]; absent: string[] }> {
      const { kind, owned } = input;
      const sandboxAt = at(input.sandbox);
      const result = { kind, deleted: [] as string[], absent: [] as string[] };
      const ids = new Set<string>([...(input.id ? [input.id] : []), ...(input.ids ?? [])]);
      for (const c of owned ? await sandboxAt.list(kind, owned.name) : []) {
        if (creatorRun(c.description) === owned?.owner.runId) ids.add(c.id);
      }
      for (const id of ids) {
        const outcome = await sandboxAt.remove(kind, id);
        (outcome === 'deleted' ? result.deleted : result.absent).push(id);
      }
      return result;
    },
    /**
     * After a provisioning whose creates were retried: a resource of `kinds` (name used, ids kept)
     * carrying this run's marker but not kept is a twin (an earlier attempt's create that landed
     * late); deleted flow first, unless a dataset still has writers (`inUse`).
     */
    async sweepTwins(input: {
      owner: Owner;
      kinds: Array<{ kind: ResourceKind; name: string; keep: string[] }>;
    }): Promise<{ removed: Removal[]; inUse: Array<Removal & { usedBy: string[] }> }> {
      const { owner } = input;
      const sandboxAt = at(owner.sandbox);
      const result = {
        removed: [] as Removal[],
        inUse: [] as Array<Removal & { usedBy: string[] }>,
      };
      for (const { kind, name, keep } of inTeardownOrder(input.kinds)) {
        for (const { id, description } of await sandboxAt.list(kind, name)) {
          if (creatorRun(description) !== owner.runId || keep.includes(id)) continue;
          const usedBy = kind === 'dataset' ? await sandboxAt.writersOf(id) : [];
          if (usedBy.length > 0) result.inUse.push({ kind, id, usedBy });
          else if ((await sandboxAt.remove(kind, id)) === 'deleted')
            result.removed.push({ kind, id });
        }
      }
      return result;
    },
  };
}

type Dataset = { name?: string; description?: string };

/** Dataflow `flowId`, which must exist and be this project's (a foreign one is left untouched). */
async function ownedFlow(at: Lookups, flowId: string): Promise<Flow> {
  const flow = await at.read('flow', flowId);
  if (!flow)
    refuse(
      FailureType.SourceNotFound,
      `Dataflow ${flowId} does not exist in sandbox "${at.sandbox}"`,
    );
  if (!isOwned(flow.description)) {
    const message = `Dataflow ${flowId} was not created by this project; it is left untouched`;
    refuse(FailureType.ForeignResourceConflict, message);
  }
  return flow;
}

/** The source a dataflow of this project belongs to: its marker (a person may rename a flow). */
const sourceOf = (flow: Flow) => creatorSource(flow.description) ?? flow.name;

const mappingIdsOf = (flow: Flow): string[] =>
  (flow.transformations ?? []).flatMap(({ name, params }) =>
    name === 'Mapping' && typeof params?.mappingId === 'string' ? [params.mappingId] : [],
  );

/**
 * The source's resources by kind (`flow` alone when the teardown names one): exact name matches
 * whose marker names this very source, then those `known` from its last provisioning, by id.
 */
async function listSource(
  at: Lookups,
  source: string,
  flow: Flow | undefined,
  known: KnownResources,
) {
  const own = <T extends { name?: string; description?: string }>(items: T[]) =>
    items.filter((i) => isSourceOwn(source, i));
  const flows = flow ? [flow] : own(await at.list('flow', source));
  const bases = own(await at.list('baseConnection', source));
  const targets = own(await at.list('targetConnection', source));
  const sources = [];
  for (const base of bases) sources.push(...own(await at.sourceConnectionsOf(base.id)));
  const lists = {
    flow: flows,
    baseConnection: bases,
    sourceConnection: sources,
    targetConnection: targets,
    mappingSet: own(await at.list('mappingSet', source)),
  };
  for (const kind of Object.keys(lists) as Array<keyof typeof lists>) {
    const id = known[`${kind}Id`];
    const have: Array<{ id: string }> = lists[kind];
    if ((kind === 'flow' && flow) || !id || have.some((h) => h.id === id)) continue;
    const r = await at.read(kind, id);
    if (r) have.push(...own([r]));
  }
  return lists;
}
