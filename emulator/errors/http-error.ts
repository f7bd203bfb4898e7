/**
 * An error answer with its exact body. Route handlers and hooks throw these; the server's error
 * handler sends them unchanged, so every family's body shape is decided in one place (its module).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
    this.name = 'HttpError';
  }
}

/** The API family a path belongs to; it decides which error shape a failure uses. */
export type Family =
  | 'ims'
  | 'flow'
  | 'catalog'
  | 'schema'
  | 'dataprep'
  | 'dcs'
  | 'control'
  /** Another `/data/foundation/…` service: behind the gateway, but not emulated. */
  | 'other'
  /** Not an Adobe path at all: plain 404. */
  | 'none';

export const FLOW_BASE = '/data/foundation/flowservice';
export const CATALOG_BASE = '/data/foundation/catalog';
export const SCHEMA_BASE = '/data/foundation/schemaregistry';
export const DATAPREP_BASE = '/data/foundation/conversion';
/** The HTTP API tutorial's mapping-set path, kept as an alias of Data Prep. */
export const DATAPREP_ALIAS_BASE = '/data/foundation';
export const DCS_BASE = '/collection';
export const IMS_TOKEN_PATH = '/ims/token/v3';
export const CONTROL_BASE = '/__emulator';

export function familyOf(path: string): Family {
  if (path.startsWith('/data/foundation/')) {
    if (path.startsWith(FLOW_BASE)) return 'flow';
    if (path.startsWith(CATALOG_BASE)) return 'catalog';
    if (path.startsWith(SCHEMA_BASE)) return 'schema';
    if (path.startsWith(DATAPREP_BASE) || path.startsWith('/data/foundation/mappingSets')) {
      return 'dataprep';
    }
    return 'other';
  }
  if (path.startsWith(DCS_BASE + '/')) return 'dcs';
  if (path.startsWith('/ims/')) return 'ims';
  if (path.startsWith(CONTROL_BASE)) return 'control';
  return 'none';
}

/** Platform families sit behind the Adobe I/O gateway (headers checked, gateway error bodies). */
export const isPlatform = (f: Family): boolean =>
  f === 'flow' || f === 'catalog' || f === 'schema' || f === 'dataprep' || f === 'other';

export const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Resource not found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export const titleFor = (status: number): string => STATUS_TITLES[status] ?? `HTTP ${status}`;
