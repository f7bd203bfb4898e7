/**
 * zod schemas for the AEP responses the client reads. Deliberately tolerant: objects are loose
 * (unknown fields kept), and only fields the project uses are required, so an additive change on
 * Adobe's side never breaks provisioning. A body that lacks a required field is an
 * `AepUnexpectedResponse` (non-retryable): retrying will not make the field appear.
 */
import { z } from 'zod';
import type {
  BaseConnection,
  CreatedFlowServiceResource,
  CreatedMappingSet,
  Dataset,
  Flow,
  MappingSet,
  SourceConnection,
  TargetConnection,
  XdmSchema,
} from './types';

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

export const xdmSchemaSchema: z.ZodType<XdmSchema> = z.looseObject({
  $id: z.string(),
  title: z.string(),
  version: z.string(),
  'meta:altId': z.string().optional(),
});

// ---- Catalog ---------------------------------------------------------------------------------

/** `["@/dataSets/{id}"]` (create, delete). */
export const catalogRefsSchema = z.array(z.string());

const datasetFields = z.looseObject({
  id: z.string().optional(),
  name: z.string(),
  description: optText,
  schemaRef: z.looseObject({ id: z.string(), contentType: z.string() }),
  tags: z.record(z.string(), z.array(z.string())).optional(),
  /** Creation time, ms since the epoch (Catalog's `created`). */
  created: z.number().optional(),
});

/**
 * Catalog GET bodies are objects keyed by dataset id; the id is not always repeated inside the
 * item, so the key is authoritative.
 */
export const datasetMapSchema = z
  .record(z.string(), z.unknown())
  .transform((map, ctx): Dataset[] => {
    const out: Dataset[] = [];
    for (const [key, value] of Object.entries(map)) {
      const parsed = datasetFields.safeParse(value);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          ctx.addIssue({ code: 'custom', message: issue.message, path: [key, ...issue.path] });
        }
        continue;
      }
      out.push({ ...parsed.data, id: key });
    }
    return out;
  });

// ---- Flow Service ----------------------------------------------------------------------------

export const createdSchema: z.ZodType<CreatedFlowServiceResource> = z.looseObject({
  id: z.string().min(1),
  etag: z.string(),
});

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

export const baseConnectionSchema: z.ZodType<BaseConnection> = z.looseObject({
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

export const sourceConnectionSchema: z.ZodType<SourceConnection> = z.looseObject({
  ...flowServiceFields(optText),
  baseConnectionId: z.string().optional(),
  connectionSpec: specRef,
});

export const targetConnectionSchema: z.ZodType<TargetConnection> = z.looseObject({
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

export const flowSchema: z.ZodType<Flow> = z.looseObject({
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

/** `GET /{kind}/{id}` answers `{items: [item]}`. */
export function singleItemSchema<T>(item: z.ZodType<T>) {
  return z.looseObject({ items: z.array(item) });
}

/** `GET /{kind}?…` answers `{items, _links: {next: {href}}}`; `next` absent on the last page. */
export function listPageSchema<T>(item: z.ZodType<T>) {
  return z.looseObject({
    items: z.array(item),
    _links: z
      .looseObject({
        next: z.looseObject({ href: z.string().optional() }).nullish(),
      })
      .nullish(),
  });
}

// ---- Data Prep -------------------------------------------------------------------------------

export const createdMappingSetSchema: z.ZodType<CreatedMappingSet> = z.looseObject({
  id: z.string().min(1),
  version: z.number(),
});

export const mappingSetSchema: z.ZodType<MappingSet> = z.looseObject({
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

export const mappingSetPageSchema = z.looseObject({
  data: z.array(mappingSetSchema),
  _page: z.looseObject({ count: z.number().optional(), limit: z.number().optional() }).nullish(),
  _links: z.looseObject({ next: z.unknown().optional() }).nullish(),
});
