/**
 * Request and response types of the AEP client. Type-only module: workflows may import it
 * (`import type`), everything with I/O lives in `client.ts`.
 *
 * Response types are the zod schemas' (schemas.ts): only the fields this project reads, parsed
 * loosely, so the objects also carry every other field Platform returned.
 */

export type {
  BaseConnection,
  CreatedFlowServiceResource,
  CreatedMappingSet,
  Dataset,
  Flow,
  MappingSet,
  SourceConnection,
  TargetConnection,
  XdmSchema,
} from './schemas';

export type DeleteOutcome = 'deleted' | 'absent';

export interface SpecRef {
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

export interface ListOptions {
  /** Page size requested from Platform; all pages are returned regardless. */
  limit?: number;
}

// ---- Schema Registry -------------------------------------------------------------------------

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
