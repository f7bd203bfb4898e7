import { z } from 'zod';
import { deprovisionRequestSchema, provisionRequestSchema } from '../request';
import { deprovisionResultSchema, provisionResultSchema, sourcePlanSchema } from './result-schemas';
import {
  healthSchema,
  operationSchema,
  problemSchema,
  putBodySchema,
  sourceListSchema,
  sourceStatusSchema,
} from './schemas';
import { openApiPaths, type ComponentRefs } from './openapi-paths';

/**
 * The OpenAPI 3.1 document of the HTTP API, built from the zod schemas of src/api/schemas.ts with
 * zod 4's own `z.toJSONSchema` (OpenAPI 3.1 schemas are JSON Schema 2020-12), with one path item
 * per route of routes/. Also the JSON Schema files of the cross-language contract (contract/,
 * scripts/generate-contract.ts).
 */

type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

/** JSON Schema 2020-12 of one zod schema; `io: 'input'` for what callers send (defaults optional). */
const jsonSchemaOf = (schema: z.ZodType, io: Io): JsonSchema =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' });

/** Input and output forms of one id differ (defaults): the input form is suffixed. */
const refName = (id: string, io: Io) =>
  io === 'input' && !id.endsWith('Body') && !id.endsWith('Request') ? `${id}Input` : id;

/** Hoists a schema's $defs into `components`, rewriting its references. */
function component(
  components: Record<string, JsonSchema>,
  name: string,
  schema: z.ZodType,
  io: Io = 'output',
): { $ref: string } {
  const { $schema: _s, $defs, ...rest } = jsonSchemaOf(schema, io);
  const rewrite = (v: unknown): JsonSchema =>
    JSON.parse(
      JSON.stringify(v).replace(/"#\/\$defs\/([^"]+)"/g, (_m, id: string) =>
        JSON.stringify(`#/components/schemas/${refName(id, io)}`),
      ),
    ) as JsonSchema;
  for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
    components[refName(id, io)] = rewrite(def);
  }
  // A schema with its own id comes back as { $ref: '#/$defs/<id>' }.
  const top = rewrite(rest);
  if (typeof top.$ref === 'string' && Object.keys(top).length === 1) return top as { $ref: string };
  components[name] = top;
  return { $ref: `#/components/schemas/${name}` };
}

export function buildOpenApi(): JsonSchema {
  const schemas: Record<string, JsonSchema> = {};
  const refs: ComponentRefs = {
    problem: component(schemas, 'Problem', problemSchema),
    body: component(schemas, 'ProvisionRequestBody', putBodySchema, 'input'),
    result: component(schemas, 'ProvisionResult', provisionResultSchema),
    teardown: component(schemas, 'DeprovisionResult', deprovisionResultSchema),
    op: component(schemas, 'Operation', operationSchema),
    status: component(schemas, 'SourceStatus', sourceStatusSchema),
    list: component(schemas, 'SourceList', sourceListSchema),
    health: component(schemas, 'Health', healthSchema),
    plan: component(schemas, 'SourcePlan', sourcePlanSchema),
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'aep-stream provisioning API',
      version: '1',
      description:
        'Provision Adobe Experience Platform HTTP API streaming sources through Temporal. Errors are RFC 9457 problem details. See docs/api.md.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      schemas,
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ apiKey: [] }],
    paths: openApiPaths(refs),
  };
}

/** The contract/ files: JSON Schema of request and result, and the OpenAPI document. */
export function contractFiles(): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  for (const [file, schema, io] of [
    ['provision-request', provisionRequestSchema, 'input'],
    ['provision-result', provisionResultSchema, 'output'],
    ['deprovision-request', deprovisionRequestSchema, 'input'],
    ['deprovision-result', deprovisionResultSchema, 'output'],
  ] as const) {
    files[`${file}.schema.json`] = {
      $id: `https://aep-stream.invalid/contract/${file}.schema.json`,
      ...jsonSchemaOf(schema, io),
    };
  }
  return { ...files, 'openapi.json': buildOpenApi() };
}
