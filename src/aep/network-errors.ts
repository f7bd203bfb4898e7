/** Errors that are not an HTTP answer: duck-typed errors, and "no answer" (network) errors. */
import { TimeoutError } from 'ky';

export interface ErrorLike {
  name: string;
  message: string;
  code?: unknown;
  cause?: unknown;
}

/**
 * Duck-typed: errors raised by Node's fetch (undici) or DOMException may come from another realm
 * (jest's vm context, worker threads), where `instanceof Error` is false.
 */
export function isErrorLike(e: unknown): e is ErrorLike {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { name?: unknown }).name === 'string' &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

export interface NetworkInfo {
  code: string;
  message: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Recognises "no HTTP answer" errors: ky timeouts, undici `fetch failed` and socket errnos. */
export function networkErrorCode(err: unknown): NetworkInfo | undefined {
  if (err instanceof TimeoutError || (isErrorLike(err) && err.name === 'TimeoutError')) {
    return { code: 'TIMEOUT', message: 'request timed out' };
  }
  // Walk the cause chain: undici wraps socket errors as TypeError('fetch failed', { cause }).
  let e: unknown = err;
  let fetchFailed = false;
  for (let depth = 0; depth < 5 && isErrorLike(e); depth++) {
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
      return { code: e.code, message: e.message };
    }
    if (/socket hang up|other side closed/i.test(e.message)) {
      return { code: 'ECONNRESET', message: e.message };
    }
    if (e.name === 'TypeError' && (e.message === 'fetch failed' || e.message === 'terminated')) {
      fetchFailed = true;
    }
    e = e.cause;
  }
  if (fetchFailed && isErrorLike(err)) {
    const cause = isErrorLike(err.cause) ? err.cause.message : '';
    return { code: 'FETCH_FAILED', message: cause || err.message };
  }
  return undefined;
}
