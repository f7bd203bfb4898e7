import { InvalidArgumentError } from 'commander';
import { newApiKey } from '../api/auth';
import { InvalidRequestError } from '../request';

export type ApiKeyOptions = NonNullable<Parameters<typeof newApiKey>[2]> & {
  id: string;
  sandbox?: string[];
  allSandboxes?: boolean;
  codec?: boolean;
};

/** `api-key`: a new key, shown once, and its API_KEYS (or API_CODEC_KEYS) entry, hash only. */
export function apiKey(cmd: ApiKeyOptions, out: (value: unknown, human: () => string) => void) {
  const scopes = [cmd.allSandboxes, cmd.sandbox?.length, cmd.codec].filter(Boolean).length;
  const problems = [
    scopes !== 1 && 'give one of --sandbox <sandbox...>, --all-sandboxes, --codec',
    cmd.codec && (cmd.readOnly || cmd.expires) && '--read-only and --expires are for API keys',
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) throw new InvalidRequestError(problems);
  const scope = cmd.codec ? 'codec' : cmd.allSandboxes ? '*' : cmd.sandbox!;
  const { key, entry } = newApiKey(cmd.id, scope, cmd);
  const variable = cmd.codec ? 'API_CODEC_KEYS' : 'API_KEYS';
  const where = cmd.codec
    ? variable
    : `${variable} (entries separated by ;) or a line of API_KEYS_FILE`;
  out({ key, entry }, () =>
    [
      `${'key'.padEnd(variable.length)}  ${key}`,
      `${variable}  ${entry}`,
      '',
      `Give the key to the caller (it is shown once); add the entry to ${where}.`,
    ].join('\n'),
  );
}

/** `--expires`: an ISO 8601 date or instant. */
export function instant(v: string): Date {
  const d = new Date(v);
  if (!/^\d{4}-\d\d-\d\d/.test(v) || Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError('must be an ISO 8601 date or instant, e.g. 2026-12-31');
  }
  return d;
}
