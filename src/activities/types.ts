/**
 * Inputs and outputs of the provisioning activities: the contract between workflows (which import
 * these as types only) and the activity implementations. Everything here travels through Temporal
 * history, so it holds ids and names only — never a token, secret or Authorization value.
 */
import type { ProvisionRequest } from '../request';
import type { ResourceKind } from '../shared/resources';
import type { SmokeTestResult } from '../shared/results';

export type { SmokeTestResult };

export type { ResourceKind };

/**
 * Who owns a resource: every resource this project creates carries an ownership marker with the
 * source's name and the Temporal run that created it (in its description). Lookups adopt only
 * marked resources; a resource of the same name without the marker is foreign and never touched.
 */
export interface Owner {
  sandbox: string;
  sourceName: string;
  /** The workflow run that creates resources (workflowInfo().runId). */
  runId: string;
}

export interface EnsureResult {
  id: string;
  /** True when this workflow run created it (possibly in an earlier attempt of the activity). */
  created: boolean;
  /**
   * Set when this result came from a retry: an earlier attempt may have sent a create whose
   * resource was not yet visible to this attempt's lookup (list lag, a commit still on its way),
   * so a twin carrying this run's marker may exist; the saga sweeps for it.
   */
  retried?: boolean;
}

export interface EnsureBaseConnectionInput {
  owner: Owner;
  /** What readSource found (`null`: nothing); absent: look up first (as before readSource). */
  found?: PriorResource | null;
  description?: string;
  dataType: 'xdm' | 'raw';
  authenticationRequired: boolean;
}

export interface InletInfo {
  inletUrl: string;
  inletId: string;
  authenticationRequired: boolean;
}

export interface EnsureChildInput {
  owner: Owner;
  /** Look for an existing owned resource even on the first attempt (its parent was reused). */
  lookupFirst: boolean;
}

/**
 * What an earlier lookup of the same run found (inspectTarget), so that a first attempt skips its
 * own lookup: `null` = nothing of this project's; absent = not looked up (the activity decides
 * from `lookupFirst`). A retry always looks up again: an earlier attempt may have created it.
 */
export interface PriorResource {
  id: string;
  /** Created by this run (an earlier attempt), as opposed to an earlier provisioning. */
  createdByThisRun: boolean;
}
export interface PriorDataset extends PriorResource {
  schemaId: string;
}
export interface PriorTargetConnection extends PriorResource {
  dataSetId?: string;
}
export interface PriorMappingSet extends PriorResource {
  version: number;
}

export interface InspectTargetInput {
  owner: Owner;
  schemaId: string;
  /** The dataset the request asks to create (find it by this name); absent for a datasetId. */
  datasetName?: string;
  /** Whether the request has mappings (find the source's mapping set). */
  mappingSet: boolean;
}

export interface TargetInspection {
  schemaTitle: string;
  /** Absent when not looked up (datasetId request). */
  dataset?: PriorDataset | null;
  targetConnection: PriorTargetConnection | null;
  /** Absent when not looked up (no mappings). */
  mappingSet?: PriorMappingSet | null;
}

export interface EnsureSourceConnectionInput extends EnsureChildInput {
  baseConnectionId: string;
  found?: PriorResource | null;
}

export interface EnsureDatasetInput extends EnsureChildInput {
  schemaId: string;
  /** Use this existing dataset (never created, never deleted by this project)... */
  datasetId?: string;
  /** ...or create (or find, if this project created it before) a dataset with this name. */
  dataset?: { name: string; description?: string };
  found?: PriorDataset | null;
}

export interface EnsureTargetConnectionInput extends EnsureChildInput {
  datasetId: string;
  /** The request named the dataset by id: teardown never deletes it (marker flag). */
  datasetNamedById?: boolean;
  schemaId: string;
  found?: PriorTargetConnection | null;
  /**
   * This run created the dataset `datasetId`, named `name`: settle on the canonical dataset of
   * that name (src/activities/shared-dataset.ts).
   */
  settleDataset?: { name: string };
  /**
   * The dataset `datasetId` is another source's, adopted by this run, named `name`: if it is gone
   * before this target connection writes to it (its last writer left), ensure it again by name.
   */
  adoptedDataset?: { name: string; description?: string };
}

export interface TargetConnectionResult extends EnsureResult {
  /**
   * Set when the source writes to another dataset than `datasetId`: the canonical one of its name
   * (settleDataset), or one ensured again because the adopted one was gone (adoptedDataset).
   */
  dataset?: EnsureResult;
}

export interface EnsureMappingSetInput extends EnsureChildInput {
  schemaId: string;
  mappings: NonNullable<ProvisionRequest['mappings']>;
  found?: PriorMappingSet | null;
}

export interface MappingSetResult extends EnsureResult {
  version: number;
}

export interface EnsureFlowInput extends EnsureChildInput {
  found?: PriorResource | null;
  sourceConnectionId: string;
  targetConnectionId: string;
  mappingSet?: { id: string; version: number };
}

export interface SmokeTestInput {
  sandbox: string;
  inletUrl: string;
  flowId: string;
  dataType: 'xdm' | 'raw';
  schemaId: string;
  datasetId: string;
  authenticated: boolean;
  record?: Record<string, unknown>;
}

export interface DeleteResourceInput {
  kind: ResourceKind;
  sandbox: string;
  /**
   * A dataset is deleted only when no target connection of the sandbox still writes to it
   * (another source adopted it): then it is kept and reported. Set by every caller that deletes
   * datasets this project created; absent only in histories recorded before it existed.
   */
  keepIfInUse?: boolean;
  /** Delete this id (404 counts as done)... */
  id?: string;
  /** ...and these ids... */
  ids?: string[];
  /**
   * ...or, when a create's outcome is unknown (it failed or was cancelled mid-call), delete what
   * this run created under that name: resources carrying the run's own marker only.
   */
  owned?: { name: string; owner: Owner };
}

export interface DeleteResourceResult {
  kind: ResourceKind;
  deleted: string[];
  /** Ids that were already gone. */
  absent: string[];
  /** Datasets kept because other target connections still write to them. */
  inUse?: Array<{ id: string; usedBy: string[] }>;
  /** Datasets kept for another reason (not created by this project). */
  kept?: Array<{ id: string; reason: string }>;
}

/** Whether a workflow run is still open: the worker asks Temporal (src/worker.ts). */
export interface OpenRuns {
  isOpen(workflowId: string, runId: string): Promise<boolean>;
}

export interface SweepTwinsInput {
  owner: Owner;
  /** Per kind the run created: the name it used, and the ids it keeps (the recorded ones). */
  kinds: Array<{ kind: ResourceKind; name: string; keep: string[] }>;
}

export interface SweepTwinsResult {
  /** Extra resources carrying this run's marker, deleted. */
  removed: Array<{ kind: ResourceKind; id: string }>;
  /** Extra ones kept: a dataset another source's target connection writes to. */
  inUse: Array<{ kind: ResourceKind; id: string; usedBy: string[] }>;
}

export interface ReadSourceInput {
  sandbox: string;
  name: string;
  schemaId: string;
  /** The dataset the request names by id... */
  datasetId?: string;
  /** ...or by name (created by this project). */
  datasetName?: string;
}

export interface UpdateDescriptionInput {
  sandbox: string;
  /** The base connection. */
  id: string;
  description: string;
}

export interface UpdateMappingSetInput {
  owner: Owner;
  id: string;
  schemaId: string;
  mappings: NonNullable<ProvisionRequest['mappings']>;
}

export interface UpdateFlowInput {
  sandbox: string;
  id: string;
  mapping?: { id: string; version: number };
  enable: boolean;
}

/** The graph of a provisioned source, as found by discoverSource (teardown). */
export interface SourceGraph {
  sandbox: string;
  sourceName?: string;
  /** This project's resources of the source, to delete in the order given by the workflow. */
  resources: Array<{ kind: ResourceKind; id: string }>;
  /** Resources of the graph that are not this project's to delete (a dataset named by id). */
  kept: Array<{ kind: ResourceKind; id: string; reason?: string }>;
}

export interface ResolvedSource {
  sandbox: string;
  /** The source's name (the dataflow's name, which this project sets to the source name). */
  name: string;
}
