/** Building blocks of the OpenAPI document's paths (openapi.ts): refs, responses, parameters. */

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: unknown) => ({ 'application/json': { schema } });
export const ok = (description: string, schema: unknown) => ({
  description,
  content: json(schema),
});
export const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
export const publicGet = (operationId: string, responses: object) => ({
  get: { operationId, security: [], responses },
});
export const query = (name: string, schema: object) => ({ name, in: 'query', schema });

export const ERRORS = {
  '401': problem('Missing, malformed or unknown API key (Unauthorized)'),
  '403': problem('The key is not scoped to this sandbox (Forbidden)'),
  '422': problem('Invalid request: `errors` lists every bad field (InvalidRequest)'),
  '429': problem('Rate limit of the key exceeded (RateLimited); see Retry-After'),
  '503': problem('Temporal is not reachable (TemporalUnavailable)'),
  '500': problem('Internal error'),
};
export const WORKFLOW_FAILURE = {
  '404': problem('No such source (SourceNotFound)'),
  '409': problem(
    'A different request for this source is in flight (RequestConflict), or with Prefer: wait the run failed on a conflict (ForeignResourceConflict, ExistingSourceDiffers)',
  ),
  '502': problem(
    'With Prefer: wait, the run failed because AEP refused or failed (ProvisioningFailed, CompensationFailed; rootCause names the step`s type)',
  ),
};
export const SOURCE_PARAMS = [
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
/** The org of a request (docs/api.md); absent: AEP_ORG_ID's. */
export const AEP_ORG = {
  name: 'x-aep-org',
  in: 'header',
  required: false,
  description:
    'The IMS org the request is for, one the deployment serves (AEP_ORG_ID, AEP_ORGS_FILE); absent: AEP_ORG_ID`s. Another is InvalidRequest',
  schema: { type: 'string', pattern: '^[A-Za-z0-9]+@AdobeOrg$' },
};
export const PREFER = {
  name: 'Prefer',
  in: 'header',
  required: false,
  description:
    'RFC 7240: `wait=<seconds>` answers with the outcome when the run ends in time (capped by API_MAX_WAIT_SECONDS); `respond-async` answers 202 at once',
  schema: { type: 'string', examples: ['wait=30'] },
};
export const ACCEPTED = {
  description: 'Started, or attached to the open run of the same request; poll Location',
  headers: { Location: { schema: { type: 'string' } } },
  content: json(ref('Operation')),
};
