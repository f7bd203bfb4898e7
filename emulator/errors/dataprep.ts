/**
 * Data Prep (mapping sets) errors. The spec lists `400 An invalid mapping set was requested` but no
 * body (UNCONFIRMED); the emulator answers a problem body with the offending mappings listed in
 * `report.errors`, under a `MAP-<code>-<status>` type URI of its own making.
 */
import { requestId } from '../ids';
import { HttpError, titleFor } from './http-error';

export function dataPrepError(status: number, detail: string, errors: unknown[] = []): HttpError {
  return new HttpError(status, {
    type: `https://ns.adobe.com/aep/errors/MAP-${status === 400 ? 1000 : 1001}-${status}`,
    title: status === 400 ? 'An invalid mapping set was requested' : titleFor(status),
    status,
    detail,
    report: { 'detailed-message': detail, 'request-id': requestId(), errors },
  });
}

export const mappingSetNotFound = (id: string) =>
  dataPrepError(404, `Mapping set ${id} was not found.`);
