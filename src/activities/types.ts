/** Types the activities share with workflows and client: ids and names only, never a secret. */
import type { ProvisionRequest } from '../request';
import type { DeprovisionResult, ProvisionResult, ResourceKind } from '../shared/model';

/** Whose resources a run creates (`runId`: workflowInfo().runId); each carries its marker. */
export interface Owner {
  imsOrg: string;
  sandbox: string;
  sourceName: string;
  runId: string;
}

/**
 * `created`: by this workflow run (maybe in an earlier attempt). `retried`: from a retry, whose
 * earlier attempt's create may have left a twin (the saga sweeps).
 */
export interface EnsureResult {
  id: string;
  created: boolean;
  retried?: boolean;
}

/** What the plan's read found of a resource; `createdByThisRun`: by an earlier attempt. */
export interface PriorResource {
  id: string;
  createdByThisRun: boolean;
}

/** A create's input: its owner, what the plan's read found (`null`: nothing; absent: not read). */
export interface EnsureInput<P extends PriorResource = PriorResource> {
  owner: Owner;
  found?: P | null;
}

export interface ById {
  sandbox: string;
  id: string;
}

export type Mappings = NonNullable<ProvisionRequest['mappings']>;

export type InletInfo = Pick<ProvisionResult, 'inletUrl' | 'inletId' | 'authenticationRequired'>;

/** Ids of a source's resources as Temporal recorded them (the request's `known`). */
export type KnownResources = NonNullable<ProvisionRequest['known']>;

/**
 * A source's graph (discoverSource): its resources, and those not ours to delete (`kept`). `own`:
 * a dataset created for this source alone (deleted by its teardown, not its workflow).
 */
export interface SourceGraph {
  sandbox: string;
  sourceName?: string;
  resources: Array<{ kind: ResourceKind; id: string; name?: string; own?: true }>;
  kept: DeprovisionResult['kept'];
}

export interface ResolvedSource {
  sandbox: string;
  name: string;
}
