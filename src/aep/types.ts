/**
 * The AEP client's typed surface (contract: client.ts) and its request types. Type-only.
 * Response types are the zod schemas' (schemas.ts), which keep every field Platform returned.
 */
import type * as S from './schemas';

export type * from './schemas';

export type DeleteOutcome = 'deleted' | 'absent';

type SpecRef = { id: string; version: string };
/** What every created resource carries. */
type Named = { name: string; description?: string };

/** One `property=` condition of a Flow Service list call; conditions are ANDed. */
export interface PropertyFilter {
  /** Dotted path, `[]` for array elements: `name`, `auth.params.sourceId`, `sourceConnectionIds[]`. */
  path: string;
  /** Defaults to `==`. */
  op?: '==' | '!=' | '<' | '<=' | '>' | '>=';
  /** An array is "any of". No `,` or `"` (see `encodePropertyFilter`); `&`, spaces are fine. */
  value: string | string[];
}

/** One operation of a Flow Service PATCH body (JSON Patch; Flow Service takes these three). */
export interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove';
  /** JSON Pointer, e.g. `/transformations/0/params/mappingVersion`. */
  path: string;
  value?: unknown;
}

export interface CreateDatasetBody extends Named {
  schemaRef: { id: string; contentType: string };
  fileDescription?: { persisted?: boolean; containerFormat?: string; format?: string };
  /** Tag name → values (`{ unifiedProfile: ['enabled:true'] }`). */
  tags?: Record<string, string[]>;
}

export interface CreateBaseConnectionBody extends Named {
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

export interface CreateSourceConnectionBody extends Named {
  baseConnectionId: string;
  connectionSpec: SpecRef;
  data?: { format: string };
}

export interface CreateTargetConnectionBody extends Named {
  data: { format?: string; schema: { id: string; version: string } };
  params: { dataSetId: string };
  connectionSpec: SpecRef;
}

export interface CreateFlowBody extends Named {
  flowSpec: SpecRef;
  sourceConnectionIds: string[];
  targetConnectionIds: string[];
  transformations?: {
    name: 'Mapping';
    params: { mappingId: string; mappingVersion: number };
  }[];
}

/** The legacy mapping-set format of the HTTP API tutorial (accepted by Data Prep). */
export interface CreateMappingSetBody extends Partial<Named> {
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

type Created = S.CreatedFlowServiceResource;
export type Create<Body, Out = Created> = (
  sandbox: string,
  body: Body,
  signal?: AbortSignal,
) => Promise<Out>;
/** Null when absent (404). */
export type Get<T> = (sandbox: string, id: string, signal?: AbortSignal) => Promise<T | null>;
/** Every page; `opts.limit` is only the page size asked of Platform. */
export type List<T> = (
  sandbox: string,
  filters: PropertyFilter[],
  opts?: { limit?: number },
  signal?: AbortSignal,
) => Promise<T[]>;
/** Every item whose name is exactly `name` (all pages). */
export type Find<T> = (sandbox: string, q: { name: string }, signal?: AbortSignal) => Promise<T[]>;
export type Patch = (
  sandbox: string,
  id: string,
  etag: string,
  ops: JsonPatchOp[],
  signal?: AbortSignal,
) => Promise<Created>;
export type Delete = (sandbox: string, id: string, signal?: AbortSignal) => Promise<DeleteOutcome>;

export interface AepClient {
  // ---- Flow Service (flow-service.ts)
  createConnection: Create<CreateBaseConnectionBody>;
  getConnection: Get<S.BaseConnection>;
  listConnections: List<S.BaseConnection>;
  patchConnection: Patch;
  deleteConnection: Delete;
  createSourceConnection: Create<CreateSourceConnectionBody>;
  getSourceConnection: Get<S.SourceConnection>;
  listSourceConnections: List<S.SourceConnection>;
  deleteSourceConnection: Delete;
  createTargetConnection: Create<CreateTargetConnectionBody>;
  getTargetConnection: Get<S.TargetConnection>;
  listTargetConnections: List<S.TargetConnection>;
  deleteTargetConnection: Delete;
  createFlow: Create<CreateFlowBody>;
  getFlow: Get<S.Flow>;
  listFlows: List<S.Flow>;
  patchFlow: Patch;
  deleteFlow: Delete;
  /** `POST /flows/{id}/action?op=enable|disable`. */
  flowAction(
    sandbox: string,
    id: string,
    action: 'enable' | 'disable',
    signal?: AbortSignal,
  ): Promise<Created>;

  // ---- Schema Registry
  /** The schema with this `$id` (or `meta:altId`). */
  getSchema: Get<S.XdmSchema>;

  // ---- Catalog
  createDataset: Create<CreateDatasetBody, { id: string }>;
  getDataset: Get<S.Dataset>;
  findDatasets: Find<S.Dataset>;
  deleteDataset: Delete;

  // ---- Data Prep
  createMappingSet: Create<CreateMappingSetBody, S.CreatedMappingSet>;
  /** `PUT /mappingSets/{id}`: the body becomes the set's next version (`version` + 1). */
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
  findMappingSets: Find<S.MappingSet>;
  deleteMappingSet: Delete;

  // ---- Streaming inlet (no sandbox header: the inlet URL identifies org and sandbox)
  /** One record to the inlet; resolves for 2xx, throws a mapped failure otherwise. */
  sendToInlet(args: SendToInletArgs): Promise<{ status: number; body: unknown }>;
}

/** The methods whose names contain `part` (`ApiOn<'Dataset'>`: createDataset, findDatasets, ...). */
export type ApiOn<Part extends string> = Pick<
  AepClient,
  Extract<keyof AepClient, `${string}${Part}${string}`>
>;
