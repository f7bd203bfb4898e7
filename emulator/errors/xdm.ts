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

export function xdmError(code: `${number}-${number}`, detail: string): HttpError {
  const status = Number(code.split('-')[1]);
  return new HttpError(status, {
    type: `http://ns.adobe.com/aep/errors/XDM-${code}`,
    title: status === 404 ? 'Resource not found' : titleFor(status),
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

export const acceptInvalid = (accept: string | undefined) =>
  xdmError(
    '1006-400',
    accept
      ? `The Accept header ${accept} is invalid: a versioned application/vnd.adobe.xed(-…)+json media type is required.`
      : 'The Accept header is missing: a versioned application/vnd.adobe.xed(-…)+json media type is required.',
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
