/**
 * Adobe I/O gateway errors, in front of every Platform API: `{error_code, message}` (six digits,
 * not the services' problem+json). Codes and messages from Platform's troubleshooting guide.
 */
import { HttpError } from './http-error';

export function gatewayError(status: number, errorCode: string, message: string): HttpError {
  return new HttpError(status, { error_code: errorCode, message });
}

export const tokenMissing = () => gatewayError(403, '403010', 'Oauth token is missing.');
export const tokenInvalid = () => gatewayError(401, '401013', 'Oauth token is not valid');
export const apiKeyMissing = () => gatewayError(403, '403000', 'Api Key is required');
export const apiKeyInvalid = () => gatewayError(403, '403003', 'Api Key is invalid');
export const orgMissing = () => gatewayError(400, '400003', 'Missing header');
/** The token's integration is not entitled for the org named by x-gw-ims-org-id. */
export const orgNotEntitled = () => gatewayError(403, '403025', 'Profile is not valid');

export function tooManyRequests(retryAfterSeconds: number): HttpError {
  return new HttpError(
    429,
    { error_code: '429050', message: 'Too many requests' },
    { 'retry-after': String(retryAfterSeconds) },
  );
}

/** Missing or non-JSON Content-Type on a POST/PUT/PATCH with a body (troubleshooting guide). */
export const contentTypeInvalid = () =>
  new HttpError(400, {
    type: '/placeholder/type/uri',
    status: 400,
    title: 'BadRequestError',
    detail: 'A valid content-type must be specified',
  });

/**
 * A gateway timeout in the gateway's shape (`commitThen504` fault). Adobe publishes no 504 body;
 * `504000` follows the six-digit, status-prefixed pattern of the documented codes (UNCONFIRMED).
 */
export const gatewayTimeout = () => gatewayError(504, '504000', 'Gateway Timeout');
