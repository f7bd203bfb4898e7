/**
 * Schema Registry problem bodies (XDM troubleshooting guide). Note the `http://` scheme of the type
 * URI, unlike Flow Service's `https://`.
 */
import { randomUUID } from 'node:crypto';
import { HttpError, titleFor } from './http-error';

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

export function xdmError(code: `${number}-${number}`, detail: string, title?: string): HttpError {
  const status = Number(code.split('-')[1]);
  return new HttpError(status, {
    type: `http://ns.adobe.com/aep/errors/XDM-${code}`,
    title: title ?? (status === 404 ? 'Resource not found' : titleFor(status)),
    status,
    report: {
      registryRequestId: randomUUID(),
      timestamp: timestamp(),
      'detailed-message': detail,
      'sub-errors': [],
    },
    detail,
  });
}

export const schemaNotFound = (id: string) =>
  xdmError('1010-404', `The requested schema resource ${id} with version 1 is not found.`);

/**
 * A missing or invalid Accept header: the code names the endpoint, not the fault (troubleshooting
 * guide, "Accept header invalid": XDM-1006…1009-400 "depending on the endpoint"). Bodies follow
 * schema-registry.yaml's examples `acceptErrorList` (1006, list calls) and `acceptErrorLookup`
 * (1007, lookups, e.g. an Accept without `version`); `{xed|xdm}` as the troubleshooting guide
 * prints it (the spec's YAML escapes the braces as `'{xed|xdm'}`).
 */
function acceptError(code: '1006-400' | '1007-400', accept: string | undefined, valid: string) {
  const supplied =
    accept === undefined || accept.trim() === ''
      ? 'The Accept header is missing'
      : `The supplied Accept header is not valid: ${accept}`;
  return xdmError(
    code,
    `${supplied} - A valid Accept value should look like ${valid}`,
    'Accept header invalid',
  );
}

/** List calls (`GET /{container}/schemas`): `XDM-1006-400`, example `acceptErrorList`. */
export const acceptInvalidList = (accept: string | undefined) =>
  acceptError('1006-400', accept, 'application/vnd.adobe.{xed|xdm}+json');

/** Lookups (`GET /{container}/schemas/{id}`): `XDM-1007-400`, example `acceptErrorLookup`. */
export const acceptInvalidLookup = (accept: string | undefined) =>
  acceptError(
    '1007-400',
    accept,
    'application/vnd.adobe.{xed|xdm}+json; version=1 (Version should be specified)',
  );

export const acceptUnavailable = (accept: string) =>
  new HttpError(406, {
    type: 'http://ns.adobe.com/aep/errors/XDM-1007-406',
    title: 'Not Acceptable',
    status: 406,
    report: {
      'detailed-message': `The requested format ${accept} is not available.`,
      'sub-errors': [],
    },
    detail: `The requested format ${accept} is not available.`,
  });

export const xdmGeneric = (status: number, detail: string) =>
  xdmError(`1000-${status}` as `${number}-${number}`, detail);
