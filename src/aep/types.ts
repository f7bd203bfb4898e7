/**
 * Request and response types of the AEP client. Type-only module: workflows may import it
 * (`import type`), everything with I/O lives in `client.ts`.
 *
 * Response types list only the fields this project reads; the client parses responses loosely,
 * so the objects at run time also carry every other field Platform returned.
 */

export type DeleteOutcome = 'deleted' | 'absent';

export interface SpecRef {
  id: string;
  version: string;
}

export interface CreatedFlowServiceResource {
  id: string;
  /** Opaque version, including its embedded double quotes (`"\"f501…\""`). */
  etag: string;
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

export interface ListOptions {
  /** Page size requested from Platform; all pages are returned regardless. */
  limit?: number;
}

// ---- Schema Registry -------------------------------------------------------------------------

export interface XdmSchema {
  $id: string;
  title: string;
  version: string;
  'meta:altId'?: string;
}

// ---- Catalog ---------------------------------------------------------------------------------

export interface SchemaRef {
  id: string;
  contentType: string;
}

export interface CreateDatasetBody {
  name: string;
  description?: string;
  schemaRef: SchemaRef;
  fileDescription?: { persisted?: boolean; containerFormat?: string; format?: string };
  /** Tag name → values (`{ unifiedProfile: ['enabled:true'] }`). */
  tags?: Record<string, string[]>;
}

export interface Dataset {
  id: string;
  name: string;
  description?: string;
  schemaRef: SchemaRef;
  tags?: Record<string, string[]>;
  /** Creation time, ms since the epoch (Catalog's `created`). */
  created?: number;
}

// ---- Flow Service ----------------------------------------------------------------------------

export type StreamingDataType = 'xdm' | 'raw';

export interface CreateBaseConnectionBody {
  name: string;
  description?: string;
  connectionSpec: SpecRef;
  auth: {
    specName: 'Streaming Connection';
    params: {
      dataType: StreamingDataType;
      authenticationRequired?: boolean;
      sourceId?: string;
      name?: string;
    };
  };
}

export interface BaseConnection {
  id: string;
  name: string;
  description?: string;
  state?: string;
  etag?: string;
  connectionSpec: SpecRef;
  auth?: {
    specName?: string;
    params?: {
      /** Absent until Platform has provisioned the inlet: callers wait and re-read. */
      inletUrl?: string;
      inletId?: string;
      authenticationRequired?: boolean;
      dataType?: string;
      sourceId?: string;
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

export interface SourceConnection {
  id: string;
  name?: string;
  description?: string;
  state?: string;
  etag?: string;
  baseConnectionId?: string;
  connectionSpec: SpecRef;
}

export interface CreateTargetConnectionBody {
  name: string;
  description?: string;
  data: { format?: string; schema: { id: string; version: string } };
  params: { dataSetId: string };
  connectionSpec: SpecRef;
}

export interface TargetConnection {
  id: string;
  name?: string;
  description?: string;
  state?: string;
  etag?: string;
  connectionSpec: SpecRef;
  data?: { format?: string; schema?: { id: string; version?: string } };
  params?: { dataSetId?: string };
}

export interface MappingTransformation {
  name: 'Mapping';
  params: { mappingId: string; mappingVersion: number };
}

export interface CreateFlowBody {
  name: string;
  description?: string;
  flowSpec: SpecRef;
  sourceConnectionIds: string[];
  targetConnectionIds: string[];
  transformations?: MappingTransformation[];
}

export interface Flow {
  id: string;
  name: string;
  description?: string;
  state?: string;
  etag?: string;
  flowSpec: SpecRef;
  sourceConnectionIds: string[];
  targetConnectionIds: string[];
  transformations?: Array<{ name: string; params?: Record<string, unknown> }>;
}

export type FlowAction = 'enable' | 'disable';

// ---- Data Prep -------------------------------------------------------------------------------

export interface LegacyMapping {
  sourceAttribute: string;
  destinationXdmPath: string;
  identity: boolean;
  version: 0;
}

/** The legacy mapping-set format of the HTTP API tutorial (accepted by Data Prep). */
export interface CreateMappingSetBody {
  name?: string;
  description?: string;
  version: 0;
  /** `$id` of the target XDM schema; must equal the target dataset's schema. */
  xdmSchema: string;
  xdmVersion: '1.0';
  mappings: LegacyMapping[];
}

export interface CreatedMappingSet {
  id: string;
  version: number;
}

export interface MappingSet {
  id: string;
  version: number;
  name?: string;
  description?: string;
  xdmSchema?: string;
  mappings?: Array<{ sourceAttribute?: string; destinationXdmPath?: string; identity?: boolean }>;
}

// ---- Streaming inlet -------------------------------------------------------------------------

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

export interface InletResponse {
  status: number;
  body: unknown;
}

/** One operation of a Flow Service PATCH body (JSON Patch; Flow Service takes these three). */
export interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove';
  /** JSON Pointer, e.g. `/transformations/0/params/mappingVersion`. */
  path: string;
  value?: unknown;
}
