/**
 * Flow Service problem bodies: `type = https://ns.adobe.com/aep/errors/FLOW-<code>-<status>`,
 * `report` with `detailed-message` and `request-id`, and the same text in `errorMessage` and
 * `errorDetails` (labels tutorial). Codes come from Flow Service's and the sources' error catalogs.
 */
import { requestId } from '../ids';
import { HttpError, titleFor } from './http-error';

export type FlowCode = `${number}-${number}`;

const TITLES: Partial<Record<FlowCode, string>> = {
  '1000-400': 'Bad request',
  '1101-404': 'Resource not found',
  '1102-500': 'Internal Error',
  '1103-503': 'Service Unavailable',
  '1104-504': 'Gateway Timeout',
  '1403-400': 'Header is missing',
  '1404-412': 'Version not matching',
  '1439-404': 'Resource not found',
  '2100-404': 'Sandbox not found',
  '2105-400': 'Header is missing',
};

export function flowError(
  code: FlowCode,
  detail: string,
  report: Record<string, unknown> = {},
): HttpError {
  const status = Number(code.split('-')[1]);
  const title = TITLES[code] ?? (status === 400 ? 'Invalid request' : titleFor(status));
  return new HttpError(status, {
    type: `https://ns.adobe.com/aep/errors/FLOW-${code}`,
    title,
    status,
    report: { 'detailed-message': detail, 'request-id': requestId(), ...report },
    errorMessage: detail,
    errorDetails: detail,
  });
}

/** Plural resource names as Flow Service prints them in reports. */
export const FLOW_TYPE_NAMES = {
  connection: 'connections',
  sourceConnection: 'sourceConnections',
  targetConnection: 'targetConnections',
  flow: 'flows',
} as const;

/**
 * 404 for a Flow Service resource. Flows use `1439-404` as in Adobe's example body (the catalog
 * table says `-400`: CONFLICT, resolved toward the status actually sent); other kinds `1101-404`.
 */
export function flowNotFound(kind: keyof typeof FLOW_TYPE_NAMES, id: string): HttpError {
  const type = FLOW_TYPE_NAMES[kind];
  const code: FlowCode = kind === 'flow' ? '1439-404' : '1101-404';
  return flowError(
    code,
    `The requested ${type} resource ${id} is not found. Verify the resource ID before trying again.`,
    { id, type },
  );
}

export const sandboxNotFound = (name: string) =>
  flowError(
    '2100-404',
    `The sandbox with the name '${name}' could not be found. Please ensure that the sandbox name is correct and try again.`,
  );

export const sandboxHeaderMissing = () =>
  flowError(
    '2105-400',
    'The header x-sandbox-name is missing in the request. Please add the header in the request and try again.',
  );

/** Default body for a status injected by a fault rule or raised by the HTTP layer. */
export function flowGeneric(status: number, detail: string): HttpError {
  const codes: Record<number, FlowCode> = {
    400: '1000-400',
    404: '1003-404',
    415: '1004-415',
    500: '1102-500',
    503: '1103-503',
    504: '1104-504',
  };
  return flowError(codes[status] ?? (`1000-${status}` as FlowCode), detail);
}
