/**
 * Catalog Service errors. Adobe does not publish Catalog's error body (UNCONFIRMED in the
 * reference), so the emulator uses the problem shape the other Platform services use, with a
 * `CAT-<code>-<status>` type URI of its own making. Clients should branch on the HTTP status only.
 */
import { requestId } from '../ids';
import { HttpError, titleFor } from './http-error';

export function catalogError(status: number, code: number, detail: string): HttpError {
  return new HttpError(status, {
    type: `http://ns.adobe.com/aep/errors/CAT-${code}-${status}`,
    title: titleFor(status),
    status,
    report: { 'detailed-message': detail, 'request-id': requestId() },
    detail,
  });
}

export const datasetNotFound = (id: string) =>
  catalogError(404, 1404, `Dataset ${id} was not found.`);

export const catalogBadRequest = (detail: string) => catalogError(400, 1400, detail);
