/**
 * The one place where an AEP/IMS/inlet outcome becomes a Temporal failure (`toAepFailure`).
 *
 * Contract:
 * - Every failure thrown by `src/aep` is an `ApplicationFailure` typed by a `FailureType`: 4xx
 *   answers are final, 408/429/5xx/no-answer are retryable, and so is a DELETE refused because a
 *   dependent still uses the resource (409, `1418-400`). Temporal owns the retries (ky runs with
 *   `retry: 0`); a server's `Retry-After` is passed on as `nextRetryDelay`.
 * - Activity cancellation is rethrown unmapped, so Temporal reports the activity as cancelled.
 * - Failures are stored in workflow history: messages and details are built only from the HTTP
 *   status, the body's error fields and the caller's operation/resource, never from request
 *   headers, tokens or the client secret.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import { FailureType } from '../shared/names';

/** JSON-safe details attached to every AEP failure (`failure.details[0]`). */
export interface AepFailureDetails {
  /** HTTP status of the answer; `null` when there was no answer (network error, timeout). */
  status: number | null;
  /** Adobe error code (`FLOW-1439-404`, `401013`, `XDM-1010-404`, `invalid_client`) or errno. */
  code?: string;
  operation: string;
  resource?: string;
}

/** `operation`: the call's stable name (`flowservice.createConnection`); `resource`: not secret. */
export interface AepErrorContext extends Pick<AepFailureDetails, 'operation' | 'resource'> {
  /** `ims`: the token endpoint, where every 4xx but 429 means "credentials refused". */
  service?: 'ims' | 'inlet';
  /** A DELETE refused as still in use is retryable. */
  method?: string;
}

/** A non-2xx answer, its body already read (the mapping is synchronous). Client-internal. */
export class AepHttpError extends Error {
  override readonly name = 'AepHttpError';
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly retryAfter: string | null,
    readonly body: unknown,
  ) {
    super(`HTTP ${status} ${statusText}`.trim());
  }
}

/** Reads a failed response into an `AepHttpError` (never throws; an unreadable body is dropped). */
export async function readHttpError(response: Response): Promise<AepHttpError> {
  const body = await response.text().then(bodyOfText, () => undefined);
  const retryAfter = response.headers.get('retry-after');
  return new AepHttpError(response.status, response.statusText, retryAfter, body);
}

/** A body as the client keeps it: parsed JSON, or else its text cut short; undefined when empty. */
export function bodyOfText(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 2_000);
  }
}

/** Flow Service's refusal of a filter value (`1453-400`, e.g. an unquoted value with a space). */
export function isInvalidQueryValue(err: unknown): boolean {
  if (!(err instanceof ApplicationFailure) || err.type !== FailureType.AepBadRequest) return false;
  const code = (err.details?.[0] as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /(^|-)1453-400$/.test(code);
}

/** Throws a cancellation as is (so `throw toAepFailure(err, ctx)` is always right). */
export function toAepFailure(err: unknown, context: AepErrorContext): ApplicationFailure {
  if (err instanceof CancelledFailure || (isErrorLike(err) && err.name === 'AbortError')) throw err;
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof AepHttpError) return fromHttpStatus(err, context);
  if (err instanceof ZodError) return unexpectedResponse(null, describeIssues(err), context);
  const network = networkError(err);
  if (network) {
    const message = `${context.operation}: no answer from AEP (${network.code}): ${network.message}`;
    return failure(FailureType.AepNetworkError, true, message, context, null, network.code);
  }
  // A bug here: retryable, as Temporal treats unmapped errors, so a fixed deployment can resume.
  const e = isErrorLike(err) ? err : new Error(String(err));
  return failure(e.name || 'Error', true, `${context.operation}: ${e.message}`, context, null);
}

/** A 2xx whose body is not what the client needs: non-retryable, the field will not appear. */
export function unexpectedResponse(
  status: number | null,
  why: string,
  context: AepErrorContext,
): ApplicationFailure {
  const message = `${context.operation}: unexpected response${status ? ` (HTTP ${status})` : ''}: ${why}`;
  return failure(FailureType.AepUnexpectedResponse, false, message, context, status);
}

export function describeIssues(err: ZodError): string {
  const issues = err.issues.slice(0, 3);
  return issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** The details object of a failure produced by `toAepFailure`, if any. */
export function aepFailureDetails(f: ApplicationFailure): AepFailureDetails | undefined {
  const d: unknown = f.details?.[0];
  const ours = d && typeof d === 'object' && 'operation' in d && 'status' in d;
  return ours ? (d as AepFailureDetails) : undefined;
}

/** `Retry-After` (seconds or HTTP-date) in ms; undefined unless in the future. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: () => number = Date.now,
): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) > 0 ? Number(v) * 1000 : undefined;
  const ms = Date.parse(v) - now();
  return ms > 0 ? Math.ceil(ms / 1000) * 1000 : undefined;
}

/** By status, then by class (4xx, 5xx and above); anything else is an answer we cannot use. */
const STATUS_TYPES: Record<number, FailureType> = {
  400: FailureType.AepBadRequest,
  401: FailureType.AepUnauthorized,
  403: FailureType.AepForbidden,
  404: FailureType.AepNotFound,
  409: FailureType.AepConflict,
  412: FailureType.AepConflict,
  429: FailureType.AepRateLimited,
  4: FailureType.AepClientError,
  5: FailureType.AepServerError,
};

function fromHttpStatus(err: AepHttpError, context: AepErrorContext): ApplicationFailure {
  const { status, statusText } = err;
  const adobe = describeBody(err.body);
  // 408: the server gave up waiting. A DELETE refused because a dependent still uses the resource
  // (409, 1418-400): the dependent may be on its way out; the delete policy's backoff waits.
  const inUse = status === 409 || (status === 400 && /(^|-)1418-400$/.test(adobe.code ?? ''));
  const isDelete = context.method?.toLowerCase() === 'delete';
  const retryable = [408, 429].includes(status) || status >= 500 || (isDelete && inUse);
  // IMS answers 400 invalid_client / 401 for refused credentials: nothing to retry.
  const imsRefused = context.service === 'ims' && status >= 400 && status < 500 && status !== 429;
  const s = imsRefused ? 401 : status;
  const type =
    STATUS_TYPES[s] ??
    STATUS_TYPES[Math.min(Math.trunc(s / 100), 5)] ??
    FailureType.AepUnexpectedResponse;
  const what = context.resource ? `${context.operation} (${context.resource})` : context.operation;
  const message = [
    `${what} failed: HTTP ${status}${statusText ? ` ${statusText}` : ''}`,
    adobe.code && `[${adobe.code}]`,
    adobe.text,
  ];
  const text = message.filter(Boolean).join(' ');
  const delay = retryable ? parseRetryAfter(err.retryAfter) : undefined;
  return failure(type, retryable, text, context, status, adobe.code, delay);
}

function failure(
  type: string,
  retryable: boolean,
  message: string,
  { operation, resource }: AepErrorContext,
  status: number | null,
  code?: string,
  nextRetryDelay?: number,
): ApplicationFailure {
  // Defence in depth: a bearer token echoed by some server never reaches history.
  message = message
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]')
    .replace(/(client_secret|access_token)=[^&\s]*/gi, '$1=[redacted]');
  const details: AepFailureDetails = { status, operation, code, resource };
  return ApplicationFailure.create({
    type,
    nonRetryable: !retryable,
    message,
    nextRetryDelay,
    details: [details],
  });
}

/** Adobe's error code and text, from any of its error body shapes. */
function describeBody(body: unknown): { code?: string | undefined; text?: string | undefined } {
  if (typeof body === 'string') return { text: truncate(body, 300) };
  if (!body || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const report = (b.report ?? {}) as Record<string, unknown>;
  // Problem type URIs end with the code: .../errors/FLOW-1439-404, .../XDM-1010-404.
  const code =
    str(b.type)?.match(/([A-Z]+-\d+-\d+)\/?$/)?.[1] ??
    str(typeof b.error_code === 'number' ? String(b.error_code) : b.error_code) ??
    str(b.error) ??
    str(b.code) ??
    str(b.errorCode);
  const errors: unknown[] = Array.isArray(b.errors) ? b.errors.slice(0, 3) : [];
  const texts: string[] = [];
  for (const v of [
    b.title,
    report['detailed-message'],
    report.message,
    b.errorMessage,
    b.detail,
    b.message,
    b.error_description,
    ...errors.map((e) => (e && typeof e === 'object' ? (e as { message?: unknown }).message : e)),
  ]) {
    const s = str(v);
    if (s && !texts.some((t) => t.includes(s))) texts.push(s);
  }
  if (texts.length === 0 && !code) return { text: truncate(JSON.stringify(body), 300) };
  return { code, text: texts.length ? truncate(texts.join(': '), 500) : undefined };
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Duck-typed: undici's errors and DOMException may come from another realm (jest's vm). */
function isErrorLike(
  e: unknown,
): e is { name: string; message: string; code?: unknown; cause?: unknown } {
  const o = e as { name?: unknown; message?: unknown } | null;
  return typeof o === 'object' && typeof o?.name === 'string' && typeof o.message === 'string';
}

/** Socket errnos and undici codes that mean "no HTTP answer". */
const NETWORK_CODE =
  /^(ECONN(REFUSED|RESET|ABORTED)|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ENETDOWN|UND_ERR_(SOCKET|CONNECT_TIMEOUT|HEADERS_TIMEOUT|BODY_TIMEOUT|CLOSED))$/;

function networkError(err: unknown): { code: string; message: string } | undefined {
  if (isErrorLike(err) && err.name === 'TimeoutError') {
    return { code: 'TIMEOUT', message: 'request timed out' };
  }
  // Walk the cause chain: undici wraps socket errors as TypeError('fetch failed', { cause }).
  let fetchFailed = false;
  for (let e = err, depth = 0; depth < 5 && isErrorLike(e); depth++, e = e.cause) {
    if (typeof e.code === 'string' && NETWORK_CODE.test(e.code)) {
      return { code: e.code, message: e.message };
    }
    if (/socket hang up|other side closed/i.test(e.message)) {
      return { code: 'ECONNRESET', message: e.message };
    }
    fetchFailed ||=
      e.name === 'TypeError' && (e.message === 'fetch failed' || e.message === 'terminated');
  }
  if (!fetchFailed || !isErrorLike(err)) return undefined;
  const cause = isErrorLike(err.cause) ? err.cause.message : '';
  return { code: 'FETCH_FAILED', message: cause || err.message };
}
