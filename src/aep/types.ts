/**
 * The AEP client's request types (the client's type is its implementation's, client.ts). Type-only.
 * Response types are the zod schemas' (schemas.ts), which keep every field Platform returned.
 */
export type * from './schemas';

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
