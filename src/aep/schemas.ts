/**
 * What the AEP client sends and reads: request bodies as types, responses as zod schemas that are
 * tolerant on purpose: objects are loose (unknown fields kept) and only fields the project uses
 * are required. A body lacking one is an `AepUnexpectedResponse` (non-retryable): retrying will
 * not make the field appear.
 */
import { z } from 'zod';

const specRef = z.looseObject({ id: z.string(), version: z.string() });

/** Optional text that Platform may also send as `null`; normalised to `undefined`. */
const optText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

export const imsTokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  /** Seconds. */
  expires_in: z.coerce.number().positive(),
});

export const xdmSchemaSchema = z.looseObject({
  $id: z.string(),
  title: z.string(),
  version: z.string(),
  'meta:altId': z.string().optional(),
});
export type XdmSchema = z.output<typeof xdmSchemaSchema>;

// ---- Catalog ---------------------------------------------------------------------------------

/** `["@/dataSets/{id}"]` (create, delete). */
export const catalogRefsSchema = z.array(z.string());

const datasetFields = z.looseObject({
  name: z.string(),
  description: optText,
  schemaRef: z.looseObject({ id: z.string(), contentType: z.string() }),
  tags: z.record(z.string(), z.array(z.string())).optional(),
  /** Creation time, ms since the epoch (Catalog's `created`). */
  created: z.number().optional(),
});

export type Dataset = z.output<typeof datasetFields> & { id: string };

/** Catalog GET bodies are keyed by dataset id, which the item may not repeat: the key counts. */
export const datasetMapSchema = z
  .record(z.string(), datasetFields)
  .transform((map): Dataset[] => Object.entries(map).map(([id, d]) => ({ ...d, id })));

// ---- Flow Service ----------------------------------------------------------------------------

export const createdSchema = z.looseObject({ id: z.string().min(1), etag: z.string() });

/** The fields every Flow Service resource has (`name` is optional on source and target ones). */
function flowServiceFields<N extends z.ZodType>(name: N) {
  return {
    id: z.string(),
    name,
    description: optText,
    state: z.string().optional(),
    etag: z.string().optional(),
  };
}

export const baseConnectionSchema = z.looseObject({
  ...flowServiceFields(z.string()),
  connectionSpec: specRef,
  auth: z
    .looseObject({
      specName: z.string().optional(),
      params: z
        .looseObject({
          inletUrl: z.string().optional(),
          inletId: z.string().optional(),
          authenticationRequired: z.boolean().optional(),
          dataType: z.string().optional(),
          sourceId: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
});
export type BaseConnection = z.output<typeof baseConnectionSchema>;

export const sourceConnectionSchema = z.looseObject({
  ...flowServiceFields(optText),
  baseConnectionId: z.string().optional(),
  connectionSpec: specRef,
});
export type SourceConnection = z.output<typeof sourceConnectionSchema>;

export const targetConnectionSchema = z.looseObject({
  ...flowServiceFields(optText),
  connectionSpec: specRef,
  data: z
    .looseObject({
      format: z.string().optional(),
      schema: z.looseObject({ id: z.string(), version: z.string().optional() }).optional(),
    })
    .optional(),
  params: z.looseObject({ dataSetId: z.string().optional() }).optional(),
});
export type TargetConnection = z.output<typeof targetConnectionSchema>;

export const flowSchema = z.looseObject({
  ...flowServiceFields(z.string()),
  flowSpec: specRef,
  sourceConnectionIds: z.array(z.string()),
  targetConnectionIds: z.array(z.string()),
  transformations: z
    .array(
      z.looseObject({ name: z.string(), params: z.record(z.string(), z.unknown()).optional() }),
    )
    .optional(),
});
export type Flow = z.output<typeof flowSchema>;

/** A count Platform may leave out (an empty `recordSummary`); absent reads as 0. */
const count = z
  .number()
  .nullish()
  .transform((v) => v ?? 0);

/** A flow run (`GET /runs`). Only `id` is required: a run still starting may carry no metrics. */
export const flowRunSchema = z.looseObject({
  id: z.string(),
  flowId: z.string().optional(),
  createdAt: z.number().optional(),
  metrics: z
    .looseObject({
      durationSummary: z
        .looseObject({ startedAtUTC: z.number().optional(), completedAtUTC: z.number().optional() })
        .optional(),
      recordSummary: z
        .looseObject({
          inputRecordCount: count,
          outputRecordCount: count,
          failedRecordCount: count,
        })
        .optional(),
      statusSummary: z
        .looseObject({
          status: z.string().optional(),
          errors: z
            .array(z.looseObject({ code: z.string().optional(), message: z.string().optional() }))
            .optional(),
        })
        .optional(),
    })
    .optional(),
});
export type FlowRun = z.output<typeof flowRunSchema>;

/**
 * `GET /{kind}?…` answers `{items, _links: {next: {href}}}`, `next` absent on the last page;
 * `GET /{kind}/{id}` answers `{items: [item]}`.
 */
export function listPageSchema<T>(item: z.ZodType<T>) {
  return z.looseObject({
    items: z.array(item),
    _links: z
      .looseObject({ next: z.looseObject({ href: z.string().optional() }).nullish() })
      .nullish(),
  });
}

// ---- Data Prep -------------------------------------------------------------------------------

export const createdMappingSetSchema = z.looseObject({
  id: z.string().min(1),
  version: z.number(),
});

export const mappingSetSchema = z.looseObject({
  id: z.string(),
  version: z.number(),
  name: optText,
  description: optText,
  xdmSchema: z.string().optional(),
  mappings: z
    .array(
      z.looseObject({
        sourceAttribute: z.string().optional(),
        destinationXdmPath: z.string().optional(),
        identity: z.boolean().optional(),
      }),
    )
    .optional(),
});
export type MappingSet = z.output<typeof mappingSetSchema>;

export const mappingSetPageSchema = z.looseObject({
  data: z.array(mappingSetSchema),
  _page: z.looseObject({ count: z.number().optional(), limit: z.number().optional() }).nullish(),
  _links: z.looseObject({ next: z.unknown().optional() }).nullish(),
});

// ---- Requests --------------------------------------------------------------------------------

type SpecRef = { id: string; version: string };
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
