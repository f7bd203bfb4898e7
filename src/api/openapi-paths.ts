/**
 * The paths of the OpenAPI document (src/api/openapi.ts): one path item per route module of
 * routes/, with the responses they share. `refs` are the components' references.
 */

export type ComponentRefs = Record<
  'problem' | 'body' | 'result' | 'teardown' | 'op' | 'status' | 'list' | 'health' | 'plan',
  { $ref: string }
>;

const json = (schema: unknown) => ({ 'application/json': { schema } });

/** The responses and parameters several operations share. */
function shared(refs: ComponentRefs) {
  const problemResponse = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: refs.problem } },
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
    content: json(refs.op),
  };
  return { problemResponse, errors, workflowFailure, params, prefer, accepted };
}

type Shared = ReturnType<typeof shared>;

export function openApiPaths(refs: ComponentRefs): Record<string, unknown> {
  const s = shared(refs);
  return {
    '/v1/sandboxes/{sandbox}/sources/{name}': sourceItem(refs, s),
    '/v1/sandboxes/{sandbox}/sources/{name}/plan': {
      parameters: s.params,
      post: {
        operationId: 'planSource',
        summary: 'What a PUT of this body would do, per resource',
        requestBody: { required: true, content: json(refs.body) },
        responses: {
          '200': { description: 'The plan', content: json(refs.plan) },
          ...s.errors,
        },
      },
    },
    '/v1/sources': listItem(refs, s),
    ...publicItems(refs, s),
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
      requestBody: { required: true, content: json(refs.body) },
      responses: {
        '200': {
          description: 'Prefer: wait and the run succeeded in time',
          content: json(refs.result),
        },
        '202': s.accepted,
        '400': s.problemResponse('The body is not valid JSON (MalformedRequest)'),
        '413': s.problemResponse('The body exceeds API_BODY_LIMIT_BYTES (BodyTooLarge)'),
        '415': s.problemResponse('Not application/json (UnsupportedMediaType)'),
        ...s.errors,
        ...s.workflowFailure,
      },
    },
    get: {
      operationId: 'getSource',
      summary: 'Status, progress, result or failure of the source`s latest run',
      responses: {
        '200': { description: 'The latest run', content: json(refs.status) },
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
        '200': {
          description: 'Prefer: wait and the teardown ended in time',
          content: json(refs.teardown),
        },
        '202': s.accepted,
        ...s.errors,
        ...s.workflowFailure,
      },
    },
  };
}

function listItem(refs: ComponentRefs, s: Shared) {
  return {
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
      responses: { '200': { description: 'One page', content: json(refs.list) }, ...s.errors },
    },
  };
}

/** Health, readiness and this document: no key. */
function publicItems(refs: ComponentRefs, s: Shared) {
  return {
    '/healthz': {
      get: {
        operationId: 'health',
        security: [],
        responses: { '200': { description: 'The process is up', content: json(refs.health) } },
      },
    },
    '/readyz': {
      get: {
        operationId: 'ready',
        security: [],
        responses: {
          '200': { description: 'Temporal answers', content: json(refs.health) },
          '503': s.errors['503'],
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
  };
}
