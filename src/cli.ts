#!/usr/bin/env node
import { WorkflowNotFoundError } from '@temporalio/client';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { newApiKey } from './api/auth';
import { ProvisioningClient } from './client';
import { parseClientConfig, servedOrg } from './config';
import { InvalidRequestError } from './request';
import type { SourcePlan } from './shared/model';
import { applyAll, DEFAULT_APPLY_CONCURRENCY, summaryTable } from './cli/apply';
import { EXIT, Exit, reportError } from './cli/exit';
import * as print from './cli/output';
import { asSet, planSetPrune, pruneAfterApply, pruneLines, type SetOptions } from './cli/prune';
import { driftLines, reconcileCommand } from './cli/reconcile';
import { loadRequests, readRequest, type Valid } from './cli/requests';

/**
 * aep-stream: provision, inspect and tear down HTTP API streaming sources through Temporal.
 * The result goes to stdout (JSON with --json), progress to stderr; exit codes in cli/exit.ts.
 */

const program = new Command('aep-stream')
  .description('Durable provisioning of Adobe Experience Platform HTTP API streaming sources')
  .option('--json', 'print the result as JSON on stdout')
  .option('--org <id>', 'the IMS org of the command (default: AEP_ORG_ID; others: AEP_ORGS_FILE)')
  .exitOverride();

const json = () => Boolean(program.opts<{ json?: boolean }>().json);
/** The org of --org: the command's requests, reads and runs are that org's. */
const org = () => program.opts<{ org?: string }>().org;

/** The result on stdout: JSON with --json, otherwise the human lines. */
function out(value: unknown, human: () => string): void {
  process.stdout.write(`${json() ? JSON.stringify(value) : human()}\n`);
}

/** A command's connection to Temporal: opened for the command, closed after it. */
async function withClient(
  fn: (c: ProvisioningClient) => Promise<void>,
  config = parseClientConfig(),
) {
  const client = await ProvisioningClient.connect(config);
  try {
    await fn(client.forOrg(org()));
  } finally {
    await client.close();
  }
}

/** Warns on stderr at once when no worker polls the task queue (the run would wait forever). */
async function warnWithoutWorker(client: ProvisioningClient): Promise<void> {
  const { TEMPORAL_TASK_QUEUE: queue, TEMPORAL_NAMESPACE: namespace } = client.config;
  // An unreachable Temporal is reported by the start itself.
  if (!(await client.workerless())) return;
  print.progress(
    `warning: no worker is polling task queue "${queue}" in namespace "${namespace}" at ` +
      `${client.config.TEMPORAL_ADDRESS}: the workflow waits until one does. Start one with ` +
      '`npm run worker` (same TEMPORAL_* settings and AEP credentials), or check ' +
      'TEMPORAL_TASK_QUEUE.',
  );
}

/** After a start: the no-worker warning, then the run's ids (--no-wait) or its result. */
async function settle<R>(
  client: ProvisioningClient,
  wait: boolean,
  ids: { workflowId: string; runId: string; started?: boolean },
  result: () => Promise<R>,
  lines: (r: R) => string,
): Promise<void> {
  await warnWithoutWorker(client);
  if (!wait) return out(ids, () => ids.workflowId);
  const value = await result();
  out(value, () => lines(value));
}

/** Every request of `input`, validated before the client connects (and warns of no worker). */
async function withRequests(
  input: string,
  fn: (client: ProvisioningClient, items: Valid[]) => Promise<void>,
): Promise<void> {
  const config = parseClientConfig();
  const served = servedOrg(config, org());
  const items = loadRequests(input, { imsOrg: served.imsOrg, sandbox: served.sandbox });
  await withClient(async (client) => {
    await warnWithoutWorker(client);
    await fn(client, items);
  }, config);
}

program
  .command('provision')
  .description('provision a source from a request file (JSON), or - for stdin')
  .argument('<file>', 'request file, or - to read stdin')
  .option('--no-wait', 'return once the workflow has started')
  .action(async (file: string, cmd: { wait: boolean }) => {
    const input = readRequest(file);
    await withClient(async (client) => {
      const { workflowId, runId, started, handle } = await client.startProvision(input);
      const verb = started ? 'started' : 'attached to running';
      print.progress(`${verb} workflow ${workflowId} (run ${runId})`);
      const follow = () => client.follow(handle, (step) => print.progress(`  ✓ ${step}`));
      const ids = { workflowId, runId, started };
      await settle(client, cmd.wait, ids, follow, print.provisionLines);
    });
  });

program
  .command('status')
  .description('show the provisioning status of a source')
  .argument('<name>', 'source name')
  .option('--sandbox <sandbox>', 'sandbox (default: AEP_SANDBOX)')
  .action(async (name: string, cmd: { sandbox?: string }) => {
    await withClient(async (client) => {
      const sandbox = cmd.sandbox ?? client.config.AEP_SANDBOX;
      const status = await client.status(name, sandbox).catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        const message = `no such source: "${name}" has never been provisioned in sandbox ${sandbox}`;
        throw new Exit(EXIT.notFound, message, { error: 'SourceNotFound', message });
      });
      out(status, () => print.statusLines(status));
    });
  });

program
  .command('list')
  .description('list every source: its state, last operation, drift and inlet URL')
  .option('--sandbox <sandbox>', 'only this sandbox (default: every sandbox)')
  .option('--drifted', 'only the sources the last reconcile of their sandbox left drifted')
  .action(async (cmd: { sandbox?: string; drifted?: boolean }) => {
    await withClient(async (client) => {
      const sources = await client.list({ sandbox: cmd.sandbox, drifted: cmd.drifted });
      out(sources, () => (cmd.drifted ? driftLines(sources) : print.listLines(sources)));
    });
  });

reconcileCommand(program, { withClient, out, warnWithoutWorker, positive });

program
  .command('deprovision')
  .description('tear down a source created by this tool (by name, or by --flow-id)')
  .argument('[name]', 'source name')
  .option('--flow-id <id>', 'find the source from its dataflow id instead of its name')
  .option('--sandbox <sandbox>', 'sandbox (default: AEP_SANDBOX)')
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
      await withClient(async (client) => {
        const { flowId, sandbox, deleteDataset } = cmd;
        const started = await client.startDeprovision({ name, flowId, sandbox, deleteDataset });
        const { workflowId, runId, handle } = started;
        print.progress(`workflow ${workflowId} (run ${runId})`);
        const result = () => handle.result();
        await settle(client, cmd.wait, { workflowId, runId }, result, print.teardownLines);
      });
    },
  );

program
  .command('apply')
  .description(
    'provision many sources from YAML or JSON files (a file, a directory, or - for stdin); validates all before starting any',
  )
  .argument(
    '<input>',
    'file (.yaml, .yml, .json; one request, a list, or several documents), directory, or -',
  )
  .option('--concurrency <n>', 'provisionings run at once', positive, DEFAULT_APPLY_CONCURRENCY)
  .option('--apply-set <id>', 'apply the input as apply set <id> (marked on each source)')
  .option('--prune', 'tear down the sources of the apply set the input no longer names')
  .option('--delete-dataset', 'with --prune: also delete the datasets of the pruned sources')
  .option('--force', 'with --prune: prune more than 10 % of the set')
  .action(async (input: string, cmd: SetOptions & { concurrency: number }) => {
    await withRequests(input, async (client, loaded) => {
      const set = asSet(loaded, cmd);
      const since = new Date();
      const outcomes = await applyAll(client, set?.items ?? loaded, cmd.concurrency, json());
      const failed = outcomes.filter((o) => o.outcome === 'failed').length;
      const { pruned } =
        cmd.prune && set
          ? await pruneAfterApply(client, set, { ...cmd, since, failed })
          : { pruned: undefined };
      if (pruned) {
        out({ applied: outcomes, pruned }, () =>
          [summaryTable(outcomes), pruneLines(pruned)].join('\n\n'),
        );
      } else out(outcomes, () => summaryTable(outcomes));
      if (failed > 0) {
        throw new Exit(EXIT.failed, `${failed} of ${outcomes.length} provisioning(s) failed`);
      }
      const notPruned = (pruned ?? []).filter((p) => p.outcome === 'failed').length;
      if (notPruned > 0) throw new Exit(EXIT.failed, `${notPruned} prune teardown(s) failed`);
    });
  });

program
  .command('plan')
  .description(
    'show what provisioning would change, per resource (read-only); exit 4 when changes are pending',
  )
  .argument('<input>', 'file, directory, or - (as for apply)')
  .option('--apply-set <id>', 'plan the input as apply set <id>')
  .option('--prune', 'also list the sources of the apply set the input no longer names (delete)')
  .option('--delete-dataset', 'with --prune: their datasets would be deleted too')
  .option('--force', 'with --prune: no warning for more than 10 % of the set')
  .action(async (input: string, cmd: SetOptions) => {
    await withRequests(input, async (client, loaded) => {
      const set = asSet(loaded, cmd);
      const items = set?.items ?? loaded;
      const plans: SourcePlan[] = [];
      for (const item of items) plans.push(await client.plan(item.input));
      if (cmd.prune && set) plans.push(...(await planSetPrune(client, set, cmd)));
      out(plans.length === 1 ? plans[0] : plans, () => print.planLines(plans));
      if (plans.some((p) => p.changes)) throw new Exit(EXIT.changesPending);
    });
  });

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

program
  .command('api-key')
  .description(
    'make a new HTTP API key; prints the key once and its API_KEYS (or API_CODEC_KEYS) entry, hash only',
  )
  .requiredOption('--id <id>', 'a name for the key (logged on each request it makes)')
  .option('--sandbox <sandbox...>', 'sandboxes the key may touch')
  .option('--all-sandboxes', 'the key may touch every sandbox')
  .option('--codec', 'a key for the codec endpoint /codec only (Temporal UI and CLI)')
  .option('--read-only', 'scope read: GET and plans, no PUT or DELETE')
  .option('--expires <date>', 'refused from this ISO 8601 date or instant on', instant)
  .action((cmd: ApiKeyOptions) => {
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
  });

type ApiKeyOptions = {
  id: string;
  sandbox?: string[];
  allSandboxes?: boolean;
  codec?: boolean;
  readOnly?: boolean;
  expires?: Date;
};

function instant(v: string): Date {
  const d = new Date(v);
  if (!/^\d{4}-\d\d-\d\d/.test(v) || Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError('must be an ISO 8601 date or instant, e.g. 2026-12-31');
  }
  return d;
}

async function runCli(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    return reportError(err, json());
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
