/**
 * The one place where an AEP/IMS/inlet outcome becomes a Temporal failure.
 *
 * Contract:
 * - Every failure thrown by `src/aep` is an `ApplicationFailure` whose `type` is a `FailureType`
 *   and whose retryability encodes what Temporal should do: 4xx answers are final (retrying the
 *   same request cannot change the answer), 408/429/5xx/no-answer are retryable, and so is a
 *   DELETE refused because a dependent still uses the resource (409, `1418-400`). Temporal owns the
 *   retries (ky runs with `retry: 0`), so the activity retry policy is the single source of
 *   back-off; a server's `Retry-After` is passed on as `nextRetryDelay`.
 * - Activity cancellation is never mapped: the abort reason is rethrown as is so that Temporal
 *   reports the activity as cancelled rather than failed.
 * - Failures are stored in workflow history, so messages and details are built only from the
 *   HTTP status, the response body's error fields and the caller-supplied operation/resource.
 *   Request headers (Authorization), tokens, the client secret and the IMS request body never
 *   reach this module's output.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import { FailureType } from '../shared/names';
import {
  AepHttpError,
  AepUnexpectedResponseError,
  describeBody,
  describeIssues,
} from './http-errors';
import { isErrorLike, networkErrorCode } from './network-errors';

/** JSON-safe details attached to every AEP failure (`failure.details[0]`). */
export interface AepFailureDetails {
  /** HTTP status of the answer; `null` when there was no answer (network error, timeout). */
  status: number | null;
  /** Adobe error code (`FLOW-1439-404`, `401013`, `XDM-1010-404`, `invalid_client`) or errno. */
  code?: string;
  operation: string;
  resource?: string;
}

export interface AepErrorContext {
  /** Stable name of the call, e.g. `flowservice.createConnection`. Appears in messages. */
  operation: string;
  /** The id or name the call was about; must not be secret. */
  resource?: string;
  /**
   * `ims`: the token endpoint, where 400/401/403 all mean "these credentials are refused" and map
   * to `AepUnauthorized`. Defaults to `platform`.
   */
  service?: 'platform' | 'ims' | 'inlet';
  /** Clock for HTTP-date `Retry-After` values (tests). */
  now?: () => number;
  /**
   * The request's method. A DELETE refused because a dependent still uses the resource (`409`,
   * or Flow Service `1418-400`, "delete its dataflows first") is retryable: the dependent may be
   * on its way out (its own delete not yet visible), so Temporal retries it on the delete policy's
   * bounded backoff before compensation or teardown reports it as left behind.
   */
  method?: string;
}

/**
 * Maps any error raised while talking to AEP to an `ApplicationFailure`.
 *
 * Throws (rather than returns) the original error when it is an activity cancellation, so
 * `throw toAepFailure(err, ctx)` is always the right call site. An `ApplicationFailure` passes
 * through unchanged, which makes the mapping safe to apply twice.
 */
export function toAepFailure(err: unknown, context: AepErrorContext): ApplicationFailure {
  if (isCancellation(err)) throw err;
  if (err instanceof ApplicationFailure) return err;

  if (err instanceof AepHttpError) return fromHttpStatus(err, context);

  // ky's HTTPError (only if a caller lets ky throw): status and headers, body not yet read.
  const httpLike = asHttpErrorLike(err);
  if (httpLike) return fromHttpStatus(httpLike, context);

  if (err instanceof AepUnexpectedResponseError || err instanceof ZodError) {
    const status = err instanceof AepUnexpectedResponseError ? err.status : null;
    const why = err instanceof ZodError ? describeIssues(err) : err.message;
    return failure({
      type: FailureType.AepUnexpectedResponse,
      nonRetryable: true,
      message: `${context.operation}: unexpected response${status ? ` (HTTP ${status})` : ''}: ${why}`,
      details: { status, operation: context.operation, resource: context.resource },
    });
  }

  const network = networkErrorCode(err);
  if (network) {
    return failure({
      type: FailureType.AepNetworkError,
      nonRetryable: false,
      message: `${context.operation}: no answer from AEP (${network.code}): ${network.message}`,
      details: {
        status: null,
        code: network.code,
        operation: context.operation,
        resource: context.resource,
      },
    });
  }

  // Anything else is a defect in this process (a bug, not an AEP answer). It stays retryable,
  // exactly as Temporal would treat an unmapped error, so a fixed deployment can resume the run.
  const e = isErrorLike(err) ? err : new Error(String(err));
  return ApplicationFailure.create({
    type: e.name || 'Error',
    nonRetryable: false,
    message: `${context.operation}: ${scrub(e.message)}`,
    details: [compact({ status: null, operation: context.operation, resource: context.resource })],
  });
}

/** The details object of a failure produced by `toAepFailure`, if any. */
export function aepFailureDetails(f: ApplicationFailure): AepFailureDetails | undefined {
  const d: unknown = f.details?.[0];
  if (d && typeof d === 'object' && 'operation' in d && 'status' in d) {
    return d as AepFailureDetails;
  }
  return undefined;
}

/** True for the abort raised when the activity (or any caller-supplied signal) is cancelled. */
export function isCancellation(err: unknown): boolean {
  if (err instanceof CancelledFailure) return true;
  return isErrorLike(err) && err.name === 'AbortError';
}

/**
 * Parses `Retry-After` (delta-seconds or HTTP-date) into milliseconds. Returns undefined when
 * absent, unparseable or not in the future, so the retry policy's own back-off applies.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: () => number = Date.now,
): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return seconds > 0 ? seconds * 1000 : undefined;
  }
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  const ms = at - now();
  return ms > 0 ? Math.ceil(ms / 1000) * 1000 : undefined;
}

// ---------------------------------------------------------------------------------------------

interface HttpErrorLike {
  status: number;
  statusText: string;
  retryAfter: string | null;
  body: unknown;
}

function asHttpErrorLike(err: unknown): HttpErrorLike | undefined {
  if (!isErrorLike(err) || err.name !== 'HTTPError') return undefined;
  const response = (err as { response?: unknown }).response;
  if (!(response instanceof Response)) return undefined;
  return {
    status: response.status,
    statusText: response.statusText,
    retryAfter: response.headers.get('retry-after'),
    body: undefined,
  };
}

function statusType(status: number, service: AepErrorContext['service']): FailureType {
  if (service === 'ims' && status >= 400 && status < 500 && status !== 429) {
    // IMS answers 400 invalid_client / 401 for refused credentials: nothing to retry.
    return FailureType.AepUnauthorized;
  }
  switch (status) {
    case 400:
      return FailureType.AepBadRequest;
    case 401:
      return FailureType.AepUnauthorized;
    case 403:
      return FailureType.AepForbidden;
    case 404:
      return FailureType.AepNotFound;
    case 409:
    case 412:
      return FailureType.AepConflict;
    case 429:
      return FailureType.AepRateLimited;
  }
  if (status >= 500) return FailureType.AepServerError;
  if (status >= 400) return FailureType.AepClientError;
  // A 1xx/3xx reaching the mapper is an answer we cannot use.
  return FailureType.AepUnexpectedResponse;
}

function fromHttpStatus(err: HttpErrorLike, context: AepErrorContext): ApplicationFailure {
  const type = statusType(err.status, context.service);
  const adobe = describeBody(err.body);
  // 408: the server gave up waiting for the request; sending it again is the documented answer.
  const retryable =
    err.status === 408 ||
    err.status === 429 ||
    err.status >= 500 ||
    (context.method?.toLowerCase() === 'delete' && isStillInUse(err.status, adobe.code));
  const nextRetryDelay = retryable ? parseRetryAfter(err.retryAfter, context.now) : undefined;
  const what = context.resource ? `${context.operation} (${context.resource})` : context.operation;
  const parts = [`${what} failed: HTTP ${err.status}${err.statusText ? ` ${err.statusText}` : ''}`];
  if (adobe.code) parts.push(`[${adobe.code}]`);
  if (adobe.text) parts.push(adobe.text);
  return failure({
    type,
    nonRetryable: !retryable,
    message: parts.join(' '),
    nextRetryDelay,
    details: {
      status: err.status,
      code: adobe.code,
      operation: context.operation,
      resource: context.resource,
    },
  });
}

/** A delete refused because something still uses the resource. */
function isStillInUse(status: number, code: string | undefined): boolean {
  return status === 409 || (status === 400 && /(^|-)1418-400$/.test(code ?? ''));
}

function failure(args: {
  type: FailureType;
  nonRetryable: boolean;
  message: string;
  nextRetryDelay?: number | undefined;
  details: {
    status: number | null;
    code?: string | undefined;
    operation: string;
    resource?: string | undefined;
  };
}): ApplicationFailure {
  return ApplicationFailure.create({
    type: args.type,
    nonRetryable: args.nonRetryable,
    message: scrub(args.message),
    ...(args.nextRetryDelay !== undefined ? { nextRetryDelay: args.nextRetryDelay } : {}),
    details: [compact(args.details)],
  });
}

function compact(d: {
  status: number | null;
  code?: string | undefined;
  operation: string;
  resource?: string | undefined;
}): AepFailureDetails {
  const out: AepFailureDetails = { status: d.status, operation: d.operation };
  if (d.code !== undefined) out.code = d.code;
  if (d.resource !== undefined) out.resource = d.resource;
  return out;
}

/** Defence in depth: a bearer token echoed by some server never reaches history. */
function scrub(message: string): string {
  return message
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]')
    .replace(/(client_secret|access_token)=[^&\s]*/gi, '$1=[redacted]');
}
