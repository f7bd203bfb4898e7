/** Reading what AEP holds for a source (plan, inlet URL): read-only; AEP is the state. */
import { ApplicationFailure } from '@temporalio/common';
import type { AepClient } from '../aep/client';
import { SPEC } from '../aep/constants';
import type { BaseConnection, Flow, MappingSet } from '../aep/schemas';
import type { ResourceKind } from '../shared/model';
import { FailureType } from '../shared/names';
import { activityContext, refuse } from './context';
import { canonicalOrder, lookups, type ResourceOf } from './lookups';
import {
  applySetOf,
  creatorSource,
  isOwnDataset,
  isOwnDatasetOf,
  isOwned,
  isShared,
  isSourceOwn,
  refuseAnothersOwn,
  userDescription,
} from './ownership';
import type { ById, EnsureResult, InletInfo, KnownResources } from './types';

/**
 * The dataset by id, by name (this project's), or none (`ownDataset`: the source's own first).
 * `known`: what Temporal recorded of the source (read by id: lists may not show it yet).
 */
export interface ReadSourceInput {
  sandbox: string;
  name: string;
  schemaId: string;
  datasetId?: string;
  datasetName?: string;
  ownDataset?: boolean;
  known?: KnownResources;
}

/**
 * What AEP holds for the source: its resources by name, and what Temporal recorded (`known`), each
 * read by id: neither a just-deleted one (still listed) nor a just-created one (not listed yet)
 * misleads the plan. `foreign`: same-name resources this project did not create (never touched).
 */
async function readAll(aep: AepClient, input: ReadSourceInput) {
  const { sandbox, name, datasetId } = input;
  const { signal } = activityContext();
  const at = lookups(aep, sandbox, signal);
  const foreign: Array<{ kind: ResourceKind; id: string }> = [];
  const datasetName = input.datasetName ?? name;
  /** The resource listed, or else the one Temporal recorded if `ours`, as it is now (by id). */
  const current = async <K extends ResourceKind>(
    kind: K,
    listed: ResourceOf[K] | undefined,
    ours: (r: ResourceOf[K]) => boolean = (r) => isSourceOwn(name, r),
  ): Promise<ResourceOf[K] | undefined> => {
    const now = listed && (await at.read(kind, listed.id));
    if (listed && now) return { ...listed, ...now, id: listed.id };
    const knownId = input.known?.[`${kind}Id`];
    if (knownId === undefined || knownId === listed?.id) return undefined;
    const recorded = await at.read(kind, knownId);
    return recorded && ours(recorded) ? recorded : undefined;
  };
  /** This source's among exact name matches, else a foreign one noted. */
  const own = <K extends ResourceKind>(kind: K, items: Array<ResourceOf[K]>) => {
    const ours = items.find((i) => creatorSource(i.description) === name);
    if (!ours && items[0]) foreign.push({ kind, id: items[0].id });
    return ours;
  };
  const [schema, bases, targets, mappingSets, flows, datasets] = await Promise.all([
    aep.getSchema(sandbox, input.schemaId, signal),
    at.list('baseConnection', name),
    at.list('targetConnection', name),
    at.list('mappingSet', name),
    at.list('flow', name),
    // By id, or by name (oldest first, as the dataset workflow picks).
    datasetId !== undefined
      ? at.read('dataset', datasetId).then((d) => (d ? [d] : []))
      : at.list('dataset', datasetName).then((ds) => ds.sort(canonicalOrder)),
  ]);
  /**
   * Among the datasets of the name: the source's own (its schema's first), else one of this
   * project's shared by name; another source's own is never this request's. A foreign one is noted.
   */
  const pickDataset = (items: Array<ResourceOf['dataset']>) => {
    const chosen =
      items.find((d) => mine(input, d) && d.schemaRef.id === input.schemaId) ??
      items.find((d) => mine(input, d)) ??
      items.find(isShared);
    const other = items.find((d) => !isOwned(d.description));
    if (!chosen && other) foreign.push({ kind: 'dataset', id: other.id });
    const anothers = items.find((d) => isOwnDataset(d.description) && !mine(input, d));
    if (!chosen && !other && anothers) refuseAnothersOwn(anothers);
    return chosen;
  };
  const fits = (d: ResourceOf['dataset']) =>
    d.name === datasetName && (isShared(d) || mine(input, d));
  const [base, target, ms, flow, ds] = await Promise.all([
    current('baseConnection', own('baseConnection', bases)),
    current('targetConnection', own('targetConnection', targets)),
    current('mappingSet', own('mappingSet', mappingSets)),
    current('flow', own('flow', flows)),
    // A dataset named by id is the request's to choose, whoever created it.
    datasetId !== undefined ? datasets[0] : current('dataset', pickDataset(datasets), fits),
  ]);
  const sources = base ? await at.sourceConnectionsOf(base.id) : [];
  const listed = sources.find((s) => isSourceOwn(name, s));
  const source = base ? await current('sourceConnection', listed) : undefined;
  return {
    schemaFound: schema !== null,
    baseConnection: base ? actualBaseConnection(base) : null,
    sourceConnection: source ? { id: source.id } : null,
    dataset: ds
      ? {
          id: ds.id,
          schemaId: ds.schemaRef.id,
          owned: isOwned(ds.description),
          // The source's own (`own-dataset`), not shared by name.
          ...(isOwnDataset(ds.description) ? { own: true as const } : {}),
        }
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
}

export function readActivities({ aep }: { aep: AepClient }) {
  return {
    readSource(input: ReadSourceInput) {
      return readAll(aep, input);
    },
    /**
     * The dataset the request names by id: it must exist, use the schema, and not be another
     * source's own (created for it alone: its teardown may delete it); never owned.
     */
    async checkDataset(input: ById & { schemaId: string; source?: string }): Promise<EnsureResult> {
      const { sandbox, id, schemaId, source } = input;
      const ds = await aep.getDataset(sandbox, id, activityContext().signal);
      if (!ds)
        refuse(FailureType.DatasetMismatch, `Dataset ${id} does not exist in sandbox "${sandbox}"`);
      const owner = creatorSource(ds.description);
      if (source !== undefined && isOwnDataset(ds.description) && owner !== source) {
        refuseAnothersOwn(ds);
      }
      if (ds.schemaRef.id !== schemaId) {
        const message = `Dataset ${id} uses schema ${ds.schemaRef.id}, not ${schemaId}`;
        refuse(FailureType.DatasetMismatch, message);
      }
      return { id: ds.id, created: false };
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
        const message = `Base connection ${id} has no inlet URL yet`;
        throw ApplicationFailure.retryable(message, FailureType.InletNotReady);
      }
      const { inletUrl, inletId } = params;
      return { inletUrl, inletId, authenticationRequired: params.authenticationRequired === true };
    },
  };
}

/** The source's own dataset, if the request names none. */
const mine = (input: ReadSourceInput, d: { description?: string }) =>
  input.ownDataset === true && isOwnDatasetOf(input.name, d.description);

/** What readSource finds of this project's resources for a source, `null` when absent. */
export type ActualSource = Awaited<ReturnType<typeof readAll>>;

/** `o` without its undefined entries (optional in its type): what AEP does not say is left out. */
function defined<T extends object>(o: T) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Defined<T>;
}
type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** The set found by name, as its latest version (read by id). */
export function actualMappingSet({ id, version, xdmSchema, mappings }: MappingSet) {
  return defined({
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

const FLOW_SPECS: Record<string, 'streaming' | 'streamingWithMapping'> = {
  [SPEC.streamingFlow.id]: 'streaming',
  [SPEC.streamingFlowWithMapping.id]: 'streamingWithMapping',
};

function actualBaseConnection({ id, auth, description }: BaseConnection) {
  const params = auth?.params;
  return defined({
    id,
    dataType: params?.dataType,
    authenticationRequired: params?.authenticationRequired === true,
    description: userDescription(description),
    applySet: applySetOf(description),
    inletUrl: params?.inletUrl || undefined,
    inletId: params?.inletId || undefined,
  });
}

function actualFlow(flow: Flow) {
  const mapping = flow.transformations?.find((t) => t.name === 'Mapping')?.params;
  return defined({
    id: flow.id,
    flowSpec: FLOW_SPECS[flow.flowSpec.id] ?? ('other' as const),
    sourceConnectionIds: flow.sourceConnectionIds,
    targetConnectionIds: flow.targetConnectionIds,
    mapping:
      typeof mapping?.mappingId === 'string'
        ? { id: mapping.mappingId, version: Number(mapping.mappingVersion ?? 0) }
        : undefined,
    state: flow.state,
  });
}
