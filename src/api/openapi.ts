import { z } from 'zod';
import { deprovisionRequestSchema, provisionRequestSchema } from '../request';
import { deprovisionResultSchema, provisionResultSchema, sourcePlanSchema } from './result-schemas';
import {
  ref,
  json,
  ok,
  problem,
  publicGet,
  query,
  ERRORS,
  WORKFLOW_FAILURE,
  SOURCE_PARAMS,
  AEP_ORG,
  PREFER,
  ACCEPTED,
} from './openapi-parts';
import {
  healthSchema,
  operationSchema,
  problemSchema,
  putBodySchema,
  reconcileScheduleBodySchema,
  reconcileScheduleSchema,
  setBodySchema,
  sourceListSchema,
  sourceStatusSchema,
} from './schemas';

/** The OpenAPI 3.1 document (components from the zod schemas) and the files of contract/. */

type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

/** JSON Schema 2020-12 of one zod schema; `io: 'input'` for what callers send (defaults optional). */
const jsonSchemaOf = (schema: z.ZodType, io: Io): JsonSchema =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' });

/** Input and output forms of one id differ (defaults): the input form is suffixed. */
const refName = (id: string, io: Io) =>
  io === 'input' && !id.endsWith('Body') && !id.endsWith('Request') ? `${id}Input` : id;

/** Hoists the $defs (the schemas with `.meta({ id })`) into `components`, rewriting the refs. */
function hoist(components: Record<string, JsonSchema>, schema: z.ZodType, io: Io = 'output') {
  const { $defs } = jsonSchemaOf(schema, io);
  for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
    components[refName(id, io)] = JSON.parse(
      JSON.stringify(def).replace(/"#\/\$defs\/([^"]+)"/g, (_m, ref: string) =>
        JSON.stringify(`#/components/schemas/${refName(ref, io)}`),
      ),
    ) as JsonSchema;
  }
}

const PUT_BODY = { required: true, content: json(ref('ProvisionRequestBody')) };
const SET_BODY = { required: true, content: json(ref('ApplySetBody')) };
const SET_PARAMS = [
  SOURCE_PARAMS[0],
  AEP_ORG,
  {
    name: 'set',
    in: 'path',
    required: true,
    description: 'The apply set`s id (marked on each source`s base connection)',
    schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
  },
];
/** A set's PUT: each source's outcome, then what the prune did with each source it tore down. */
const SET_RESULT = {
  type: 'object',
  properties: {
    applied: { type: 'array', items: { type: 'object' } },
    pruned: { type: 'array', items: { type: 'object' } },
    prune: { type: 'string' },
  },
};

/** PUT (provision), GET (status) and DELETE (teardown) of one source. */
const SOURCE_ITEM = {
  parameters: [...SOURCE_PARAMS, AEP_ORG],
  put: {
    operationId: 'provisionSource',
    summary: 'Provision (or converge) a source to the desired state in the body',
    parameters: [PREFER],
    requestBody: PUT_BODY,
    responses: {
      '200': ok('Prefer: wait and the run succeeded in time', ref('ProvisionResult')),
      '202': ACCEPTED,
      '400': problem('The body is not valid JSON (MalformedRequest)'),
      '413': problem('The body exceeds API_BODY_LIMIT_BYTES (BodyTooLarge)'),
      '415': problem('Not application/json (UnsupportedMediaType)'),
      ...ERRORS,
      ...WORKFLOW_FAILURE,
    },
  },
  get: {
    operationId: 'getSource',
    summary: 'Status, progress, result or failure of the source`s latest run',
    responses: {
      '200': ok('The latest run', ref('SourceStatus')),
      ...ERRORS,
      '404': WORKFLOW_FAILURE['404'],
    },
  },
  delete: {
    operationId: 'deprovisionSource',
    summary:
      'Tear the source down (flow first, base connection last); its dataset is kept unless deleteDataset=true',
    parameters: [
      PREFER,
      {
        name: 'deleteDataset',
        in: 'query',
        description:
          'Also delete the dataset this project created for the source, and its data, when no other source writes to it',
        schema: { type: 'string', enum: ['true', 'false'], default: 'false' },
      },
    ],
    responses: {
      '200': ok('Prefer: wait and the teardown ended in time', ref('DeprovisionResult')),
      '202': ACCEPTED,
      ...ERRORS,
      ...WORKFLOW_FAILURE,
      '503': problem(
        'Temporal is not reachable (TemporalUnavailable), or the open provisioning it cancelled was still compensating after API_MAX_WAIT_SECONDS (CompensationPending): the teardown has not started; retry after Retry-After',
      ),
    },
  },
};

const PATHS = {
  '/v1/sandboxes/{sandbox}/sources/{name}': SOURCE_ITEM,
  '/v1/sandboxes/{sandbox}/sources/{name}/plan': {
    parameters: [...SOURCE_PARAMS, AEP_ORG],
    post: {
      operationId: 'planSource',
      summary: 'What a PUT of this body would do, per resource',
      requestBody: PUT_BODY,
      responses: {
        '200': ok('The plan', ref('SourcePlan')),
        ...ERRORS,
        '503': problem(
          'Temporal is not reachable (TemporalUnavailable), or no plan within API_MAX_WAIT_SECONDS (PlanTimedOut); retry after Retry-After',
        ),
      },
    },
  },
  '/v1/sandboxes/{sandbox}/sets/{set}': {
    parameters: SET_PARAMS,
    put: {
      operationId: 'applySet',
      summary:
        'Apply the whole apply set in the body, then prune its sources the body does not name (their datasets kept unless deleteDataset)',
      parameters: [PREFER],
      requestBody: SET_BODY,
      responses: {
        '200': ok('Every source provisioned within Prefer: wait, then the prune', SET_RESULT),
        '202': ok('Not every source provisioned in time: nothing pruned; PUT again', SET_RESULT),
        '409': problem(
          'The prune would tear down more than 10 % of the set (PruneRefused): nothing was torn down; send force: true',
        ),
        '502': ok('A provisioning failed: nothing pruned', SET_RESULT),
        ...ERRORS,
      },
    },
  },
  '/v1/sandboxes/{sandbox}/sets/{set}/plan': {
    parameters: SET_PARAMS,
    post: {
      operationId: 'planSet',
      summary: 'What a PUT of this set would do: each source`s plan, and those it prunes (delete)',
      requestBody: SET_BODY,
      responses: {
        '200': ok('The plans and the guard`s verdict', {
          type: 'object',
          properties: {
            sources: { type: 'array', items: ref('SourcePlan') },
            prune: { type: 'object' },
          },
        }),
        ...ERRORS,
      },
    },
  },
  '/v1/sources': {
    get: {
      operationId: 'listSources',
      summary: 'Provisioning runs from Temporal visibility, newest first, paged',
      parameters: [
        AEP_ORG,
        query('sandbox', { type: 'string' }),
        query('status', ref('ProvisionStatus')),
        query('pageSize', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
        query('pageToken', { type: 'string' }),
      ],
      responses: { '200': ok('One page', ref('SourceList')), ...ERRORS },
    },
  },
  '/v1/sandboxes/{sandbox}/reconcile-schedule': {
    parameters: [SOURCE_PARAMS[0], AEP_ORG],
    put: {
      operationId: 'scheduleReconcile',
      summary:
        'Create or update the sandbox`s reconcile schedule: every source planned against its last applied request, drift reported and, with repair, provisioned again',
      requestBody: { required: true, content: json(ref('ReconcileScheduleBody')) },
      responses: {
        '200': ok('The schedule existed and was updated', ref('ReconcileSchedule')),
        '201': ok('The schedule was created', ref('ReconcileSchedule')),
        ...ERRORS,
      },
    },
  },
  // Health, readiness and this document: no key.
  '/healthz': publicGet('health', { '200': ok('The process is up', ref('Health')) }),
  '/readyz': publicGet('ready', {
    '200': ok(
      'Temporal answers (where it is and the worker count: to a valid key only)',
      ref('Health'),
    ),
    '429': ERRORS['429'],
    '503': ERRORS['503'],
  }),
  '/openapi.json': publicGet('openapi', { '200': ok('This document', { type: 'object' }) }),
};

export function buildOpenApi(): JsonSchema {
  const schemas: Record<string, JsonSchema> = {};
  hoist(schemas, problemSchema);
  hoist(schemas, putBodySchema, 'input');
  hoist(schemas, setBodySchema, 'input');
  hoist(schemas, reconcileScheduleBodySchema, 'input');
  hoist(schemas, reconcileScheduleSchema);
  for (const s of [provisionResultSchema, deprovisionResultSchema, operationSchema]) {
    hoist(schemas, s);
  }
  for (const s of [sourceStatusSchema, sourceListSchema, healthSchema, sourcePlanSchema]) {
    hoist(schemas, s);
  }
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
    paths: PATHS,
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
