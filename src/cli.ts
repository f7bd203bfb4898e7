#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { addApiKeyCommand } from './cli/api-key-command';
import { addBatchCommands } from './cli/batch-commands';
import { EXIT, reportError } from './cli/exit';
import { globalOptions } from './cli/output';
import { addSourceCommands } from './cli/source-commands';

export { DEFAULT_APPLY_CONCURRENCY, type ApplyOutcome } from './cli/apply';
export { EXIT } from './cli/exit';
export { cleanMessage } from './cli/output';
export { loadRequests, validateAll } from './cli/requests';

/**
 * aep-stream: provision, inspect and tear down HTTP API streaming sources through Temporal.
 * The result goes to stdout (JSON with --json), progress to stderr; exit codes in cli/exit.ts.
 * The commands are in src/cli/: one source at a time (provision, status, deprovision), many
 * (apply, plan), and api-key; output.ts formats what they print.
 */

export function buildProgram(): Command {
  const program = new Command('aep-stream')
    .description('Durable provisioning of Adobe Experience Platform HTTP API streaming sources')
    .option('--json', 'print the result as JSON on stdout')
    .exitOverride();
  addSourceCommands(program);
  addBatchCommands(program);
  addApiKeyCommand(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    }
    return reportError(err, globalOptions(program).json);
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
