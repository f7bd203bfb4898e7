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
  const problem = component(schemas, 'Problem', problemSchema, 'output');
  const body = component(schemas, 'ProvisionRequestBody', putBodySchema, 'input');
  const result = component(schemas, 'ProvisionResult', provisionResultSchema, 'output');
  const teardown = component(schemas, 'DeprovisionResult', deprovisionResultSchema, 'output');
  const op = component(schemas, 'Operation', operationSchema, 'output');
  const status = component(schemas, 'SourceStatus', sourceStatusSchema, 'output');
  const list = component(schemas, 'SourceList', sourceListSchema, 'output');
  const health = component(schemas, 'Health', healthSchema, 'output');
  const plan = component(schemas, 'SourcePlan', sourcePlanSchema, 'output');

  const json = (schema: unknown) => ({ 'application/json': { schema } });
  const problemResponse = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: problem } },
  });
  const errors = {
    '401': problemResponse('Missing, malformed or unknown API key (Unauthorized)'),
    '403': problemResponse('The key is not scoped to this sandbox (Forbidden)'),
    '422': problemResponse('Invalid request: `errors` lists every bad field (InvalidRequest)'),
    '429': problemResponse('Rate limit of the key exceeded (RateLimited); see Retry-After'),
    '503': problemResponse('Temporal is not reachable (TemporalUnavailable)'),
    '500': problemResponse('Internal error'),
  };
  const workflowFailure = {
    '404': problemResponse('No such source (SourceNotFound)'),
    '409': problemResponse(
      'A different request for this source is in flight (RequestConflict), or with Prefer: wait the run failed on a conflict (ForeignResourceConflict, ExistingSourceDiffers)',
    ),
    '502': problemResponse(
      'With Prefer: wait, the run failed because AEP refused or failed (ProvisioningFailed, CompensationFailed; rootCause names the step`s type)',
    ),
  };
  const params = [
    {
      name: 'sandbox',
      in: 'path',
      required: true,
      schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
    },
    {
      name: 'name',
      in: 'path',
      required: true,
      description: 'The source`s name, percent-encoded (letters of any script, digits, spaces…)',
      schema: { type: 'string', minLength: 1, maxLength: 128 },
    },
  ];
  const prefer = {
    name: 'Prefer',
    in: 'header',
    required: false,
    description:
      'RFC 7240: `wait=<seconds>` answers with the outcome when the run ends in time (capped by API_MAX_WAIT_SECONDS); `respond-async` answers 202 at once',
    schema: { type: 'string', examples: ['wait=30'] },
  };
  const accepted = {
    description: 'Started, or attached to the open run of the same request; poll Location',
    headers: { Location: { schema: { type: 'string' } } },
    content: json(op),
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
    paths: {
      '/v1/sandboxes/{sandbox}/sources/{name}': {
        parameters: params,
        put: {
          operationId: 'provisionSource',
          summary: 'Provision (or converge) a source to the desired state in the body',
          parameters: [prefer],
          requestBody: { required: true, content: json(body) },
          responses: {
            '200': {
              description: 'Prefer: wait and the run succeeded in time',
              content: json(result),
            },
            '202': accepted,
            '400': problemResponse('The body is not valid JSON (MalformedRequest)'),
            '413': problemResponse('The body exceeds API_BODY_LIMIT_BYTES (BodyTooLarge)'),
            '415': problemResponse('Not application/json (UnsupportedMediaType)'),
            ...errors,
            ...workflowFailure,
          },
        },
        get: {
          operationId: 'getSource',
          summary: 'Status, progress, result or failure of the source`s latest run',
          responses: {
            '200': { description: 'The latest run', content: json(status) },
            ...errors,
            '404': workflowFailure['404'],
          },
        },
        delete: {
          operationId: 'deprovisionSource',
          summary: 'Tear the source down (flow first, base connection last)',
          parameters: [prefer],
          responses: {
            '200': {
              description: 'Prefer: wait and the teardown ended in time',
              content: json(teardown),
            },
            '202': accepted,
            ...errors,
            ...workflowFailure,
          },
        },
      },
      '/v1/sandboxes/{sandbox}/sources/{name}/plan': {
        parameters: params,
        post: {
          operationId: 'planSource',
          summary: 'What a PUT of this body would do, per resource',
          requestBody: { required: true, content: json(body) },
          responses: {
            '200': { description: 'The plan', content: json(plan) },
            ...errors,
          },
        },
      },
      '/v1/sources': {
        get: {
          operationId: 'listSources',
          summary: 'Provisioning runs from Temporal visibility, newest first, paged',
          parameters: [
            { name: 'sandbox', in: 'query', schema: { type: 'string' } },
            {
              name: 'status',
              in: 'query',
              schema: { $ref: '#/components/schemas/ProvisionStatus' },
            },
            {
              name: 'pageSize',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            },
            { name: 'pageToken', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'One page', content: json(list) }, ...errors },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          security: [],
          responses: { '200': { description: 'The process is up', content: json(health) } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          security: [],
          responses: {
            '200': { description: 'Temporal answers', content: json(health) },
            '503': errors['503'],
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          security: [],
          responses: { '200': { description: 'This document', content: json({ type: 'object' }) } },
        },
      },
    },
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
