#!/usr/bin/env node
import { WorkflowNotFoundError } from '@temporalio/client';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ProvisioningClient, reconcileNow, scheduleReconcile } from './client';
import { parseClientConfig, servedOrg } from './config';
import { InvalidRequestError } from './request';
import type { SourcePlan } from './shared/model';
import type { ReconcileInput } from './shared/reconcile';
import {
  applyAll,
  asSet,
  loadRequests,
  planSetPrune,
  readRequest,
  type SetOptions,
} from './cli/apply';
import { applyAndPrune } from './client/sets';
import { EXIT, Exit, reportError } from './cli/exit';
import { apiKey, instant, type ApiKeyOptions } from './cli/api-key';
import * as print from './cli/output';

/**
 * aep-stream: provision, inspect and tear down HTTP API streaming sources through Temporal.
 * The result goes to stdout (JSON with --json), progress to stderr; exit codes in cli/exit.ts.
 */
const program = new Command('aep-stream')
  .description('Durable provisioning of Adobe Experience Platform HTTP API streaming sources')
  .option('--json', 'print the result as JSON on stdout')
  .option('--org <id>', 'the IMS org of the command (default: AEP_ORG_ID; others: AEP_ORGS_FILE)')
  .exitOverride();

const globals = () => program.opts<{ json?: boolean; org?: string }>();

/** The result on stdout: JSON with --json, otherwise the human lines. */
function out(value: unknown, human: () => string): void {
  process.stdout.write(`${globals().json ? JSON.stringify(value) : human()}\n`);
}

/** A command's connection to Temporal (for --org's org): opened for it, closed after it. */
async function withClient(
  fn: (c: ProvisioningClient) => Promise<void>,
  config = parseClientConfig(),
) {
  const client = await ProvisioningClient.connect(config);
  try {
    await fn(client.forOrg(globals().org));
  } finally {
    await client.close();
  }
}

/** An action run with a client (its first argument). */
const connected =
  <A extends unknown[]>(fn: (client: ProvisioningClient, ...args: A) => Promise<void>) =>
  (...args: A) =>
    withClient((client) => fn(client, ...args));

/** After a start: the no-worker warning, then the run's ids (--no-wait) or its result. */
async function settle<R>(
  client: ProvisioningClient,
  wait: boolean,
  ids: { workflowId: string; runId: string; started?: boolean },
  result: () => Promise<R>,
  lines: (r: R) => string,
) {
  await print.warnWithoutWorker(client);
  if (!wait) return out(ids, () => ids.workflowId);
  const value = await result();
  out(value, () => lines(value));
}

/** The requests of `input` (apply, plan), validated before the client connects. */
async function withRequests(
  input: string,
  fn: (client: ProvisioningClient, items: ReturnType<typeof loadRequests>) => Promise<void>,
): Promise<void> {
  const config = parseClientConfig();
  const { imsOrg, sandbox } = servedOrg(config, globals().org);
  const items = loadRequests(input, { imsOrg, sandbox });
  await withClient(async (client) => {
    await print.warnWithoutWorker(client);
    await fn(client, items);
  }, config);
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const SANDBOX = ['--sandbox <sandbox>', 'sandbox (default: AEP_SANDBOX)'] as const;
const NO_WAIT = ['--no-wait', 'return once the workflow has started'] as const;

program
  .command('provision')
  .description('provision a source from a request file (JSON), or - for stdin')
  .argument('<file>', 'request file, or - to read stdin')
  .option(...NO_WAIT)
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
  .option(...SANDBOX)
  .action(
    connected(async (client, name: string, cmd: { sandbox?: string }) => {
      const sandbox = cmd.sandbox ?? client.config.AEP_SANDBOX;
      const status = await client.status(name, sandbox).catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        const message = `no such source: "${name}" has never been provisioned in sandbox ${sandbox}`;
        throw new Exit(EXIT.notFound, message, { error: 'SourceNotFound', message });
      });
      out(status, () => print.statusLines(status));
    }),
  );

program
  .command('list')
  .description('list every source: its state, last operation, drift and inlet URL')
  .option('--sandbox <sandbox>', 'only this sandbox (default: every sandbox)')
  .option('--drifted', 'only the sources the last reconcile of their sandbox left drifted')
  .action(
    connected(async (client, cmd: { sandbox?: string; drifted?: boolean }) => {
      const sources = await client.list(cmd);
      out(sources, () => (cmd.drifted ? print.driftLines : print.listLines)(sources));
    }),
  );

program
  .command('reconcile')
  .description(
    "plan every source of a sandbox against its last applied request: --every creates or updates the sandbox's schedule, --once runs it now (exit 4 when drift is left)",
  )
  .option(...SANDBOX)
  .option('--every <interval>', 'run on a schedule, e.g. 15m (at least 1m)')
  .option('--once', 'run now and wait for the report')
  .option('--repair', 'provision each drifted source again')
  .option('--concurrency <n>', 'repairs run at once (default 4)', positive)
  .action(async (cmd: Partial<ReconcileInput> & { every?: string; once?: boolean }) => {
    if (Boolean(cmd.every) === Boolean(cmd.once)) {
      throw new InvalidRequestError(['give one of --every <interval>, --once']);
    }
    await withClient(async (client) => {
      const sandbox = cmd.sandbox ?? client.config.AEP_SANDBOX;
      const opts = { sandbox, repair: cmd.repair, concurrency: cmd.concurrency };
      if (cmd.every) {
        const every = cmd.every;
        const schedule = await scheduleReconcile(client, { ...opts, every }).catch((err) => {
          if (err instanceof RangeError) throw new InvalidRequestError([`--every: ${err.message}`]);
          throw err;
        });
        return out(schedule, () => print.scheduleLines(schedule));
      }
      await print.warnWithoutWorker(client);
      const { report } = await reconcileNow(client, opts);
      out(report, () => print.reportLines(report));
      if (report.stillDrifted > 0) throw new Exit(EXIT.changesPending);
    });
  });

program
  .command('deprovision')
  .description('tear down a source created by this tool (by name, or by --flow-id)')
  .argument('[name]', 'source name')
  .option('--flow-id <id>', 'find the source from its dataflow id instead of its name')
  .option(...SANDBOX)
  .option(
    '--delete-dataset',
    'also delete the dataset this tool created, and its data, if no other source writes to it',
  )
  .option(...NO_WAIT)
  .action(
    connected(
      async (client, name: string | undefined, cmd: DeprovisionOptions & { wait: boolean }) => {
        const { flowId, sandbox, deleteDataset } = cmd;
        const input = { name, flowId, sandbox, deleteDataset };
        const { workflowId, runId, handle } = await client.startDeprovision(input);
        print.progress(`workflow ${workflowId} (run ${runId})`);
        const result = () => handle.result();
        await settle(client, cmd.wait, { workflowId, runId }, result, print.teardownLines);
      },
    ),
  );

type DeprovisionOptions = { flowId?: string; sandbox?: string; deleteDataset?: boolean };

program
  .command('apply')
  .description(
    'provision many sources from YAML or JSON files (a file, a directory, or - for stdin); validates all before starting any',
  )
  .argument(
    '<input>',
    'file (.yaml, .yml, .json; one request, a list, or several documents), directory, or -',
  )
  // AEP's Flow Service allows a few calls per second per org.
  .option('--concurrency <n>', 'provisionings run at once', positive, 4)
  .option('--apply-set <id>', 'apply the input as apply set <id> (marked on each source)')
  .option('--prune', 'tear down the sources of the apply set the input no longer names')
  .option('--delete-dataset', 'with --prune: also delete the datasets of the pruned sources')
  .option('--force', 'with --prune: prune more than 10 % of the set')
  .action(async (input: string, cmd: SetOptions & { concurrency: number }) => {
    await withRequests(input, async (client, loaded) => {
      const set = asSet(loaded, cmd);
      const json = !!globals().json;
      const run = () => applyAll(client, set?.items ?? loaded, cmd.concurrency, json);
      const { applied: outcomes, pruned } =
        cmd.prune && set
          ? await applyAndPrune(client, { ...cmd, ...set, onProgress: print.progress }, run)
          : { applied: await run() };
      const failed = outcomes.filter((o) => o.outcome === 'failed').length;
      const table = () => print.summaryTable(outcomes);
      if (!pruned) out(outcomes, table);
      else out({ applied: outcomes, pruned }, () => `${table()}\n\n${print.pruneLines(pruned)}`);
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
      const plans: SourcePlan[] = [];
      for (const item of set?.items ?? loaded) plans.push(await client.plan(item.input));
      if (cmd.prune && set) plans.push(...(await planSetPrune(client, set, cmd)));
      out(plans.length === 1 ? plans[0] : plans, () => print.planLines(plans));
      if (plans.some((p) => p.changes)) throw new Exit(EXIT.changesPending);
    });
  });

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
  .action((cmd: ApiKeyOptions) => apiKey(cmd, out));

async function runCli(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    return reportError(err, globals().json);
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
