/**
 * Data Collection Core Service (streaming inlet) bodies. The authorization problem carries
 * `status` as a STRING ("401"), the validation problem as a number: both exactly as documented.
 */
import { type Violation } from '../xdm-validate';
import { HttpError, titleFor } from './http-error';

const INLET_TYPE = 'http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet';
const AUTH_TYPE = 'https://ns.adobe.com/adobecloud/problem/data-collection-service-authorization';

export const inletPrefix = (inletId: string, orgId: string) =>
  `inletId: [${inletId}] imsOrgId: [${orgId}]`;

/** No Authorization header on an authenticated inlet. */
export const inletTokenMissing = (inletId: string) =>
  new HttpError(401, {
    type: AUTH_TYPE,
    status: '401',
    title: 'Authorization',
    report: { message: `[${inletId}] Ims service token is empty` },
  });

/** Invalid or expired token on an authenticated inlet (status configurable: 403 per batch doc). */
export const inletTokenInvalid = (inletId: string, status: 401 | 403) =>
  new HttpError(status, {
    type: AUTH_TYPE,
    status: String(status),
    title: 'Authorization',
    report: { message: `[${inletId}] Ims service token is invalid or expired` },
  });

export function dcsError(status: number, title: string, message: string): HttpError {
  return new HttpError(status, { type: INLET_TYPE, status, title, report: { message } });
}

export const inletNotFound = (inletId: string) =>
  dcsError(404, 'Not Found', `inletId: [${inletId}] Inlet not found`);

export const payloadTooLarge = (limit: number) =>
  dcsError(413, 'Payload Too Large', `Request payload exceeds the limit of ${limit} bytes`);

/** A message refused before schema validation (unknown format, wrong org, bad flow id). */
export const invalidMessage = (prefix: string, reason: string) =>
  dcsError(400, 'Invalid Message', `${prefix} ${reason}`);

export function syncValidationFailed(prefix: string, violations: Violation[]): HttpError {
  return new HttpError(400, {
    type: INLET_TYPE,
    status: 400,
    title: 'Invalid XDM Message Format',
    report: {
      message: `${prefix} Message is invalid`,
      cause: {
        _streamingValidation: [
          {
            schemaLocation: '#',
            pointerToViolation: '#',
            causingExceptions: violations,
            message: `${violations.length} schema violations found`,
          },
        ],
      },
    },
  });
}

export const dcsGeneric = (status: number, message: string) =>
  dcsError(status, titleFor(status), message);
