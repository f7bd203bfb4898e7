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
  constructor(name: string, sandbox: string) {
    super(`no such source: "${name}" has never been provisioned in sandbox ${sandbox}`);
    this.name = 'NoSuchSourceError';
  }
}

/** `plan` found changes: exit code 4, not an error. */
export class ChangesPending extends Error {
  constructor() {
    super('changes pending');
    this.name = 'ChangesPending';
  }
}

export class ApplyFailed extends Error {
  constructor(
    readonly failed: number,
    readonly total: number,
  ) {
    super(`${failed} of ${total} provisioning(s) failed`);
    this.name = 'ApplyFailed';
  }
}

/** Says what went wrong (stderr; with --json also stdout) and answers the exit code. */
export function reportError(err: unknown, json: boolean | undefined): number {
  if (err instanceof InvalidRequestError || err instanceof ConfigError) {
    const problems = err.problems;
    process.stderr.write(
      `${err instanceof ConfigError ? 'Invalid configuration' : 'Invalid request'}:\n`,
    );
    for (const p of problems) process.stderr.write(`  - ${p}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ error: 'InvalidRequest', problems })}\n`);
    return EXIT.invalid;
  }
  if (err instanceof NoSuchSourceError) {
    process.stderr.write(`${err.message}\n`);
    if (json)
      process.stdout.write(
        `${JSON.stringify({ error: 'SourceNotFound', message: err.message })}\n`,
      );
    return EXIT.notFound;
  }
  if (err instanceof ChangesPending) return EXIT.changesPending;
  if (err instanceof RequestConflictError) {
    process.stderr.write(`conflict: ${err.message}\n`);
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ error: 'RequestConflict', message: err.message, fields: err.fields })}\n`,
      );
    }
    return EXIT.failed;
  }
  if (err instanceof ApplyFailed) {
    process.stderr.write(`${err.message}\n`);
    return EXIT.failed;
  }
  if (!(err instanceof WorkflowFailedError)) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`error: ${message}${encryptedHint(message)}\n`);
    return EXIT.unexpected;
  }
  const failure = summarizeFailure(err);
  process.stderr.write(
    `failed: ${failure.type}${failure.rootType !== failure.type ? ` (cause: ${failure.rootType})` : ''}: ${cleanMessage(failure.message)}\n`,
  );
  if (json) process.stdout.write(`${JSON.stringify({ error: failure.type, ...failure })}\n`);
  return EXIT.failed;
}

/** The SDK reads an encrypted payload without the codec as an unknown encoding: say why. */
function encryptedHint(message: string): string {
  return /Unknown encoding: binary\/encrypted/.test(message)
    ? ' (the payloads are encrypted: set PAYLOAD_ENCRYPTION_KEYS to the keys the worker has, docs/encryption.md)'
    : '';
}
