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
  isSourceOwn,
  refuseAnothersOwn,
  userDescription,
} from './ownership';
import type { InletInfo, KnownResources } from './types';

export interface ReadSourceInput {
  sandbox: string;
  name: string;
  schemaId: string;
  /** The dataset the request names by id... */
  datasetId?: string;
  /** ...or by name (created by this project). */
  datasetName?: string;
  /** No dataset named: the source's own first, then a shared one of the source's name. */
  ownDataset?: boolean;
  /** What Temporal recorded of the source (read by id: lists may not show it yet). */
  known?: KnownResources;
}

/**
 * What AEP holds for the source: its resources by name, and what Temporal recorded (`known`), each
 * read by id: neither a just-deleted one (still listed) nor a just-created one (not listed yet)
 * misleads the plan.
 */
async function readAll(aep: AepClient, input: ReadSourceInput) {
  const { sandbox, name, datasetId } = input;
  const known = input.known ?? {};
  const { signal } = activityContext();
  const at = lookups(aep, sandbox, signal);
  /** Same-name resources this project did not create: never adopted, never touched. */
  const foreign: Array<{ kind: ResourceKind; id: string }> = [];
  const datasetName = input.datasetName ?? name;
  /** The resource listed, or else the one Temporal recorded if `ours`, as it is now (by id). */
  const current = async <K extends ResourceKind>(
    kind: K,
    listed: ResourceOf[K] | undefined,
    ours: (r: ResourceOf[K]) => boolean = (r) => isSourceOwn(name, r),
  ): Promise<ResourceOf[K] | undefined> => {
    if (listed) {
      const now = await at.read(kind, listed.id);
      if (now) return { ...listed, ...now, id: listed.id };
    }
    const knownId = known[`${kind}Id`];
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
  const [base, target, ms, flow, ds] = await Promise.all([
    current('baseConnection', own('baseConnection', bases)),
    current('targetConnection', own('targetConnection', targets)),
    current('mappingSet', own('mappingSet', mappingSets)),
    current('flow', own('flow', flows)),
    // A dataset named by id is the request's to choose, whoever created it.
    datasetId !== undefined
      ? datasets[0]
      : current(
          'dataset',
          pickDataset(datasets, input, foreign),
          (d) => d.name === datasetName && fits(d, input),
        ),
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

/** A dataset of this project shared by name (not a source's own). */
const shared = (d: { description?: string }) =>
  isOwned(d.description) && !isOwnDataset(d.description);

/** A dataset the request may write to: the source's own (if it names none), else a shared one. */
const fits = (d: { description?: string }, input: ReadSourceInput) =>
  shared(d) || (input.ownDataset === true && isOwnDatasetOf(input.name, d.description));

/**
 * Among the datasets of the name: the source's own (its schema's first), else one of this
 * project's shared by name; another source's own is never this request's. A foreign one is noted.
 */
function pickDataset(
  items: Array<ResourceOf['dataset']>,
  input: ReadSourceInput,
  foreign: Array<{ kind: ResourceKind; id: string }>,
) {
  const mine = (d: { description?: string }) =>
    input.ownDataset === true && isOwnDatasetOf(input.name, d.description);
  const chosen =
    items.find((d) => mine(d) && d.schemaRef.id === input.schemaId) ??
    items.find(mine) ??
    items.find(shared);
  const other = items.find((d) => !isOwned(d.description));
  if (!chosen && other) foreign.push({ kind: 'dataset', id: other.id });
  const anothers = items.find((d) => isOwnDataset(d.description) && !mine(d));
  if (!chosen && !other && anothers) refuseAnothersOwn(anothers);
  return chosen;
}

/** What readSource finds of this project's resources for a source, `null` when absent. */
export type ActualSource = Awaited<ReturnType<typeof readAll>>;

/** `o` without its undefined entries (optional in its type): what AEP does not say is left out. */
function defined<T extends object>(o: T) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Defined<T>;
}
type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
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
