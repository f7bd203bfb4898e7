import { z } from 'zod';
import { deprovisionRequestSchema, provisionRequestSchema } from '../request';
import { deprovisionResultSchema, provisionResultSchema, sourcePlanSchema } from './result-schemas';
import * as api from './schemas';

/** The OpenAPI 3.1 document (components from the zod schemas) and the files of contract/. */

type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

/** JSON Schema 2020-12 of one zod schema; `io: 'input'` for what callers send (defaults optional). */
const jsonSchemaOf = (schema: z.ZodType, io: Io): JsonSchema =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' });

/** Input and output forms of one id differ (defaults): the input form is suffixed. */
const refName = (id: string, io: Io) =>
  io === 'input' && !id.endsWith('Body') && !id.endsWith('Request') ? `${id}Input` : id;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
/** A JSON answer: `schema` a component's name or a JSON Schema. */
const ok = (description: string, schema: string | object) => ({
  description,
  content: json(typeof schema === 'string' ? ref(schema) : schema),
});
const PROBLEM = { 'application/problem+json': { schema: ref('Problem') } };
/** Responses: a string is the description of a problem document. */
const answers = (responses: Record<string, string | object>) =>
  Object.fromEntries(
    Object.entries(responses).map(([code, r]) => [
      code,
      typeof r === 'string' ? { description: r, content: PROBLEM } : r,
    ]),
  );
const param = (
  name: string,
  at: string,
  schema: object,
  description?: string,
  required?: boolean,
) => ({ name, in: at, required, description, schema });
const publicGet = (operationId: string, responses: Record<string, string | object>) => ({
  get: { operationId, security: [], responses: answers(responses) },
});
const body = (name: string) => ({ required: true, content: json(ref(name)) });

const ERRORS = {
  '401': 'Missing, malformed or unknown API key (Unauthorized)',
  '403': 'The key is not scoped to this sandbox (Forbidden)',
  '422': 'Invalid request: `errors` lists every bad field (InvalidRequest)',
  '429': 'Rate limit of the key exceeded (RateLimited); see Retry-After',
  '503': 'Temporal is not reachable (TemporalUnavailable)',
  '500': 'Internal error',
};
const NOT_FOUND = 'No such source (SourceNotFound)';
const WORKFLOW_FAILURE = {
  '404': NOT_FOUND,
  '409':
    'A different request for this source is in flight (RequestConflict), or with Prefer: wait the run failed on a conflict (ForeignResourceConflict, ExistingSourceDiffers)',
  '502':
    'With Prefer: wait, the run failed because AEP refused or failed (ProvisioningFailed, CompensationFailed; rootCause names the step`s type)',
};
const NAME_PATTERN = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' };
const ORG_DOC =
  'The IMS org the request is for, one the deployment serves (AEP_ORG_ID, AEP_ORGS_FILE); absent: AEP_ORG_ID`s. Another is InvalidRequest';
const PREFER_DOC =
  'RFC 7240: `wait=<seconds>` answers with the outcome when the run ends in time (capped by API_MAX_WAIT_SECONDS); `respond-async` answers 202 at once';
const SANDBOX = param('sandbox', 'path', NAME_PATTERN, undefined, true);
const ORG = { type: 'string', pattern: '^[A-Za-z0-9]+@AdobeOrg$' };
const AEP_ORG = param('x-aep-org', 'header', ORG, ORG_DOC, false);
const NAME = { type: 'string', minLength: 1, maxLength: 128 };
const NAME_DOC = 'The source`s name, percent-encoded (letters of any script, digits, spaces…)';
const SOURCE_PARAMS = [SANDBOX, param('name', 'path', NAME, NAME_DOC, true), AEP_ORG];
const SET_DOC = 'The apply set`s id (marked on each source`s base connection)';
const SET_PARAMS = [SANDBOX, AEP_ORG, param('set', 'path', NAME_PATTERN, SET_DOC, true)];
const PREFER_SCHEMA = { type: 'string', examples: ['wait=30'] };
const PREFER = param('Prefer', 'header', PREFER_SCHEMA, PREFER_DOC, false);
const ACCEPTED = {
  description: 'Started, or attached to the open run of the same request; poll Location',
  headers: { Location: { schema: { type: 'string' } } },
  content: json(ref('Operation')),
};
/** A set's PUT: each source's outcome, then what the prune did with each source it tore down. */
const OBJECTS = { type: 'array', items: { type: 'object' } };
const SET_RESULT = {
  type: 'object',
  properties: { applied: OBJECTS, pruned: OBJECTS, prune: { type: 'string' } },
};
const retryLater = (why: string) =>
  `Temporal is not reachable (TemporalUnavailable), or ${why}; retry after Retry-After`;

const PATHS = {
  '/v1/sandboxes/{sandbox}/sources/{name}': {
    parameters: SOURCE_PARAMS,
    put: {
      operationId: 'provisionSource',
      summary: 'Provision (or converge) a source to the desired state in the body',
      parameters: [PREFER],
      requestBody: body('ProvisionRequestBody'),
      responses: answers({
        '200': ok('Prefer: wait and the run succeeded in time', 'ProvisionResult'),
        '202': ACCEPTED,
        '400': 'The body is not valid JSON (MalformedRequest)',
        '413': 'The body exceeds API_BODY_LIMIT_BYTES (BodyTooLarge)',
        '415': 'Not application/json (UnsupportedMediaType)',
        ...ERRORS,
        ...WORKFLOW_FAILURE,
      }),
    },
    get: {
      operationId: 'getSource',
      summary: 'Status, progress, result or failure of the source`s latest run',
      responses: answers({
        '200': ok('The latest run', 'SourceStatus'),
        ...ERRORS,
        '404': NOT_FOUND,
      }),
    },
    delete: {
      operationId: 'deprovisionSource',
      summary:
        'Tear the source down (flow first, base connection last); its dataset is kept unless deleteDataset=true',
      parameters: [
        PREFER,
        param(
          'deleteDataset',
          'query',
          { type: 'string', enum: ['true', 'false'], default: 'false' },
          'Also delete the dataset this project created for the source, and its data, when no other source writes to it',
        ),
      ],
      responses: answers({
        '200': ok('Prefer: wait and the teardown ended in time', 'DeprovisionResult'),
        '202': ACCEPTED,
        ...ERRORS,
        ...WORKFLOW_FAILURE,
        '503': retryLater(
          'the open provisioning it cancelled was still compensating after API_MAX_WAIT_SECONDS (CompensationPending): the teardown has not started',
        ),
      }),
    },
  },
  '/v1/sandboxes/{sandbox}/sources/{name}/plan': {
    parameters: SOURCE_PARAMS,
    post: {
      operationId: 'planSource',
      summary: 'What a PUT of this body would do, per resource',
      requestBody: body('ProvisionRequestBody'),
      responses: answers({
        '200': ok('The plan', 'SourcePlan'),
        ...ERRORS,
        '503': retryLater('no plan within API_MAX_WAIT_SECONDS (PlanTimedOut)'),
      }),
    },
  },
  '/v1/sandboxes/{sandbox}/sets/{set}': {
    parameters: SET_PARAMS,
    put: {
      operationId: 'applySet',
      summary:
        'Apply the whole apply set in the body, then prune its sources the body does not name (their datasets kept unless deleteDataset)',
      parameters: [PREFER],
      requestBody: body('ApplySetBody'),
      responses: answers({
        '200': ok('Every source provisioned within Prefer: wait, then the prune', SET_RESULT),
        '202': ok('Not every source provisioned in time: nothing pruned; PUT again', SET_RESULT),
        '409':
          'The prune would tear down more than 10 % of the set (PruneRefused): nothing was torn down; send force: true',
        '502': ok('A provisioning failed: nothing pruned', SET_RESULT),
        ...ERRORS,
      }),
    },
  },
  '/v1/sandboxes/{sandbox}/sets/{set}/plan': {
    parameters: SET_PARAMS,
    post: {
      operationId: 'planSet',
      summary: 'What a PUT of this set would do: each source`s plan, and those it prunes (delete)',
      requestBody: body('ApplySetBody'),
      responses: answers({
        '200': ok('The plans and the guard`s verdict', {
          type: 'object',
          properties: {
            sources: { type: 'array', items: ref('SourcePlan') },
            prune: { type: 'object' },
          },
        }),
        ...ERRORS,
      }),
    },
  },
  '/v1/sources': {
    get: {
      operationId: 'listSources',
      summary: 'Provisioning runs from Temporal visibility, newest first, paged',
      parameters: [
        AEP_ORG,
        param('sandbox', 'query', { type: 'string' }),
        param('status', 'query', ref('ProvisionStatus')),
        param('pageSize', 'query', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
        param('pageToken', 'query', { type: 'string' }),
      ],
      responses: answers({ '200': ok('One page', 'SourceList'), ...ERRORS }),
    },
  },
  '/v1/sandboxes/{sandbox}/reconcile-schedule': {
    parameters: [SANDBOX, AEP_ORG],
    put: {
      operationId: 'scheduleReconcile',
      summary:
        'Create or update the sandbox`s reconcile schedule: every source planned against its last applied request, drift reported and, with repair, provisioned again',
      requestBody: body('ReconcileScheduleBody'),
      responses: answers({
        '200': ok('The schedule existed and was updated', 'ReconcileSchedule'),
        '201': ok('The schedule was created', 'ReconcileSchedule'),
        ...ERRORS,
      }),
    },
  },
  // Health, readiness and this document: no key.
  '/healthz': publicGet('health', { '200': ok('The process is up', 'Health') }),
  '/readyz': publicGet('ready', {
    '200': ok('Temporal answers (where it is and the worker count: to a valid key only)', 'Health'),
    '429': ERRORS['429'],
    '503': ERRORS['503'],
  }),
  '/openapi.json': publicGet('openapi', { '200': ok('This document', { type: 'object' }) }),
};

/** The components: each one's $defs (schemas with `.meta({ id })`), hoisted; bodies as input. */
const COMPONENTS: z.ZodType[] = [
  api.problemSchema,
  api.putBodySchema,
  api.setBodySchema,
  api.reconcileScheduleBodySchema,
  api.reconcileScheduleSchema,
  provisionResultSchema,
  deprovisionResultSchema,
  api.operationSchema,
  api.sourceStatusSchema,
  api.sourceListSchema,
  api.healthSchema,
  sourcePlanSchema,
];

export function buildOpenApi(): JsonSchema {
  const schemas: Record<string, JsonSchema> = {};
  for (const schema of COMPONENTS) {
    const io = schema.meta()?.id?.endsWith('Body') ? 'input' : 'output';
    const { $defs } = jsonSchemaOf(schema, io);
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
      schemas[refName(id, io)] = JSON.parse(
        JSON.stringify(def).replace(/"#\/\$defs\/([^"]+)"/g, (_m, id: string) =>
          JSON.stringify(`#/components/schemas/${refName(id, io)}`),
        ),
      ) as JsonSchema;
    }
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
    components: { schemas, securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
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
