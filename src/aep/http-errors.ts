/**
 * The errors the client raises before `toAepFailure` maps them (errors.ts): a non-2xx answer with
 * its body read, a 2xx the client cannot use, and what Adobe's error bodies say.
 */
import type { ZodError } from 'zod';

/**
 * A non-2xx answer, with its body already read (bodies can only be read asynchronously, the
 * mapping itself is synchronous). Built by `readHttpError`; thrown inside the client only.
 */
export class AepHttpError extends Error {
  override readonly name = 'AepHttpError';
  constructor(
    readonly status: number,
    readonly statusText: string,
    /** Raw `Retry-After` header value, if any. */
    readonly retryAfter: string | null,
    /** Parsed JSON body, or the (truncated) text when the body is not JSON; undefined when empty. */
    readonly body: unknown,
  ) {
    super(`HTTP ${status} ${statusText}`.trim());
  }
}

/** A 2xx whose body is not what the client needs. Non-retryable once mapped. */
export class AepUnexpectedResponseError extends Error {
  override readonly name = 'AepUnexpectedResponseError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY_CHARS = 2_000;

/** Reads a failed response into an `AepHttpError` (never throws; an unreadable body is dropped). */
export async function readHttpError(response: Response): Promise<AepHttpError> {
  let body: unknown;
  try {
    body = bodyOfText(await response.text());
  } catch {
    body = undefined;
  }
  return new AepHttpError(
    response.status,
    response.statusText,
    response.headers.get('retry-after'),
    body,
  );
}

/** A body as the client keeps it: parsed JSON, or else its text cut short; undefined when empty. */
export function bodyOfText(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, MAX_BODY_CHARS);
  }
}

/** Why a body failed its schema: the first three issues, each at its path. */
export function describeIssues(err: ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * Extracts Adobe's error code and human text from the known error body shapes:
 * Flow Service / Schema Registry / DCS problem bodies `{type, title, detail, report, errorMessage}`,
 * the gateway `{error_code, message}`, IMS `{error, error_description}`, and unknown shapes
 * (Catalog, Data Prep) through their common field names.
 */
export function describeBody(body: unknown): { code?: string; text?: string } {
  if (body === undefined || body === null) return {};
  if (typeof body === 'string') return { text: truncate(body, 300) };
  if (typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const report =
    b.report && typeof b.report === 'object' ? (b.report as Record<string, unknown>) : {};

  // Problem type URIs end with the code: .../errors/FLOW-1439-404, .../XDM-1010-404.
  const typeCode = str(b.type)?.match(/([A-Z]+-\d+-\d+)\/?$/)?.[1];
  const code =
    typeCode ??
    str(b.error_code) ??
    (typeof b.error_code === 'number' ? String(b.error_code) : undefined) ??
    str(b.error) ??
    str(b.code) ??
    str(b.errorCode);

  const texts: string[] = [];
  const push = (v: unknown) => {
    const s = str(v);
    if (s && !texts.some((t) => t.includes(s))) texts.push(s);
  };
  push(b.title);
  push(report['detailed-message']);
  push(report.message);
  push(b.errorMessage);
  push(b.detail);
  push(b.message);
  push(b.error_description);
  if (Array.isArray(b.errors)) {
    for (const e of b.errors.slice(0, 3)) {
      if (e && typeof e === 'object') push((e as Record<string, unknown>).message);
      else push(e);
    }
  }
  if (texts.length === 0 && !code) {
    return { text: truncate(JSON.stringify(body), 300) };
  }
  return {
    ...(code ? { code } : {}),
    ...(texts.length ? { text: truncate(texts.join(': '), 500) } : {}),
  };
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
