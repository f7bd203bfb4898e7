import { z } from 'zod';
import { deprovisionRequestSchema, provisionRequestSchema } from '../request';
import { reconcileScheduleBodySchema, reconcileScheduleSchema } from './routes/reconcile';
import { deprovisionResultSchema, provisionResultSchema, sourcePlanSchema } from './result-schemas';
import {
  healthSchema,
  operationSchema,
  problemSchema,
  putBodySchema,
  sourceListSchema,
  sourceStatusSchema,
} from './schemas';

/**
 * The OpenAPI 3.1 document of the HTTP API (components: the zod schemas through `z.toJSONSchema`;
 * paths: one item per route of routes/) and the JSON Schema files of contract/.
 */

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

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const ok = (description: string, schema: unknown) => ({ description, content: json(schema) });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const publicGet = (operationId: string, responses: object) => ({
  get: { operationId, security: [], responses },
});
const query = (name: string, schema: object) => ({ name, in: 'query', schema });

const ERRORS = {
  '401': problem('Missing, malformed or unknown API key (Unauthorized)'),
  '403': problem('The key is not scoped to this sandbox (Forbidden)'),
  '422': problem('Invalid request: `errors` lists every bad field (InvalidRequest)'),
  '429': problem('Rate limit of the key exceeded (RateLimited); see Retry-After'),
  '503': problem('Temporal is not reachable (TemporalUnavailable)'),
  '500': problem('Internal error'),
};
const WORKFLOW_FAILURE = {
  '404': problem('No such source (SourceNotFound)'),
  '409': problem(
    'A different request for this source is in flight (RequestConflict), or with Prefer: wait the run failed on a conflict (ForeignResourceConflict, ExistingSourceDiffers)',
  ),
  '502': problem(
    'With Prefer: wait, the run failed because AEP refused or failed (ProvisioningFailed, CompensationFailed; rootCause names the step`s type)',
  ),
};
const SOURCE_PARAMS = [
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
const PREFER = {
  name: 'Prefer',
  in: 'header',
  required: false,
  description:
    'RFC 7240: `wait=<seconds>` answers with the outcome when the run ends in time (capped by API_MAX_WAIT_SECONDS); `respond-async` answers 202 at once',
  schema: { type: 'string', examples: ['wait=30'] },
};
const ACCEPTED = {
  description: 'Started, or attached to the open run of the same request; poll Location',
  headers: { Location: { schema: { type: 'string' } } },
  content: json(ref('Operation')),
};
const PUT_BODY = { required: true, content: json(ref('ProvisionRequestBody')) };

/** PUT (provision), GET (status) and DELETE (teardown) of one source. */
const SOURCE_ITEM = {
  parameters: SOURCE_PARAMS,
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
    parameters: SOURCE_PARAMS,
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
  '/v1/sources': {
    get: {
      operationId: 'listSources',
      summary: 'Provisioning runs from Temporal visibility, newest first, paged',
      parameters: [
        query('sandbox', { type: 'string' }),
        query('status', ref('ProvisionStatus')),
        query('pageSize', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
        query('pageToken', { type: 'string' }),
      ],
      responses: { '200': ok('One page', ref('SourceList')), ...ERRORS },
    },
  },
  '/v1/sandboxes/{sandbox}/reconcile-schedule': {
    parameters: [SOURCE_PARAMS[0]],
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
