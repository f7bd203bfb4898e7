#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { WorkflowFailedError } from '@temporalio/client';
import { Command, CommanderError, Option } from 'commander';
import { summarizeFailure, ProvisioningClient } from './client';
import { ConfigError, parseClientConfig } from './config';
import { InvalidRequestError } from './request';

/**
 * aep-stream: provision, inspect and tear down HTTP API streaming sources through Temporal.
 * The result goes to stdout (JSON with --json), progress to stderr. Exit codes: 0 success,
 * 1 the workflow failed (its failure type is printed), 2 invalid input or configuration,
 * 3 Temporal could not be reached or another unexpected error.
 */

const EXIT = { ok: 0, failed: 1, invalid: 2, unexpected: 3 } as const;

interface GlobalOptions {
  json?: boolean;
  sandbox?: string;
}

function readRequest(file: string): unknown {
  const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidRequestError([
      `${file === '-' ? 'stdin' : file} is not valid JSON: ${(err as Error).message}`,
    ]);
  }
}

function out(opts: GlobalOptions, value: unknown, human: () => string): void {
  process.stdout.write(opts.json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

async function withClient<T>(fn: (c: ProvisioningClient) => Promise<T>): Promise<T> {
  const client = await ProvisioningClient.connect(parseClientConfig());
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

export function buildProgram(): Command {
  const program = new Command('aep-stream')
    .description('Durable provisioning of Adobe Experience Platform HTTP API streaming sources')
    .option('--json', 'print the result as JSON on stdout')
    .exitOverride();

  program
    .command('provision')
    .description('provision a source from a request file (JSON), or - for stdin')
    .argument('<file>', 'request file, or - to read stdin')
    .option('--no-wait', 'return once the workflow has started')
    .action(async (file: string, cmd: { wait: boolean }) => {
      const opts = program.opts<GlobalOptions>();
      const input = readRequest(file);
      await withClient(async (client) => {
        const started = await client.startProvision(input);
        progress(
          `${started.started ? 'started' : 'attached to running'} workflow ${started.workflowId} (run ${started.runId})`,
        );
        if (!cmd.wait) {
          out(
            opts,
            { workflowId: started.workflowId, runId: started.runId, started: started.started },
            () => started.workflowId,
          );
          return;
        }
        const result = await client.follow(started.handle, (step) => progress(`  ✓ ${step}`));
        out(opts, result, () =>
          [
            `inletUrl   ${result.inletUrl}`,
            `flowId     ${result.flowId}`,
            `datasetId  ${result.datasetId}`,
            `created    ${result.created.join(', ') || '-'}`,
            `reused     ${result.reused.join(', ') || '-'}`,
          ].join('\n'),
        );
      });
    });

  program
    .command('status')
    .description('show the provisioning status of a source')
    .argument('<name>', 'source name')
    .addOption(new Option('--sandbox <sandbox>', 'sandbox (default: AEP_SANDBOX)'))
    .action(async (name: string, cmd: { sandbox?: string }) => {
      const opts = program.opts<GlobalOptions>();
      await withClient(async (client) => {
        const status = await client.status(name, cmd.sandbox);
        out(opts, status, () =>
          [
            `workflow   ${status.workflowId} (${status.execution})`,
            status.progress ? `step       ${status.progress.status}: ${status.progress.step}` : '',
            status.result
              ? `inletUrl   ${status.result.inletUrl}\nflowId     ${status.result.flowId}`
              : '',
            status.failure
              ? `failure    ${status.failure.type} (${status.failure.rootType}): ${status.failure.message}`
              : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });

  program
    .command('deprovision')
    .description('tear down a source created by this tool (by name, or by --flow-id)')
    .argument('[name]', 'source name')
    .addOption(
      new Option('--flow-id <id>', 'find the source from its dataflow id instead of its name'),
    )
    .addOption(new Option('--sandbox <sandbox>', 'sandbox (default: AEP_SANDBOX)'))
    .option('--no-wait', 'return once the workflow has started')
    .action(
      async (
        name: string | undefined,
        cmd: { flowId?: string; sandbox?: string; wait: boolean },
      ) => {
        const opts = program.opts<GlobalOptions>();
        await withClient(async (client) => {
          const started = await client.startDeprovision({
            name,
            flowId: cmd.flowId,
            sandbox: cmd.sandbox,
          });
          progress(`workflow ${started.workflowId} (run ${started.runId})`);
          if (!cmd.wait) {
            out(
              opts,
              { workflowId: started.workflowId, runId: started.runId },
              () => started.workflowId,
            );
            return;
          }
          const result = await started.handle.result();
          out(opts, result, () =>
            [
              `deleted    ${result.deleted.map((d) => `${d.kind} ${d.id}`).join(', ') || '-'}`,
              `kept       ${result.kept.map((d) => `${d.kind} ${d.id}`).join(', ') || '-'}`,
            ].join('\n'),
          );
        });
      },
    );

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
    const json = program.opts<GlobalOptions>().json;
    if (err instanceof InvalidRequestError || err instanceof ConfigError) {
      const problems = err.problems;
      process.stderr.write(
        `${err instanceof ConfigError ? 'Invalid configuration' : 'Invalid request'}:\n`,
      );
      for (const p of problems) process.stderr.write(`  - ${p}\n`);
      if (json) process.stdout.write(`${JSON.stringify({ error: 'InvalidRequest', problems })}\n`);
      return EXIT.invalid;
    }
    if (!(err instanceof WorkflowFailedError)) {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.unexpected;
    }
    const failure = summarizeFailure(err);
    process.stderr.write(
      `failed: ${failure.type}${failure.rootType !== failure.type ? ` (cause: ${failure.rootType})` : ''}: ${failure.message}\n`,
    );
    if (json) process.stdout.write(`${JSON.stringify({ error: failure.type, ...failure })}\n`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
