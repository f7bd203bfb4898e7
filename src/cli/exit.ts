import { WorkflowFailedError } from '@temporalio/client';
import { RequestConflictError, summarizeFailure } from '../client';
import { ConfigError } from '../config';
import { InvalidRequestError } from '../request';
import { cleanMessage } from './output';

/**
 * Exit codes: 0 success, 1 the workflow failed (its failure type is printed; apply: any request
 * failed), 2 invalid input or configuration, 3 Temporal could not be reached or another
 * unexpected error, 4 `plan` found changes pending, 5 no such source.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  invalid: 2,
  unexpected: 3,
  changesPending: 4,
  notFound: 5,
} as const;

export class NoSuchSourceError extends Error {
  override name = 'NoSuchSourceError';
  constructor(name: string, sandbox: string) {
    super(`no such source: "${name}" has never been provisioned in sandbox ${sandbox}`);
  }
}

/** `plan` found changes: exit code 4, not an error. */
export class ChangesPending extends Error {
  override name = 'ChangesPending';
  constructor() {
    super('changes pending');
  }
}

export class ApplyFailed extends Error {
  override name = 'ApplyFailed';
  constructor(failed: number, total: number) {
    super(`${failed} of ${total} provisioning(s) failed`);
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
    const { problems } = err;
    const what = err instanceof ConfigError ? 'Invalid configuration' : 'Invalid request';
    const lines = [`${what}:`, ...problems.map((p) => `  - ${p}`)].join('\n');
    return say(EXIT.invalid, lines, { error: 'InvalidRequest', problems });
  }
  const { message } = err instanceof Error ? err : { message: String(err) };
  if (err instanceof NoSuchSourceError) {
    return say(EXIT.notFound, message, { error: 'SourceNotFound', message });
  }
  if (err instanceof ChangesPending) return EXIT.changesPending;
  if (err instanceof RequestConflictError) {
    const body = { error: 'RequestConflict', message, fields: err.fields };
    return say(EXIT.failed, `conflict: ${message}`, body);
  }
  if (err instanceof ApplyFailed) return say(EXIT.failed, message);
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
