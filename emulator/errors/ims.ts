/**
 * IMS token endpoint errors: OAuth-style `{error, error_description}`. The v3 bodies are
 * UNCONFIRMED; this is the shape the JWT-era docs and third-party pages show.
 */
import { HttpError } from './http-error';

export const imsError = (status: number, error: string, description: string) =>
  new HttpError(status, { error, error_description: description });

export const invalidClient = () =>
  imsError(401, 'invalid_client', 'invalid client_id or client_secret parameter');

export const missingParameter = (name: string) =>
  imsError(400, 'invalid_request', `missing ${name} parameter`);

export const unsupportedGrant = (grant: string) =>
  imsError(400, 'unsupported_grant_type', `grant_type ${grant} is not supported`);

export const imsGeneric = (status: number, description: string) =>
  imsError(status, status >= 500 ? 'server_error' : 'invalid_request', description);
