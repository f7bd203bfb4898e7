import { z } from 'zod';
import {
  deprovisionRequestSchema,
  deprovisionResultSchema,
  healthSchema,
  sourcePlanSchema,
  operationSchema,
  problemSchema,
  provisionRequestSchema,
  provisionResultSchema,
  putBodySchema,
  sourceListSchema,
  sourceStatusSchema,
} from './schemas';
import { openApiPaths, type ComponentRefs } from './openapi-paths';

/**
 * The OpenAPI 3.1 document of the HTTP API, built from the zod schemas of src/api/schemas.ts with
 * zod 4's own `z.toJSONSchema` (OpenAPI 3.1 schemas are JSON Schema 2020-12). Also the JSON Schema
 * files of the cross-language contract (contract/, scripts/generate-contract.ts).
 */

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 of one zod schema; `io: 'input'` for what callers send (defaults optional). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' });
}

/** Hoists a schema's $defs into `components`, rewriting its references. */
function component(
  components: Record<string, JsonSchema>,
  name: string,
  schema: z.ZodType,
  io: 'input' | 'output',
): { $ref: string } {
  const {
    $schema: _s,
    $defs,
    ...rest
  } = jsonSchemaOf(schema, io) as JsonSchema & {
    $defs?: Record<string, JsonSchema>;
  };
  const rewrite = (v: unknown): unknown =>
    JSON.parse(
      JSON.stringify(v).replace(/"#\/\$defs\/([^"]+)"/g, (_m, id: string) =>
        JSON.stringify(`#/components/schemas/${refName(id, io)}`),
      ),
    );
  for (const [id, def] of Object.entries($defs ?? {})) {
    components[refName(id, io)] = rewrite(def) as JsonSchema;
  }
  // A schema with its own id comes back as { $ref: '#/$defs/<id>' }.
  const top = rewrite(rest) as JsonSchema;
  if (typeof top.$ref === 'string' && Object.keys(top).length === 1) return top as { $ref: string };
  components[name] = top;
  return { $ref: `#/components/schemas/${name}` };
}

/** Input and output forms of one id differ (defaults): the input form is suffixed. */
const refName = (id: string, io: 'input' | 'output') =>
  io === 'input' && !id.endsWith('Body') && !id.endsWith('Request') ? `${id}Input` : id;

export function buildOpenApi(): JsonSchema {
  const schemas: Record<string, JsonSchema> = {};
  const refs: ComponentRefs = {
    problem: component(schemas, 'Problem', problemSchema, 'output'),
    body: component(schemas, 'ProvisionRequestBody', putBodySchema, 'input'),
    result: component(schemas, 'ProvisionResult', provisionResultSchema, 'output'),
    teardown: component(schemas, 'DeprovisionResult', deprovisionResultSchema, 'output'),
    op: component(schemas, 'Operation', operationSchema, 'output'),
    status: component(schemas, 'SourceStatus', sourceStatusSchema, 'output'),
    list: component(schemas, 'SourceList', sourceListSchema, 'output'),
    health: component(schemas, 'Health', healthSchema, 'output'),
    plan: component(schemas, 'SourcePlan', sourcePlanSchema, 'output'),
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
  const withId = (file: string, s: JsonSchema) => ({
    $id: `https://aep-stream.invalid/contract/${file}`,
    ...s,
  });
  return {
    'provision-request.schema.json': withId(
      'provision-request.schema.json',
      jsonSchemaOf(provisionRequestSchema, 'input'),
    ),
    'provision-result.schema.json': withId(
      'provision-result.schema.json',
      jsonSchemaOf(provisionResultSchema, 'output'),
    ),
    'deprovision-request.schema.json': withId(
      'deprovision-request.schema.json',
      jsonSchemaOf(deprovisionRequestSchema, 'input'),
    ),
    'deprovision-result.schema.json': withId(
      'deprovision-result.schema.json',
      jsonSchemaOf(deprovisionResultSchema, 'output'),
    ),
    'openapi.json': buildOpenApi(),
  };
}
