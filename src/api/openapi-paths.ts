/**
 * The paths of the OpenAPI document (src/api/openapi.ts): one path item per route of routes/,
 * with the responses they share. `refs` are the components' references.
 */

export type ComponentRefs = Record<
  'problem' | 'body' | 'result' | 'teardown' | 'op' | 'status' | 'list' | 'health' | 'plan',
  { $ref: string }
>;

const json = (schema: unknown) => ({ 'application/json': { schema } });
const ok = (description: string, schema: unknown) => ({ description, content: json(schema) });

/** The responses and parameters several operations share. */
function shared(refs: ComponentRefs) {
  const problem = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: refs.problem } },
  });
  const errors = {
    '401': problem('Missing, malformed or unknown API key (Unauthorized)'),
    '403': problem('The key is not scoped to this sandbox (Forbidden)'),
    '422': problem('Invalid request: `errors` lists every bad field (InvalidRequest)'),
    '429': problem('Rate limit of the key exceeded (RateLimited); see Retry-After'),
    '503': problem('Temporal is not reachable (TemporalUnavailable)'),
    '500': problem('Internal error'),
  };
  const workflowFailure = {
    '404': problem('No such source (SourceNotFound)'),
    '409': problem(
      'A different request for this source is in flight (RequestConflict), or with Prefer: wait the run failed on a conflict (ForeignResourceConflict, ExistingSourceDiffers)',
    ),
    '502': problem(
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
    content: json(refs.op),
  };
  const body = { required: true, content: json(refs.body) };
  return { problem, errors, workflowFailure, params, prefer, accepted, body };
}

type Shared = ReturnType<typeof shared>;

export function openApiPaths(refs: ComponentRefs): Record<string, unknown> {
  const s = shared(refs);
  const publicGet = (operationId: string, responses: object) => ({
    get: { operationId, security: [], responses },
  });
  return {
    '/v1/sandboxes/{sandbox}/sources/{name}': sourceItem(refs, s),
    '/v1/sandboxes/{sandbox}/sources/{name}/plan': {
      parameters: s.params,
      post: {
        operationId: 'planSource',
        summary: 'What a PUT of this body would do, per resource',
        requestBody: s.body,
        responses: { '200': ok('The plan', refs.plan), ...s.errors },
      },
    },
    '/v1/sources': listItem(refs, s),
    // Health, readiness and this document: no key.
    '/healthz': publicGet('health', { '200': ok('The process is up', refs.health) }),
    '/readyz': publicGet('ready', {
      '200': ok('Temporal answers', refs.health),
      '503': s.errors['503'],
    }),
    '/openapi.json': publicGet('openapi', { '200': ok('This document', { type: 'object' }) }),
  };
}

/** PUT (provision), GET (status) and DELETE (teardown) of one source. */
function sourceItem(refs: ComponentRefs, s: Shared) {
  return {
    parameters: s.params,
    put: {
      operationId: 'provisionSource',
      summary: 'Provision (or converge) a source to the desired state in the body',
      parameters: [s.prefer],
      requestBody: s.body,
      responses: {
        '200': ok('Prefer: wait and the run succeeded in time', refs.result),
        '202': s.accepted,
        '400': s.problem('The body is not valid JSON (MalformedRequest)'),
        '413': s.problem('The body exceeds API_BODY_LIMIT_BYTES (BodyTooLarge)'),
        '415': s.problem('Not application/json (UnsupportedMediaType)'),
        ...s.errors,
        ...s.workflowFailure,
      },
    },
    get: {
      operationId: 'getSource',
      summary: 'Status, progress, result or failure of the source`s latest run',
      responses: {
        '200': ok('The latest run', refs.status),
        ...s.errors,
        '404': s.workflowFailure['404'],
      },
    },
    delete: {
      operationId: 'deprovisionSource',
      summary:
        'Tear the source down (flow first, base connection last); its dataset is kept unless deleteDataset=true',
      parameters: [
        s.prefer,
        {
          name: 'deleteDataset',
          in: 'query',
          description:
            'Also delete the dataset this project created for the source, and its data, when no other source writes to it',
          schema: { type: 'string', enum: ['true', 'false'], default: 'false' },
        },
      ],
      responses: {
        '200': ok('Prefer: wait and the teardown ended in time', refs.teardown),
        '202': s.accepted,
        ...s.errors,
        ...s.workflowFailure,
      },
    },
  };
}

function listItem(refs: ComponentRefs, s: Shared) {
  const query = (name: string, schema: object) => ({ name, in: 'query', schema });
  return {
    get: {
      operationId: 'listSources',
      summary: 'Provisioning runs from Temporal visibility, newest first, paged',
      parameters: [
        query('sandbox', { type: 'string' }),
        query('status', { $ref: '#/components/schemas/ProvisionStatus' }),
        query('pageSize', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
        query('pageToken', { type: 'string' }),
      ],
      responses: { '200': ok('One page', refs.list), ...s.errors },
    },
  };
}
