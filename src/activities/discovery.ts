/** Discovery for teardown: the source a dataflow belongs to, the graph of a source's resources. */
import type { AepClient } from '../aep/client';
import type { Flow } from '../aep/types';
import { FailureType } from '../shared/names';
import type { ResourceKind } from '../shared/resources';
import { activityContext, refuse } from './context';
import { lookups, type Lookups, type ResourceOf } from './lookups';
import { creatorSource, isOwned, isOwnedBy, keepsDataset } from './ownership';
import type { KnownResources, ResolvedSource, SourceGraph } from './types';

export function discoveryActivities({ aep }: { aep: AepClient }) {
  return {
    /** The source a dataflow of this project belongs to. */
    async resolveFlowSource(input: { sandbox: string; flowId: string }): Promise<ResolvedSource> {
      const { sandbox, flowId } = input;
      const flow = await ownedFlow(aep, sandbox, flowId, activityContext().signal);
      return { sandbox, name: sourceOf(flow) };
    },

    /**
     * Finds the resources of a provisioned source (teardown), by source name or flow id. Only
     * resources carrying this project's marker are returned; a dataset the request named by id
     * is reported as kept. With `datasets`, a dataset this source created that no target
     * connection of it writes to any more (kept by an earlier teardown) is found by the source's
     * own name too, for a teardown that asks to delete it.
     */
    async discoverSource(input: {
      sandbox: string;
      name?: string;
      flowId?: string;
      datasets?: boolean;
      known?: KnownResources;
    }): Promise<SourceGraph> {
      const { sandbox } = input;
      const { signal } = activityContext();
      const named = input.flowId ? await ownedFlow(aep, sandbox, input.flowId, signal) : undefined;
      const source = named ? sourceOf(named) : input.name;
      if (!source) throw new Error('discoverSource needs a name or a flowId');
      const at = lookups(aep, sandbox, signal);
      const known = input.known ?? {};
      const { flows, bases, targets, sources, mappingSets } = await listSource(
        at,
        source,
        named,
        known,
      );
      const graph: SourceGraph = { sandbox, resources: [], kept: [], sourceName: source };
      const add = (kind: ResourceKind, id: string | undefined, name?: string) => {
        if (id && !graph.resources.some((r) => r.kind === kind && r.id === id))
          graph.resources.push({ kind, id, ...(name !== undefined ? { name } : {}) });
      };
      for (const f of flows) add('flow', f.id);
      for (const s of sources) add('sourceConnection', s.id);
      for (const t of targets) add('targetConnection', t.id);
      for (const m of mappingSets) add('mappingSet', m.id);
      for (const id of flows.flatMap(mappingIdsOf)) {
        const ms = await at.read('mappingSet', id);
        if (ms && isOwnedBy(ms.description, source)) add('mappingSet', ms.id);
      }
      for (const t of targets) {
        const ds = t.params?.dataSetId && (await at.read('dataset', t.params.dataSetId));
        if (!ds) continue;
        const keep = datasetKept(ds.description, t.description);
        if (!keep) add('dataset', ds.id, ds.name);
        else if (!graph.kept.some((k) => k.id === ds.id))
          graph.kept.push({ kind: 'dataset', id: ds.id, reason: keep });
      }
      if (input.datasets && !graph.resources.some((r) => r.kind === 'dataset')) {
        // Kept by an earlier teardown: the id Temporal recorded, else the source's own name.
        const kept = known.datasetId ? await at.read('dataset', known.datasetId) : null;
        for (const ds of kept ? [kept] : await at.list('dataset', source)) {
          const namedById = graph.kept.some((k) => k.id === ds.id);
          if (!namedById && isOwnedBy(ds.description, source)) add('dataset', ds.id, ds.name);
        }
      }
      for (const b of bases) add('baseConnection', b.id);
      return graph;
    },
  };
}

/** Dataflow `flowId`, which must exist and be this project's (a foreign one is left untouched). */
async function ownedFlow(
  aep: AepClient,
  sandbox: string,
  flowId: string,
  signal?: AbortSignal,
): Promise<Flow> {
  const flow = await aep.getFlow(sandbox, flowId, signal);
  if (!flow) {
    refuse(FailureType.SourceNotFound, `Dataflow ${flowId} does not exist in sandbox "${sandbox}"`);
  }
  if (!isOwned(flow.description)) {
    const message = `Dataflow ${flowId} was not created by this project; it is left untouched`;
    refuse(FailureType.ForeignResourceConflict, message);
  }
  return flow;
}

/**
 * The source a dataflow of this project belongs to: the marker names it (a person may have
 * renamed the flow since).
 */
function sourceOf(flow: Flow): string {
  return creatorSource(flow.description) ?? flow.name;
}

/** The mapping sets a flow maps through. */
function mappingIdsOf(flow: Flow): string[] {
  return (flow.transformations ?? []).flatMap((t) => {
    const mappingId = t.params?.mappingId;
    return t.name === 'Mapping' && typeof mappingId === 'string' ? [mappingId] : [];
  });
}

/**
 * The source's resources by kind, `flow` alone when the teardown names one. Exact, case-sensitive
 * name matches whose marker names this very source: a resource of another source (a name
 * differing only in case, or renamed by a person) is never deleted. Then what the source's last
 * provisioning returned (`known`), read by id: lists may not show it yet.
 */
async function listSource(
  at: Lookups,
  source: string,
  flow: Flow | undefined,
  known: KnownResources,
) {
  const thisSource = <T extends { name?: string; description?: string }>(items: T[]) =>
    items.filter((i) => i.name === source && isOwnedBy(i.description, source));
  const flows = flow ? [flow] : thisSource(await at.list('flow', source));
  const bases = thisSource(await at.list('baseConnection', source));
  const targets = thisSource(await at.list('targetConnection', source));
  const sources = [];
  for (const base of bases) {
    sources.push(...thisSource(await at.sourceConnectionsOf(base.id)));
  }
  const mappingSets = thisSource(await at.list('mappingSet', source));
  const read = async <K extends ResourceKind>(
    kind: K,
    id: string | undefined,
    have: Array<ResourceOf[K]>,
  ) => {
    if (!id || have.some((h) => h.id === id)) return;
    const r = await at.read(kind, id);
    if (r && r.name === source && isOwnedBy(r.description, source)) have.push(r);
  };
  if (!flow) await read('flow', known.flowId, flows);
  await read('baseConnection', known.baseConnectionId, bases);
  await read('sourceConnection', known.sourceConnectionId, sources);
  await read('targetConnection', known.targetConnectionId, targets);
  await read('mappingSet', known.mappingSetId, mappingSets);
  return { flows, bases, targets, sources, mappingSets };
}

/**
 * Why the dataset a target connection writes to is not the teardown's to release, or undefined
 * when it is (its workflow then keeps or deletes it): one the request named by id, or one this
 * project did not create, is never deleted.
 */
function datasetKept(
  dataset: string | undefined,
  targetConnection: string | undefined,
): string | undefined {
  if (!isOwned(dataset)) return 'not created by this project';
  return keepsDataset(targetConnection) ? 'named by id in the request' : undefined;
}
