/**
 * Reading what AEP holds for a source (the plan's read, the inlet URL): read-only, exact, in
 * parallel where the dependencies allow. AEP is the state: nothing is cached between runs.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { AepClient } from '../aep/client';
import { SPEC } from '../aep/constants';
import type { BaseConnection, Dataset, Flow, MappingSet } from '../aep/types';
import type { ActualSource, ResourceKind } from '../shared/model';
import { FailureType } from '../shared/names';
import { activityContext, refuse } from './context';
import { canonicalOrder, lookups, type Lookups, type ResourceOf } from './lookups';
import { creatorSource, isOwned, isSourceOwn, userDescription } from './ownership';
import type { InletInfo, KnownResources } from './types';

interface ReadSourceInput {
  sandbox: string;
  name: string;
  schemaId: string;
  /** The dataset the request names by id... */
  datasetId?: string;
  /** ...or by name (created by this project). */
  datasetName?: string;
  /** What Temporal recorded of the source (read by id: lists may not show it yet). */
  known?: KnownResources;
}

/** What the plan's read reads (source `name` of one sandbox), and the foreign ones it meets. */
interface Scope {
  at: Lookups;
  name: string;
  known: KnownResources;
  foreign: ActualSource['foreign'];
}

/** This source's among exact name matches (datasets: any of this project's), else a foreign one. */
function pick<T extends { id: string; description?: string }>(
  { name, foreign }: Scope,
  kind: ResourceKind,
  items: T[],
  anySource = false,
): T | undefined {
  const ours = items.find((i) =>
    anySource ? isOwned(i.description) : creatorSource(i.description) === name,
  );
  if (!ours && items[0]) foreign.push({ kind, id: items[0].id });
  return ours;
}

/**
 * The resource the list picked, or else the one Temporal recorded, as it is now (read by id);
 * undefined when neither exists. A recorded one must be this source's (`ours`).
 */
async function current<K extends ResourceKind>(
  { at, name, known }: Scope,
  kind: K,
  listed: ResourceOf[K] | undefined,
  ours: (r: ResourceOf[K]) => boolean = (r) => isSourceOwn(name, r),
): Promise<ResourceOf[K] | undefined> {
  if (listed) {
    const now = await at.read(kind, listed.id);
    if (now) return { ...listed, ...now, id: listed.id };
  }
  const knownId = known[`${kind}Id`];
  if (knownId === undefined || knownId === listed?.id) return undefined;
  const recorded = await at.read(kind, knownId);
  return recorded && ours(recorded) ? recorded : undefined;
}

/** The datasets the request names: by id, or by name (oldest first, as the dataset workflow picks). */
async function listDatasets({ at, name }: Scope, input: ReadSourceInput) {
  if (input.datasetId !== undefined) {
    const d = await at.read('dataset', input.datasetId);
    return d ? [d] : [];
  }
  return (await at.list('dataset', input.datasetName ?? name)).sort(canonicalOrder);
}

/** A dataset named by id is the request's to choose, whoever created it. */
function currentDataset(scope: Scope, input: ReadSourceInput, datasets: Dataset[]) {
  if (input.datasetId !== undefined) return datasets[0];
  const datasetName = input.datasetName ?? scope.name;
  return current(
    scope,
    'dataset',
    pick(scope, 'dataset', datasets, true),
    (d) => d.name === datasetName && isOwned(d.description),
  );
}

export function readActivities({ aep }: { aep: AepClient }) {
  return {
    /**
     * What AEP holds for the source: its resources by name, and what Temporal recorded (`known`),
     * each read by id: neither a just-deleted one (still listed) nor a just-created one (not
     * listed yet) misleads the plan.
     */
    async readSource(input: ReadSourceInput): Promise<ActualSource> {
      const { sandbox, name } = input;
      const { signal } = activityContext();
      const at = lookups(aep, sandbox, signal);
      const foreign: ActualSource['foreign'] = [];
      const scope: Scope = { at, name, known: input.known ?? {}, foreign };
      const [schema, bases, targets, mappingSets, flows, datasets] = await Promise.all([
        aep.getSchema(sandbox, input.schemaId, signal),
        at.list('baseConnection', name),
        at.list('targetConnection', name),
        at.list('mappingSet', name),
        at.list('flow', name),
        listDatasets(scope, input),
      ]);
      const own = <K extends ResourceKind>(kind: K, items: Array<ResourceOf[K]>) =>
        current(scope, kind, pick(scope, kind, items));
      const [base, target, ms, flow, ds] = await Promise.all([
        own('baseConnection', bases),
        own('targetConnection', targets),
        own('mappingSet', mappingSets),
        own('flow', flows),
        currentDataset(scope, input, datasets),
      ]);
      const sources = base ? await at.sourceConnectionsOf(base.id) : [];
      const listed = sources.find((s) => isSourceOwn(name, s));
      const source = base ? await current(scope, 'sourceConnection', listed) : undefined;
      return {
        schemaFound: schema !== null,
        baseConnection: base ? actualBaseConnection(base) : null,
        sourceConnection: source ? { id: source.id } : null,
        dataset: ds
          ? { id: ds.id, schemaId: ds.schemaRef.id, owned: isOwned(ds.description) }
          : null,
        targetConnection: target
          ? defined({
              id: target.id,
              dataSetId: target.params?.dataSetId,
              schemaId: target.data?.schema?.id,
            })
          : null,
        mappingSet: ms ? actualMappingSet(ms) : null,
        flow: flow ? actualFlow(flow) : null,
        foreign,
      };
    },

    /** Read-only; InletNotReady is retryable, so the workflow's retry policy is the wait loop. */
    async getInlet(input: { sandbox: string; baseConnectionId: string }): Promise<InletInfo> {
      const id = input.baseConnectionId;
      const conn = await aep.getConnection(input.sandbox, id, activityContext().signal);
      if (!conn) {
        const message = `Base connection ${id} disappeared before its inlet URL was read`;
        refuse(FailureType.AepNotFound, message);
      }
      const params = conn.auth?.params;
      if (!params?.inletUrl || !params.inletId) {
        throw ApplicationFailure.retryable(
          `Base connection ${id} has no inlet URL yet`,
          FailureType.InletNotReady,
        );
      }
      return {
        inletUrl: params.inletUrl,
        inletId: params.inletId,
        authenticationRequired: params.authenticationRequired === true,
      };
    },
  };
}

type Actual<K extends keyof ActualSource> = NonNullable<ActualSource[K]>;

/** `o` without its undefined entries: the plan's read leaves out what AEP does not say. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function actualBaseConnection({ id, auth, description }: BaseConnection) {
  const params = auth?.params;
  return defined<Actual<'baseConnection'>>({
    id,
    dataType: params?.dataType,
    authenticationRequired: params?.authenticationRequired === true,
    description: userDescription(description),
    inletUrl: params?.inletUrl || undefined,
    inletId: params?.inletId || undefined,
  });
}

/** The set found by name, as its latest version (read by id). */
function actualMappingSet({ id, version, xdmSchema, mappings }: MappingSet) {
  return defined<Actual<'mappingSet'>>({
    id,
    version,
    schemaId: xdmSchema,
    mappings: (mappings ?? []).map((m) => ({
      sourceAttribute: m.sourceAttribute ?? '',
      destinationXdmPath: m.destinationXdmPath ?? '',
      identity: m.identity === true,
    })),
  });
}

const FLOW_SPECS: Record<string, Actual<'flow'>['flowSpec']> = {
  [SPEC.streamingFlow.id]: 'streaming',
  [SPEC.streamingFlowWithMapping.id]: 'streamingWithMapping',
};

function actualFlow(flow: Flow) {
  const mapping = flow.transformations?.find((t) => t.name === 'Mapping')?.params;
  return defined<Actual<'flow'>>({
    id: flow.id,
    flowSpec: FLOW_SPECS[flow.flowSpec.id] ?? 'other',
    sourceConnectionIds: flow.sourceConnectionIds,
    targetConnectionIds: flow.targetConnectionIds,
    mapping:
      typeof mapping?.mappingId === 'string'
        ? { id: mapping.mappingId, version: Number(mapping.mappingVersion ?? 0) }
        : undefined,
    state: flow.state,
  });
}
