import { WorkflowFailedError } from '@temporalio/client';
import { RequestConflictError, summarizeFailure } from '../client';
import { ConfigError } from '../config';
import { InvalidRequestError } from '../request';
import { cleanMessage } from './output';

/** The CLI's exit codes, each documented in docs/reference.md (test/docs/codes.test.ts). */
export const EXIT = {
  ok: 0,
  failed: 1,
  invalid: 2,
  unexpected: 3,
  changesPending: 4,
  notFound: 5,
} as const;

/** Ends a command with `code`: `line` (if any) on stderr, and with --json `body` on stdout. */
export class Exit extends Error {
  constructor(
    readonly code: number,
    line = '',
    readonly body?: object,
  ) {
    super(line);
  }
}

/** Says what went wrong (stderr; with --json also stdout) and answers the exit code. */
export function reportError(err: unknown, json: boolean | undefined): number {
  const say = (code: number, line: string, body?: object): number => {
    process.stderr.write(`${line}\n`);
    if (json && body) process.stdout.write(`${JSON.stringify(body)}\n`);
    return code;
  };
  if (err instanceof InvalidRequestError || err instanceof ConfigError) {
    const what = err instanceof ConfigError ? 'Invalid configuration' : 'Invalid request';
    const lines = [`${what}:`, ...err.problems.map((p) => `  - ${p}`)].join('\n');
    return say(EXIT.invalid, lines, { error: 'InvalidRequest', problems: err.problems });
  }
  if (err instanceof Exit) return err.message ? say(err.code, err.message, err.body) : err.code;
  const { message } = err instanceof Error ? err : { message: String(err) };
  if (err instanceof RequestConflictError) {
    const body = { error: 'RequestConflict', message, fields: err.fields };
    return say(EXIT.failed, `conflict: ${message}`, body);
  }
  if (!(err instanceof WorkflowFailedError)) {
    return say(EXIT.unexpected, `error: ${message}${encryptedHint(message)}`);
  }
  const failure = summarizeFailure(err);
  const cause = failure.rootType !== failure.type ? ` (cause: ${failure.rootType})` : '';
  const line = `failed: ${failure.type}${cause}: ${cleanMessage(failure.message)}`;
  return say(EXIT.failed, line, { error: failure.type, ...failure });
}

/** The SDK reads an encrypted payload without the codec as an unknown encoding: say why. */
function encryptedHint(message: string): string {
  return /Unknown encoding: binary\/encrypted/.test(message)
    ? ' (the payloads are encrypted: set PAYLOAD_ENCRYPTION_KEYS to the keys the worker has, docs/encryption.md)'
    : '';
}
