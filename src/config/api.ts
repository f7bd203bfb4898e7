import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { entriesFile, flag, ipAddress, parsedBy, positiveInt, wholeNumber } from './fields';

/** The HTTP API's settings (src/api, `npm run api`): where it listens, its keys, its limits. */

export interface ApiKeyEntry {
  id: string;
  /** sha256 of the key, hex (the key itself is never stored). */
  sha256: string;
  /** Sandboxes the key may touch; `*` = all; none for a codec key (API_CODEC_KEYS). */
  sandboxes: string[] | '*';
  /** Scope `read`: reads and plans only; absent, scope `write` (which implies read). */
  readOnly?: true;
  /** Refused from this instant on; never when absent. */
  expires?: Date;
}

export const apiFields = {
  API_HOST: ipAddress('API_HOST').default('127.0.0.1'),
  API_PORT: wholeNumber('API_PORT')
    .min(0, 'API_PORT must be between 0 and 65535')
    .max(65535, 'API_PORT must be between 0 and 65535')
    .default(8088),
  API_KEYS: parsedBy(parseApiKeys, 'entries').default([]),
  API_KEYS_FILE: entriesFile(readKeyFile),
  API_ALLOW_ANONYMOUS: flag('API_ALLOW_ANONYMOUS').default(false),
  API_BODY_LIMIT_BYTES: positiveInt('API_BODY_LIMIT_BYTES').default(262_144),
  API_RATE_LIMIT_PER_MINUTE: positiveInt('API_RATE_LIMIT_PER_MINUTE').default(600),
  API_RATE_LIMIT_CHANGES_PER_MINUTE: positiveInt('API_RATE_LIMIT_CHANGES_PER_MINUTE').default(60),
  API_RATE_LIMIT_PLANS_PER_MINUTE: positiveInt('API_RATE_LIMIT_PLANS_PER_MINUTE').default(30),
  API_RATE_LIMIT_CODEC_PER_MINUTE: positiveInt('API_RATE_LIMIT_CODEC_PER_MINUTE').default(600),
  API_MAX_OPEN_OPERATIONS_PER_KEY: positiveInt('API_MAX_OPEN_OPERATIONS_PER_KEY').default(20),
  API_MAX_WAIT_SECONDS: positiveInt('API_MAX_WAIT_SECONDS').default(60),
  API_HEADERS_TIMEOUT_SECONDS: positiveInt('API_HEADERS_TIMEOUT_SECONDS').default(10),
  API_REQUEST_TIMEOUT_SECONDS: positiveInt('API_REQUEST_TIMEOUT_SECONDS').default(30),
  API_IDLE_TIMEOUT_SECONDS: positiveInt('API_IDLE_TIMEOUT_SECONDS').default(90),
  API_KEEP_ALIVE_TIMEOUT_SECONDS: positiveInt('API_KEEP_ALIVE_TIMEOUT_SECONDS').default(5),
  API_MAX_CONNECTIONS: positiveInt('API_MAX_CONNECTIONS').default(1000),
};

/** The Temporal UI on loopback: the compose stack's (8080) and the dev server's (8233). */
const DEFAULT_CODEC_ORIGINS =
  'http://127.0.0.1:8080,http://localhost:8080,http://127.0.0.1:8233,http://localhost:8233';

export const codecEndpointFields = {
  API_CODEC_ORIGINS: z
    .string()
    .transform((raw) => splitList(raw, ','))
    .pipe(
      z.array(
        z.string().refine(isOrigin, {
          error: (i) =>
            `${String(i.input).slice(0, 100)} is not an origin (http(s)://host[:port], no path)`,
        }),
      ),
    )
    .prefault(DEFAULT_CODEC_ORIGINS),
  API_CODEC_KEYS: parsedBy(parseCodecKeys, 'entries').default([]),
  API_CODEC_ANONYMOUS: flag('API_CODEC_ANONYMOUS').default(false),
};

const KEY = '([A-Za-z0-9_.-]{1,64}):([0-9a-f]{64})';
const SCOPE = '(\\*|[a-z0-9][a-z0-9-]{0,63}(?:\\|[a-z0-9][a-z0-9-]{0,63})*)';
/** Options after the sandboxes: `read` or `write`, `expires=<ISO 8601 date or instant>`. */
const OPTIONS =
  '(?::((?:read|write|expires=[0-9T:.+Z-]{10,35})(?:,(?:read|write|expires=[0-9T:.+Z-]{10,35}))*))?';

/** Parses API_KEYS; a problem never repeats the hash. */
export function parseApiKeys(raw: string, variable = 'API_KEYS', separator = ';') {
  const shape =
    'id:sha256hex:sandbox|sandbox or id:sha256hex:*, then :read and/or expires=<ISO 8601>';
  return parseKeys(raw, variable, new RegExp(`^${KEY}:${SCOPE}${OPTIONS}$`), shape, separator);
}

/** The entries of API_KEYS_FILE: one a line, blank lines and `#` comments skipped. */
export function readKeyFile(path: string): { entries: ApiKeyEntry[]; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return {
      entries: [],
      problems: [`API_KEYS_FILE: cannot read ${path}: ${(err as Error).message}`],
    };
  }
  const lines = text.split('\n').filter((l) => !/^\s*(#|$)/.test(l));
  return parseApiKeys(lines.join('\n'), `API_KEYS_FILE (${path})`, '\n');
}

/** Parses API_CODEC_KEYS: keys of no sandbox, for `/codec` only. */
export function parseCodecKeys(raw: string) {
  return parseKeys(raw, 'API_CODEC_KEYS', new RegExp(`^${KEY}$`), 'id:sha256hex');
}

function parseKeys(
  raw: string,
  variable: string,
  entry: RegExp,
  shape: string,
  separator = ';',
): { entries: ApiKeyEntry[]; problems: string[] } {
  const entries: ApiKeyEntry[] = [];
  const problems: string[] = [];
  splitList(raw, separator).forEach((part, i) => {
    const m = entry.exec(part);
    if (!m) {
      const id = part.split(':')[0]?.slice(0, 64) ?? '';
      problems.push(`${variable}: entry ${i + 1} (${id}) must be ${shape}`);
      return;
    }
    const [, id, sha256, scope, options] = m as unknown as [
      string,
      string,
      string,
      string?,
      string?,
    ];
    if (entries.some((e) => e.id === id)) problems.push(`${variable}: id ${id} appears twice`);
    const sandboxes = scope === undefined ? [] : scope === '*' ? '*' : scope.split('|');
    const opts = options?.split(',') ?? [];
    const until = opts.find((o) => o.startsWith('expires='))?.slice('expires='.length);
    const expires = until === undefined ? undefined : new Date(until);
    if (expires && Number.isNaN(expires.getTime())) {
      problems.push(
        `${variable}: entry ${i + 1} (${id}): expires=${until} is not an ISO 8601 date`,
      );
    }
    const readOnly = opts.includes('read') && !opts.includes('write');
    entries.push({
      id,
      sha256,
      sandboxes,
      ...(readOnly ? { readOnly: true as const } : {}),
      ...(expires ? { expires } : {}),
    });
  });
  return { entries, problems };
}

function splitList(raw: string, separator: string): string[] {
  return raw
    .split(separator)
    .map((p) => p.trim())
    .filter(Boolean);
}

function isOrigin(o: string): boolean {
  try {
    const u = new URL(o);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
  } catch {
    return false;
  }
}

/**
 * Who may call, and how long the server waits: keys are needed unless anonymous access is
 * allowed, and anonymous access (to the API or to `/codec`) only on loopback; an id names one
 * key; a silent connection outlives the longest wait, and headers arrive within the time of the
 * whole request.
 */
export function checkApiAccess(
  c: z.output<z.ZodObject<typeof apiFields & typeof codecEndpointFields>>,
  ctx: z.RefinementCtx,
): void {
  const issue = (variable: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [variable], message });
  if (c.API_KEYS.length === 0 && !c.API_KEYS_FILE && !c.API_ALLOW_ANONYMOUS) {
    issue(
      'API_KEYS',
      'API_KEYS is empty: add a key (aep-stream api-key --sandbox <sandbox>), or give API_KEYS_FILE, or set API_ALLOW_ANONYMOUS=true for local development',
    );
  }
  for (const { id } of c.API_CODEC_KEYS) {
    if (c.API_KEYS.some((k) => k.id === id)) {
      issue('API_CODEC_KEYS', `API_CODEC_KEYS: id ${id} is an id of API_KEYS too`);
    }
  }
  const loopback = /^127\./.test(c.API_HOST) || c.API_HOST === '::1';
  if (c.API_ALLOW_ANONYMOUS && !loopback) {
    issue(
      'API_ALLOW_ANONYMOUS',
      `API_ALLOW_ANONYMOUS=true is for local development: API_HOST must then be a loopback address, not ${c.API_HOST}`,
    );
  }
  if (c.API_CODEC_ANONYMOUS && !loopback) {
    issue(
      'API_CODEC_ANONYMOUS',
      `API_CODEC_ANONYMOUS=true lets whoever reaches the API decrypt every payload: API_HOST must then be a loopback address, not ${c.API_HOST}; elsewhere give the codec a key (API_CODEC_KEYS)`,
    );
  }
  if (c.API_IDLE_TIMEOUT_SECONDS <= c.API_MAX_WAIT_SECONDS) {
    issue(
      'API_IDLE_TIMEOUT_SECONDS',
      `API_IDLE_TIMEOUT_SECONDS (${c.API_IDLE_TIMEOUT_SECONDS}) must exceed API_MAX_WAIT_SECONDS (${c.API_MAX_WAIT_SECONDS}): an answer being waited for is silent`,
    );
  }
  if (c.API_HEADERS_TIMEOUT_SECONDS > c.API_REQUEST_TIMEOUT_SECONDS) {
    issue(
      'API_HEADERS_TIMEOUT_SECONDS',
      `API_HEADERS_TIMEOUT_SECONDS (${c.API_HEADERS_TIMEOUT_SECONDS}) must not exceed API_REQUEST_TIMEOUT_SECONDS (${c.API_REQUEST_TIMEOUT_SECONDS}), the time of the whole request`,
    );
  }
}
