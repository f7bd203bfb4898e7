/**
 * The default error body of each API family, used when the HTTP layer itself fails a request
 * (unparsable JSON, unknown route, body too large) or a fault rule injects a bare status.
 */
import { catalogError } from './catalog';
import { dataPrepError } from './dataprep';
import { dcsGeneric } from './dcs';
import { flowGeneric } from './flow';
import { tooManyRequests } from './gateway';
import { type Family, HttpError } from './http-error';
import { imsGeneric } from './ims';
import { xdmGeneric } from './xdm';

export function familyError(family: Family, status: number, detail: string): HttpError {
  if (status === 429 && family !== 'dcs' && family !== 'ims') return tooManyRequests(1);
  switch (family) {
    case 'flow':
      return flowGeneric(status, detail);
    case 'catalog':
      return catalogError(status, 1000, detail);
    case 'schema':
      return xdmGeneric(status, detail);
    case 'dataprep':
      return dataPrepError(status, detail);
    case 'dcs':
      return dcsGeneric(status, detail);
    case 'ims':
      return imsGeneric(status, detail);
    default:
      return new HttpError(status, { error: detail, status });
  }
}

export { HttpError } from './http-error';
