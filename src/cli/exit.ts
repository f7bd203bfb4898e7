import { WorkflowFailedError } from '@temporalio/client';
import { RequestConflictError, summarizeFailure } from '../client';
import { PruneRefusedError } from '../client/sets';
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
  const exit = (e: Exit) => {
    if (e.message) process.stderr.write(`${e.message}\n`);
    if (e.message && json && e.body) process.stdout.write(`${JSON.stringify(e.body)}\n`);
    return e.code;
  };
  if (err instanceof Exit) return exit(err);
  if (err instanceof InvalidRequestError || err instanceof ConfigError) {
    const what = err instanceof ConfigError ? 'Invalid configuration' : 'Invalid request';
    const lines = [`${what}:`, ...err.problems.map((p) => `  - ${p}`)].join('\n');
    return exit(new Exit(EXIT.invalid, lines, { error: 'InvalidRequest', problems: err.problems }));
  }
  const { message } = err instanceof Error ? err : { message: String(err) };
  if (err instanceof PruneRefusedError) {
    const body = { error: 'PruneRefused', message };
    return exit(new Exit(EXIT.failed, `prune refused: ${message}`, body));
  }
  if (err instanceof RequestConflictError) {
    const body = { error: 'RequestConflict', message, fields: err.fields };
    return exit(new Exit(EXIT.failed, `conflict: ${message}`, body));
  }
  if (!(err instanceof WorkflowFailedError)) {
    // The SDK reads an encrypted payload without the codec as an unknown encoding: say why.
    const hint = /Unknown encoding: binary\/encrypted/.test(message)
      ? ' (the payloads are encrypted: set PAYLOAD_ENCRYPTION_KEYS to the keys the worker has, docs/encryption.md)'
      : '';
    return exit(new Exit(EXIT.unexpected, `error: ${message}${hint}`));
  }
  const f = summarizeFailure(err);
  const cause = f.rootType !== f.type ? ` (cause: ${f.rootType})` : '';
  const line = `failed: ${f.type}${cause}: ${cleanMessage(f.message)}`;
  return exit(new Exit(EXIT.failed, line, { error: f.type, ...f }));
}
