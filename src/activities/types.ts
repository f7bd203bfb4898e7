/**
 * The types the activities share with the workflows (type imports only) and the client. All of it
 * travels through Temporal history: ids and names only, never a token or secret.
 */
import type { ProvisionRequest } from '../request';
import type { DeprovisionResult, ProvisionResult, ResourceKind } from '../shared/model';

/** Whose resources a run creates: each carries the owner's ownership marker (ownership.ts). */
export interface Owner {
  imsOrg: string;
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
   * Set when the result came from a retry: an earlier attempt's create may not have been visible
   * to this attempt's lookup yet, so a twin carrying this run's marker may exist (the saga sweeps).
   */
  retried?: boolean;
}

/**
 * What the plan's read found (readSource), so that a first attempt skips its own lookup: `null` =
 * nothing of this project's; absent = not read. A retry always looks up again.
 */
export interface PriorResource {
  id: string;
  /** Created by this run (an earlier attempt), as opposed to an earlier provisioning. */
  createdByThisRun: boolean;
}
export type PriorTargetConnection = PriorResource & { dataSetId?: string };
export type PriorMappingSet = PriorResource & { version: number };

/** What every create is given: the owner, and what the plan's read found of it. */
export interface EnsureInput<P extends PriorResource = PriorResource> {
  owner: Owner;
  found?: P | null;
}

/** A resource of a sandbox, by id. */
export interface ById {
  sandbox: string;
  id: string;
}

export type Mappings = NonNullable<ProvisionRequest['mappings']>;

export type InletInfo = Pick<ProvisionResult, 'inletUrl' | 'inletId' | 'authenticationRequired'>;

/** Ids of a source's resources as Temporal recorded them (the request's `known`). */
export type KnownResources = NonNullable<ProvisionRequest['known']>;

/** The graph of a provisioned source, as found by discoverSource (teardown). */
export interface SourceGraph {
  sandbox: string;
  sourceName?: string;
  /** This project's resources of the source; a dataset (with its name) goes through its workflow. */
  resources: Array<{ kind: ResourceKind; id: string; name?: string }>;
  /** Resources of the graph that are not this project's to delete (a dataset named by id). */
  kept: DeprovisionResult['kept'];
}

export interface ResolvedSource {
  sandbox: string;
  /** The source's name (the dataflow's name, which this project sets to the source name). */
  name: string;
}
