/**
 * The AEP client's typed surface: the `AepClient` interface (implemented by `createAepClient` in
 * client.ts, whose comment states the contract every method keeps) and its request types.
 * Type-only module.
 *
 * Response types are the zod schemas' (schemas.ts): only the fields this project reads, parsed
 * loosely, so the objects also carry every other field Platform returned.
 */
import type * as S from './schemas';

export type * from './schemas';

export type DeleteOutcome = 'deleted' | 'absent';

interface SpecRef {
  id: string;
  version: string;
}

/** One `property=` condition of a Flow Service list call; conditions are ANDed. */
export interface PropertyFilter {
  /** Dotted path, `[]` for array elements: `name`, `auth.params.sourceId`, `sourceConnectionIds[]`. */
  path: string;
  /** Defaults to `==`. */
  op?: '==' | '!=' | '<' | '<=' | '>' | '>=';
  /**
   * A string is one value, an array is "any of". Values are sent unquoted and must not contain
   * `,` or `"` (they would read differently across Platform's filter readings: see
   * `encodePropertyFilter`); `&`, `==`, spaces and unicode are fine.
   */
  value: string | string[];
}

/** One operation of a Flow Service PATCH body (JSON Patch; Flow Service takes these three). */
export interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove';
  /** JSON Pointer, e.g. `/transformations/0/params/mappingVersion`. */
  path: string;
  value?: unknown;
}

export interface CreateDatasetBody {
  name: string;
  description?: string;
  schemaRef: { id: string; contentType: string };
  fileDescription?: { persisted?: boolean; containerFormat?: string; format?: string };
  /** Tag name → values (`{ unifiedProfile: ['enabled:true'] }`). */
  tags?: Record<string, string[]>;
}

export interface CreateBaseConnectionBody {
  name: string;
  description?: string;
  connectionSpec: SpecRef;
  auth: {
    specName: 'Streaming Connection';
    params: {
      dataType: 'xdm' | 'raw';
      authenticationRequired?: boolean;
      sourceId?: string;
      name?: string;
    };
  };
}

export interface CreateSourceConnectionBody {
  name: string;
  description?: string;
  baseConnectionId: string;
  connectionSpec: SpecRef;
  data?: { format: string };
}

export interface CreateTargetConnectionBody {
  name: string;
  description?: string;
  data: { format?: string; schema: { id: string; version: string } };
  params: { dataSetId: string };
  connectionSpec: SpecRef;
}

export interface CreateFlowBody {
  name: string;
  description?: string;
  flowSpec: SpecRef;
  sourceConnectionIds: string[];
  targetConnectionIds: string[];
  transformations?: {
    name: 'Mapping';
    params: { mappingId: string; mappingVersion: number };
  }[];
}

/** The legacy mapping-set format of the HTTP API tutorial (accepted by Data Prep). */
export interface CreateMappingSetBody {
  name?: string;
  description?: string;
  version: 0;
  /** `$id` of the target XDM schema; must equal the target dataset's schema. */
  xdmSchema: string;
  xdmVersion: '1.0';
  mappings: {
    sourceAttribute: string;
    destinationXdmPath: string;
    identity: boolean;
    version: 0;
  }[];
}

export interface SendToInletArgs {
  /** `auth.params.inletUrl` of the base connection, used as is. */
  inletUrl: string;
  flowId: string;
  /** The JSON message (XDM envelope or raw record). */
  record: unknown;
  /** Send a bearer token (inlets created with `authenticationRequired: true`). */
  authenticated: boolean;
  signal?: AbortSignal;
}

/** Flow Service's kinds of resource (flow-service.ts): the body creating one, and the item. */
interface FlowServiceKinds {
  Connection: [CreateBaseConnectionBody, S.BaseConnection];
  SourceConnection: [CreateSourceConnectionBody, S.SourceConnection];
  TargetConnection: [CreateTargetConnectionBody, S.TargetConnection];
  Flow: [CreateFlowBody, S.Flow];
}
export type FlowServiceKind = keyof FlowServiceKinds;
export type FlowServiceItem<K extends FlowServiceKind> = FlowServiceKinds[K][1];

/** The methods Flow Service has on every kind of resource. */
export type FlowServiceOps<K extends FlowServiceKind> = {
  create: (
    sandbox: string,
    body: FlowServiceKinds[K][0],
    signal?: AbortSignal,
  ) => Promise<S.CreatedFlowServiceResource>;
  get: (sandbox: string, id: string, signal?: AbortSignal) => Promise<FlowServiceItem<K> | null>;
  /** Every page; `opts.limit` is only the page size asked of Platform. */
  list: (
    sandbox: string,
    filters: PropertyFilter[],
    opts?: { limit?: number },
    signal?: AbortSignal,
  ) => Promise<FlowServiceItem<K>[]>;
  patch: (
    sandbox: string,
    id: string,
    etag: string,
    ops: JsonPatchOp[],
    signal?: AbortSignal,
  ) => Promise<S.CreatedFlowServiceResource>;
  delete: (sandbox: string, id: string, signal?: AbortSignal) => Promise<DeleteOutcome>;
};

/**
 * The methods on kind `K` under Flow Service's names for them: `createK`, `getK`, `listKs`,
 * `patchK`, `deleteK` (`createConnection`, `listFlows`, ...).
 */
export type FlowServiceMethods<K extends FlowServiceKind> = {
  [
    M in keyof FlowServiceOps<K> as M extends 'list' ? `list${K}s` : `${M}${K}`
  ]: FlowServiceOps<K>[M];
};

/** Flow Service: base connections, source connections (no patch), target connections, flows. */
interface FlowServiceApi
  extends
    FlowServiceMethods<'Connection'>,
    Omit<FlowServiceMethods<'SourceConnection'>, 'patchSourceConnection'>,
    FlowServiceMethods<'TargetConnection'>,
    FlowServiceMethods<'Flow'> {
  /** `POST /flows/{id}/action?op=enable|disable`. */
  flowAction(
    sandbox: string,
    id: string,
    action: 'enable' | 'disable',
    signal?: AbortSignal,
  ): Promise<S.CreatedFlowServiceResource>;
}

export interface AepClient extends FlowServiceApi {
  // ---- Schema Registry
  /** The schema with this `$id` (or `meta:altId`), or null if the sandbox has none. */
  getSchema(sandbox: string, schemaId: string, signal?: AbortSignal): Promise<S.XdmSchema | null>;

  // ---- Catalog
  createDataset(
    sandbox: string,
    body: CreateDatasetBody,
    signal?: AbortSignal,
  ): Promise<{ id: string }>;
  getDataset(sandbox: string, id: string, signal?: AbortSignal): Promise<S.Dataset | null>;
  /** Every dataset whose name is exactly `name` (all pages). */
  findDatasets(sandbox: string, q: { name: string }, signal?: AbortSignal): Promise<S.Dataset[]>;
  deleteDataset(sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome>;

  // ---- Data Prep
  createMappingSet(
    sandbox: string,
    body: CreateMappingSetBody,
    signal?: AbortSignal,
  ): Promise<S.CreatedMappingSet>;
  /**
   * `PUT /mappingSets/{id}`: Data Prep stores the body as the set's next version and answers
   * the set with `version` incremented.
   */
  updateMappingSet(
    sandbox: string,
    id: string,
    body: CreateMappingSetBody,
    signal?: AbortSignal,
  ): Promise<S.CreatedMappingSet>;
  /** The set's latest version, or `version` when given; null when absent. */
  getMappingSet(
    sandbox: string,
    id: string,
    signal?: AbortSignal,
    version?: number,
  ): Promise<S.MappingSet | null>;
  /** Every mapping set whose name is exactly `name` (all pages). */
  findMappingSets(
    sandbox: string,
    q: { name: string },
    signal?: AbortSignal,
  ): Promise<S.MappingSet[]>;
  deleteMappingSet(sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome>;

  // ---- Streaming inlet (no sandbox header: the inlet URL identifies org and sandbox)
  /** One record to the inlet; resolves for 2xx, throws a mapped failure otherwise. */
  sendToInlet(args: SendToInletArgs): Promise<{ status: number; body: unknown }>;
}
