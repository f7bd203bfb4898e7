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
}

/**
 * What the plan's read found (readSource), so that a first attempt skips its own lookup: `null` =
 * nothing of this project's; absent = not read (the activity looks up). A retry always looks up
 * again: an earlier attempt may have created it.
 */
export interface PriorResource {
  id: string;
  /** Created by this run (an earlier attempt), as opposed to an earlier provisioning. */
  createdByThisRun: boolean;
}
export interface PriorTargetConnection extends PriorResource {
  dataSetId?: string;
}
export interface PriorMappingSet extends PriorResource {
  version: number;
}

export interface EnsureSourceConnectionInput extends EnsureChildInput {
  baseConnectionId: string;
  found?: PriorResource | null;
}

export interface EnsureTargetConnectionInput extends EnsureChildInput {
  datasetId: string;
  /** The request named the dataset by id: teardown never deletes it (marker flag). */
  datasetNamedById?: boolean;
  schemaId: string;
  found?: PriorTargetConnection | null;
}

/** A dataset the request names by id. */
export interface CheckDatasetInput {
  sandbox: string;
  id: string;
  schemaId: string;
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
  /** The flow this one replaces: never taken for it (it goes once this one exists). */
  replaces?: string;
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
  /** Datasets are deleted by their own workflow only (src/workflows/dataset.ts). */
  kind: Exclude<ResourceKind, 'dataset'>;
  sandbox: string;
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
  /** What Temporal recorded of the source (read by id: lists may not show it yet). */
  known?: KnownResources;
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

/** Ids of a source's resources as Temporal recorded them (the request's `known`). */
export type KnownResources = NonNullable<ProvisionRequest['known']>;

/** The graph of a provisioned source, as found by discoverSource (teardown). */
export interface SourceGraph {
  sandbox: string;
  sourceName?: string;
  /**
   * This project's resources of the source, to delete in the order given by the workflow; a
   * dataset (with its name) is released through its workflow, deleted only when asked.
   */
  resources: Array<{ kind: ResourceKind; id: string; name?: string }>;
  /** Resources of the graph that are not this project's to delete (a dataset named by id). */
  kept: Array<{ kind: ResourceKind; id: string; reason?: string }>;
}

export interface ResolvedSource {
  sandbox: string;
  /** The source's name (the dataflow's name, which this project sets to the source name). */
  name: string;
}
