import { z } from 'zod';
import { flag, ipAddress, parsedBy, positiveInt, wholeNumber } from './fields';

/** The HTTP API's settings (src/api, `npm run api`): where it listens, its keys, its limits. */

export interface ApiKeyEntry {
  id: string;
  /** sha256 of the key, hex (the key itself is never stored). */
  sha256: string;
  /** Sandboxes the key may touch; `*` = all. */
  sandboxes: string[] | '*';
}

export const apiFields = {
  /** Address the API binds: loopback unless configured (0.0.0.0 only inside a container). */
  API_HOST: ipAddress('API_HOST').default('127.0.0.1'),
  API_PORT: wholeNumber('API_PORT')
    .min(0, 'API_PORT must be between 0 and 65535')
    .max(65535, 'API_PORT must be between 0 and 65535')
    .default(8088),
  /** Hashed keys, `id:sha256hex:sandbox|sandbox;id2:sha256hex:*`; `aep-stream api-key` makes one. */
  API_KEYS: parsedBy(parseApiKeys, 'entries').default([]),
  /** Anonymous access to every sandbox, for local development only (refused off loopback). */
  API_ALLOW_ANONYMOUS: flag('API_ALLOW_ANONYMOUS').default(false),
  API_BODY_LIMIT_BYTES: positiveInt('API_BODY_LIMIT_BYTES').default(262_144),
  /** Requests per minute per API key (per client address for requests without a valid key). */
  API_RATE_LIMIT_PER_MINUTE: positiveInt('API_RATE_LIMIT_PER_MINUTE').default(600),
  /**
   * The longest any request waits on a run (`Prefer: wait=<s>`, a compensation before a
   * teardown, a plan, a progress query); longer waits are cut to it.
   */
  API_MAX_WAIT_SECONDS: positiveInt('API_MAX_WAIT_SECONDS').default(60),
};

/** The Temporal UI on loopback: the compose stack's (8080) and the dev server's (8233). */
const DEFAULT_CODEC_ORIGINS =
  'http://127.0.0.1:8080,http://localhost:8080,http://127.0.0.1:8233,http://localhost:8233';

/** The HTTP API's codec endpoint for the Temporal UI (`/codec`). */
export const codecEndpointFields = {
  /** Origins of the Temporal UI allowed to call `/codec` (CORS), comma-separated. */
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
  /**
   * `/codec` answers without an API key: for a Temporal UI without a login of its own, which
   * cannot send one. Whoever reaches the API can then decrypt payloads.
   */
  API_CODEC_ANONYMOUS: flag('API_CODEC_ANONYMOUS').default(false),
};

const API_KEY_ENTRY =
  /^([A-Za-z0-9_.-]{1,64}):([0-9a-f]{64}):(\*|[a-z0-9][a-z0-9-]{0,63}(?:\|[a-z0-9][a-z0-9-]{0,63})*)$/;

/** Parses API_KEYS; a problem never repeats the hash. */
export function parseApiKeys(raw: string): { entries: ApiKeyEntry[]; problems: string[] } {
  const entries: ApiKeyEntry[] = [];
  const problems: string[] = [];
  splitList(raw, ';').forEach((part, i) => {
    const m = API_KEY_ENTRY.exec(part);
    if (!m) {
      problems.push(
        `API_KEYS: entry ${i + 1} (${part.split(':')[0]?.slice(0, 64) ?? ''}) must be id:sha256hex:sandbox|sandbox or id:sha256hex:*`,
      );
      return;
    }
    const [, id, sha256, scope] = m as unknown as [string, string, string, string];
    if (entries.some((e) => e.id === id)) problems.push(`API_KEYS: id ${id} appears twice`);
    entries.push({ id, sha256, sandboxes: scope === '*' ? '*' : scope.split('|') });
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

/** Who may call: keys are needed unless anonymous access is allowed, and that only on loopback. */
export function checkApiAccess(
  c: { API_KEYS: ApiKeyEntry[]; API_ALLOW_ANONYMOUS: boolean; API_HOST: string },
  ctx: z.RefinementCtx,
): void {
  if (c.API_KEYS.length === 0 && !c.API_ALLOW_ANONYMOUS) {
    ctx.addIssue({
      code: 'custom',
      path: ['API_KEYS'],
      message:
        'API_KEYS is empty: add a key (aep-stream api-key --sandbox <sandbox>), or set API_ALLOW_ANONYMOUS=true for local development',
    });
  }
  const loopback = /^127\./.test(c.API_HOST) || c.API_HOST === '::1';
  if (c.API_ALLOW_ANONYMOUS && !loopback) {
    ctx.addIssue({
      code: 'custom',
      path: ['API_ALLOW_ANONYMOUS'],
      message: `API_ALLOW_ANONYMOUS=true is for local development: API_HOST must then be a loopback address, not ${c.API_HOST}`,
    });
  }
}
