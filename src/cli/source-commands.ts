import { WorkflowNotFoundError } from '@temporalio/client';
import { Option, type Command } from 'commander';
import { NoSuchSourceError } from './exit';
import { globalOptions, out, progress, provisionLines, statusLines, teardownLines } from './output';
import { readRequest } from './requests';
import { warnWithoutWorker, withClient } from './session';

/** One source at a time: `provision`, `status`, `deprovision`. */
export function addSourceCommands(program: Command): void {
  program
    .command('provision')
    .description('provision a source from a request file (JSON), or - for stdin')
    .argument('<file>', 'request file, or - to read stdin')
    .option('--no-wait', 'return once the workflow has started')
    .action(async (file: string, cmd: { wait: boolean }) => {
      const opts = globalOptions(program);
      const input = readRequest(file);
      await withClient(async (client) => {
        const started = await client.startProvision(input);
        progress(
          `${started.started ? 'started' : 'attached to running'} workflow ${started.workflowId} (run ${started.runId})`,
        );
        await warnWithoutWorker(client);
        if (!cmd.wait) {
          out(
            opts,
            { workflowId: started.workflowId, runId: started.runId, started: started.started },
            () => started.workflowId,
          );
          return;
        }
        const result = await client.follow(started.handle, (step) => progress(`  ✓ ${step}`));
        out(opts, result, () => provisionLines(result));
      });
    });

  program
    .command('status')
    .description('show the provisioning status of a source')
    .argument('<name>', 'source name')
    .addOption(new Option('--sandbox <sandbox>', 'sandbox (default: AEP_SANDBOX)'))
    .action(async (name: string, cmd: { sandbox?: string }) => {
      const opts = globalOptions(program);
      await withClient(async (client) => {
        const sandbox = cmd.sandbox ?? client.config.AEP_SANDBOX;
        const status = await client.status(name, sandbox).catch((err: unknown) => {
          throw err instanceof WorkflowNotFoundError ? new NoSuchSourceError(name, sandbox) : err;
        });
        out(opts, status, () => statusLines(status));
      });
    });

  addDeprovisionCommand(program);
}

function addDeprovisionCommand(program: Command): void {
  program
    .command('deprovision')
    .description('tear down a source created by this tool (by name, or by --flow-id)')
    .argument('[name]', 'source name')
    .addOption(
      new Option('--flow-id <id>', 'find the source from its dataflow id instead of its name'),
    )
    .addOption(new Option('--sandbox <sandbox>', 'sandbox (default: AEP_SANDBOX)'))
    .option(
      '--delete-dataset',
      'also delete the dataset this tool created, and its data, if no other source writes to it',
    )
    .option('--no-wait', 'return once the workflow has started')
    .action(
      async (
        name: string | undefined,
        cmd: { flowId?: string; sandbox?: string; deleteDataset?: boolean; wait: boolean },
      ) => {
        const opts = globalOptions(program);
        await withClient(async (client) => {
          const started = await client.startDeprovision({
            name,
            flowId: cmd.flowId,
            sandbox: cmd.sandbox,
            ...(cmd.deleteDataset ? { deleteDataset: true } : {}),
          });
          progress(`workflow ${started.workflowId} (run ${started.runId})`);
          await warnWithoutWorker(client);
          if (!cmd.wait) {
            out(
              opts,
              { workflowId: started.workflowId, runId: started.runId },
              () => started.workflowId,
            );
            return;
          }
          const result = await started.handle.result();
          out(opts, result, () => teardownLines(result));
        });
      },
    );
}
