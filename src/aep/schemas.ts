/**
 * What the AEP client sends (types) and reads (zod schemas, tolerant on purpose: objects are loose
 * and only fields the project uses are required). A body lacking one is an `AepUnexpectedResponse`
 * (non-retryable): retrying will not make the field appear.
 */
import { z } from 'zod';

const str = z.string().optional();
const num = z.number().optional();
const specRef = z.looseObject({ id: z.string(), version: z.string() });
/** An optional loose object, an optional list of them. */
const part = <S extends z.ZodRawShape>(shape: S) => z.looseObject(shape).optional();
const parts = <S extends z.ZodRawShape>(shape: S) => z.array(z.looseObject(shape)).optional();
/** Optional text that Platform may also send as `null`; normalised to `undefined`. */
const optText = z.nullish(z.string()).transform((v) => v ?? undefined);
/** A count Platform may leave out (an empty `recordSummary`); absent reads as 0. */
const count = z.nullish(z.number()).transform((v) => v ?? 0);

export const imsTokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: str,
  /** Seconds. */
  expires_in: z.coerce.number().positive(),
});

export const xdmSchemaSchema = z.looseObject({
  $id: z.string(),
  title: z.string(),
  version: z.string(),
  'meta:altId': str,
});
export type XdmSchema = z.output<typeof xdmSchemaSchema>;

/** Catalog's `["@/dataSets/{id}"]` (create, delete). */
export const catalogRefsSchema = z.array(z.string());

const datasetFields = z.looseObject({
  name: z.string(),
  description: optText,
  schemaRef: z.looseObject({ id: z.string(), contentType: z.string() }),
  tags: z.record(z.string(), z.array(z.string())).optional(),
  /** Creation time, ms since the epoch (Catalog's `created`). */
  created: num,
});
export type Dataset = z.output<typeof datasetFields> & { id: string };

/** Catalog GET bodies are keyed by dataset id, which the item may not repeat: the key counts. */
export const datasetMapSchema = z
  .record(z.string(), datasetFields)
  .transform((map): Dataset[] => Object.entries(map).map(([id, d]) => ({ ...d, id })));

export const createdSchema = z.looseObject({ id: z.string().min(1), etag: z.string() });

/** The fields every Flow Service resource has (`name` is optional on source and target ones). */
const flowServiceFields = <N extends z.ZodType>(name: N) => ({
  id: z.string(),
  name,
  description: optText,
  state: str,
  etag: str,
});

export const baseConnectionSchema = z.looseObject({
  ...flowServiceFields(z.string()),
  connectionSpec: specRef,
  auth: part({
    specName: str,
    params: part({
      inletUrl: str,
      inletId: str,
      authenticationRequired: z.boolean().optional(),
      dataType: str,
      sourceId: str,
    }),
  }),
});
export type BaseConnection = z.output<typeof baseConnectionSchema>;

export const sourceConnectionSchema = z.looseObject({
  ...flowServiceFields(optText),
  baseConnectionId: str,
  connectionSpec: specRef,
});
export type SourceConnection = z.output<typeof sourceConnectionSchema>;

export const targetConnectionSchema = z.looseObject({
  ...flowServiceFields(optText),
  connectionSpec: specRef,
  data: part({ format: str, schema: part({ id: z.string(), version: str }) }),
  params: part({ dataSetId: str }),
});
export type TargetConnection = z.output<typeof targetConnectionSchema>;

export const flowSchema = z.looseObject({
  ...flowServiceFields(z.string()),
  flowSpec: specRef,
  sourceConnectionIds: z.array(z.string()),
  targetConnectionIds: z.array(z.string()),
  transformations: parts({
    name: z.string(),
    params: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type Flow = z.output<typeof flowSchema>;

/** A flow run (`GET /runs`). Only `id` is required: a run still starting may carry no metrics. */
export const flowRunSchema = z.looseObject({
  id: z.string(),
  flowId: str,
  createdAt: num,
  metrics: part({
    durationSummary: part({ startedAtUTC: num, completedAtUTC: num }),
    recordSummary: part({
      inputRecordCount: count,
      outputRecordCount: count,
      failedRecordCount: count,
    }),
    statusSummary: part({
      status: str,
      errors: parts({ code: str, message: str }),
    }),
  }),
});
export type FlowRun = z.output<typeof flowRunSchema>;

/**
 * `GET /{kind}?…` answers `{items, _links: {next: {href}}}`, `next` absent on the last page;
 * `GET /{kind}/{id}` answers `{items: [item]}`.
 */
export const listPageSchema = <T>(item: z.ZodType<T>) =>
  z.looseObject({
    items: z.array(item),
    _links: z.looseObject({ next: z.looseObject({ href: str }).nullish() }).nullish(),
  });

export const createdMappingSetSchema = z.looseObject({
  id: z.string().min(1),
  version: z.number(),
});

export const mappingSetSchema = z.looseObject({
  id: z.string(),
  version: z.number(),
  name: optText,
  description: optText,
  xdmSchema: str,
  mappings: parts({
    sourceAttribute: str,
    destinationXdmPath: str,
    identity: z.boolean().optional(),
  }),
});
export type MappingSet = z.output<typeof mappingSetSchema>;

export const mappingSetPageSchema = z.looseObject({
  data: z.array(mappingSetSchema),
  _page: z.looseObject({ count: num, limit: num }).nullish(),
  _links: z.looseObject({ next: z.unknown().optional() }).nullish(),
});

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

/**
 * `path op value` for one `property=` parameter (URLSearchParams does the URL encoding); an array
 * is any-of (comma-joined). Values go unquoted: Adobe's two filter readings differ on quotes and
 * commas (docs/emulator.md, "Filter readings"), and only a value without `,` and `"` reads the
 * same under both. Any other is a TypeError: callers leave that condition out and match on their
 * side (`nameFilter`).
 */
export function encodePropertyFilter(f: PropertyFilter): string {
  const op = f.op ?? '==';
  const values = Array.isArray(f.value) ? f.value : [f.value];
  if (values.length === 0) throw new TypeError(`property filter on ${f.path}: empty value list`);
  if (values.length > 1 && op !== '==' && op !== '!=') {
    throw new TypeError(`property filter on ${f.path}: ${op} does not take a list of values`);
  }
  if (!values.every(isFilterable)) {
    throw new TypeError(
      `property filter on ${f.path}: a value with a comma or a double quote, or an empty one, reads differently across filter readings`,
    );
  }
  return `${f.path}${op}${values.join(',')}`;
}

/** Whether `value` reads the same under every filter reading (see encodePropertyFilter). */
function isFilterable(value: string): boolean {
  return value !== '' && !/[,"]/.test(value) && value.trim() === value;
}

/**
 * The `name` condition of a lookup by name, empty when it would read differently across filter
 * readings. Callers still keep only exact matches: servers may also compare names ignoring case.
 */
export function nameFilter(name: string): PropertyFilter[] {
  return isFilterable(name) ? [{ path: 'name', value: name }] : [];
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
  transformations?: { name: 'Mapping'; params: { mappingId: string; mappingVersion: number } }[];
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
