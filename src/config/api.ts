import { readFileSync } from 'node:fs';

/** The HTTP API's keys: API_KEYS, API_KEYS_FILE, API_CODEC_KEYS. */
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

const KEY = '(?<id>[A-Za-z0-9_.-]{1,64}):(?<sha256>[0-9a-f]{64})';
const SCOPE = '(?<scope>\\*|[a-z0-9][a-z0-9-]{0,63}(?:\\|[a-z0-9][a-z0-9-]{0,63})*)';
/** Options after the sandboxes: `read` or `write`, `expires=<ISO 8601 date or instant>`. */
const OPTION = '(?:read|write|expires=[0-9T:.+Z-]{10,35})';
const API_KEY = new RegExp(`^${KEY}:${SCOPE}(?::(?<options>${OPTION}(?:,${OPTION})*))?$`);

/** Parses API_KEYS; a problem never repeats the hash. */
export function parseApiKeys(raw: string, variable = 'API_KEYS', separator = ';') {
  const shape =
    'id:sha256hex:sandbox|sandbox or id:sha256hex:*, then :read and/or expires=<ISO 8601>';
  return parseKeys(raw, variable, API_KEY, shape, separator);
}

/** The entries of API_KEYS_FILE: one a line, blank lines and `#` comments skipped. */
export function readKeyFile(path: string): { entries: ApiKeyEntry[]; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const problem = `API_KEYS_FILE: cannot read ${path}: ${(err as Error).message}`;
    return { entries: [], problems: [problem] };
  }
  const lines = text.split('\n').filter((l) => !/^\s*(#|$)/.test(l));
  return parseApiKeys(lines.join('\n'), `API_KEYS_FILE (${path})`, '\n');
}

/** Parses API_CODEC_KEYS: keys of no sandbox, for `/codec` only. */
export function parseCodecKeys(raw: string) {
  return parseKeys(raw, 'API_CODEC_KEYS', new RegExp(`^${KEY}$`), 'id:sha256hex');
}

function parseKeys(raw: string, variable: string, entry: RegExp, shape: string, separator = ';') {
  const entries: ApiKeyEntry[] = [];
  const problems: string[] = [];
  splitList(raw, separator).forEach((part, i) => {
    const m = entry.exec(part)?.groups;
    if (!m) {
      const id = part.split(':')[0]?.slice(0, 64) ?? '';
      problems.push(`${variable}: entry ${i + 1} (${id}) must be ${shape}`);
      return;
    }
    const { id = '', sha256 = '', scope, options } = m;
    if (entries.some((e) => e.id === id)) problems.push(`${variable}: id ${id} appears twice`);
    const opts = options?.split(',') ?? [];
    const until = opts.find((o) => o.startsWith('expires='))?.slice('expires='.length);
    const expires = until === undefined ? undefined : new Date(until);
    if (expires && Number.isNaN(expires.getTime())) {
      problems.push(
        `${variable}: entry ${i + 1} (${id}): expires=${until} is not an ISO 8601 date`,
      );
    }
    entries.push({
      id,
      sha256,
      sandboxes: scope === undefined ? [] : scope === '*' ? '*' : scope.split('|'),
      ...(opts.includes('read') && !opts.includes('write') ? { readOnly: true as const } : {}),
      ...(expires ? { expires } : {}),
    });
  });
  return { entries, problems };
}

export function splitList(raw: string, separator: string): string[] {
  return raw
    .split(separator)
    .map((p) => p.trim())
    .filter(Boolean);
}
