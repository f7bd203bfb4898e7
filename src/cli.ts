#!/usr/bin/env node
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { Listr } from 'listr2';
import { parseAllDocuments } from 'yaml';
import { newApiKey } from './api/auth';
import { RequestConflictError, summarizeFailure, ProvisioningClient } from './client';
import { ConfigError, parseClientConfig } from './config';
import { noWorkerMessage, workflowPollers } from './connection';
import { InvalidRequestError, parseProvisionRequest, type ProvisionRequest } from './request';
import { formatPlan, type SourcePlan } from './shared/plan';
import type { ProvisionResult } from './shared/results';

/**
 * aep-stream: provision, inspect and tear down HTTP API streaming sources through Temporal.
 * The result goes to stdout (JSON with --json), progress to stderr. Exit codes: 0 success,
 * 1 the workflow failed (its failure type is printed; apply: any request failed), 2 invalid input
 * or configuration, 3 Temporal could not be reached or another unexpected error, 4 no such source.
 */

/** 4: `plan` found changes pending (0: none). 5: no such source. */
export const EXIT = {
  ok: 0,
  failed: 1,
  invalid: 2,
  unexpected: 3,
  changesPending: 4,
  notFound: 5,
} as const;

/** Default of `apply --concurrency`: AEP's Flow Service allows a few calls per second per org. */
export const DEFAULT_APPLY_CONCURRENCY = 4;

class NoSuchSourceError extends Error {
  constructor(name: string, sandbox: string) {
    super(`no such source: "${name}" has never been provisioned in sandbox ${sandbox}`);
    this.name = 'NoSuchSourceError';
  }
}

/** One sentence, one final period: messages built from causes that end in "." end cleanly. */
export function cleanMessage(message: string): string {
  return message
    .replace(/\s+/g, ' ')
    .replace(/(?<!\.)\.\s*\.(?!\.)/g, '.')
    .trim();
}

/** Warns on stderr at once when no worker polls the task queue (the run would wait forever). */
async function warnWithoutWorker(client: ProvisioningClient): Promise<void> {
  try {
    if ((await workflowPollers(client.client, client.config.TEMPORAL_TASK_QUEUE)) === 0) {
      process.stderr.write(`warning: ${noWorkerMessage(client.config)}\n`);
    }
  } catch {
    // The start itself reports an unreachable Temporal.
  }
}

interface GlobalOptions {
  json?: boolean;
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
        const sandbox = cmd.sandbox ?? client.config.AEP_SANDBOX;
        const status = await client.status(name, sandbox).catch((err: unknown) => {
          throw err instanceof WorkflowNotFoundError ? new NoSuchSourceError(name, sandbox) : err;
        });
        out(opts, status, () =>
          [
            `workflow   ${status.workflowId} (${status.execution})`,
            status.progress ? `step       ${status.progress.status}: ${status.progress.step}` : '',
            status.result
              ? `inletUrl   ${status.result.inletUrl}\nflowId     ${status.result.flowId}`
              : '',
            status.failure
              ? `failure    ${status.failure.type} (${status.failure.rootType}): ${cleanMessage(status.failure.message)}`
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
          out(opts, result, () =>
            [
              `deleted    ${result.deleted.map((d) => `${d.kind} ${d.id}`).join(', ') || '-'}`,
              `kept       ${result.kept.map((d) => `${d.kind} ${d.id}`).join(', ') || '-'}`,
            ].join('\n'),
          );
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
    .addOption(
      new Option('--concurrency <n>', 'provisionings run at once')
        .default(DEFAULT_APPLY_CONCURRENCY)
        .argParser(positive),
    )
    .action(async (input: string, cmd: { concurrency: number }) => {
      const opts = program.opts<GlobalOptions>();
      const config = parseClientConfig();
      const items = validateAll(loadRequests(input), config.AEP_SANDBOX);
      await withClient(async (client) => {
        await warnWithoutWorker(client);
        const outcomes = await applyAll(client, items, cmd.concurrency, Boolean(opts.json));
        const failed = outcomes.filter((o) => o.outcome === 'failed').length;
        out(opts, outcomes, () => summaryTable(outcomes));
        if (failed > 0) throw new ApplyFailed(failed, outcomes.length);
      });
    });

  program
    .command('plan')
    .description(
      'show what provisioning would change, per resource (read-only); exit 4 when changes are pending',
    )
    .argument('<input>', 'file, directory, or - (as for apply)')
    .action(async (input: string) => {
      const opts = program.opts<GlobalOptions>();
      const config = parseClientConfig();
      const items = validateAll(loadRequests(input), config.AEP_SANDBOX);
      await withClient(async (client) => {
        await warnWithoutWorker(client);
        const plans: SourcePlan[] = [];
        for (const item of items) plans.push(await client.plan(item.input));
        out(opts, plans.length === 1 ? plans[0] : plans, () =>
          plans
            .map((p) =>
              [`${p.sandbox}/${p.name}: ${p.changes ? 'changes pending' : 'no change'}`]
                .concat(formatPlan(p).map((l) => `  ${l}`))
                .join('\n'),
            )
            .join('\n\n'),
        );
        if (plans.some((p) => p.changes)) throw new ChangesPending();
      });
    });

  program
    .command('api-key')
    .description('make a new HTTP API key; prints the key once and its API_KEYS entry (hash only)')
    .requiredOption('--id <id>', 'a name for the key (logged on each request it makes)')
    .option('--sandbox <sandbox...>', 'sandboxes the key may touch')
    .option('--all-sandboxes', 'the key may touch every sandbox')
    .action((cmd: { id: string; sandbox?: string[]; allSandboxes?: boolean }) => {
      const opts = program.opts<GlobalOptions>();
      if (!cmd.allSandboxes && !cmd.sandbox?.length) {
        throw new InvalidRequestError(['give --sandbox <sandbox...> or --all-sandboxes']);
      }
      const { key, entry } = newApiKey(cmd.id, cmd.allSandboxes ? '*' : cmd.sandbox!);
      out(opts, { key, entry }, () =>
        [
          `key         ${key}`,
          `API_KEYS    ${entry}`,
          '',
          'Give the key to the caller (it is shown once); add the entry to API_KEYS (entries are separated by ;).',
        ].join('\n'),
      );
    });

  return program;
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

// --- apply ---

interface Loaded {
  origin: string;
  input: unknown;
}

const REQUEST_FILE = /\.(ya?ml|json)$/i;

/** Requests from a file, a directory of files, or stdin: YAML or JSON, one, a list, or many docs. */
export function loadRequests(arg: string): { items: Loaded[]; problems: string[] } {
  const problems: string[] = [];
  const items: Loaded[] = [];
  const files: Array<{ origin: string; text: string }> = [];
  if (arg === '-') files.push({ origin: 'stdin', text: readFileSync(0, 'utf8') });
  else {
    const stat = statSync(arg, { throwIfNoEntry: false });
    if (!stat) throw new InvalidRequestError([`${arg}: no such file or directory`]);
    const isDir = stat.isDirectory();
    const paths = isDir
      ? readdirSync(arg)
          .filter((f) => REQUEST_FILE.test(f))
          .sort()
          .map((f) => path.join(arg, f))
      : [arg];
    if (paths.length === 0) problems.push(`${arg}: no .yaml, .yml or .json file`);
    for (const p of paths) files.push({ origin: p, text: readFileSync(p, 'utf8') });
  }
  for (const { origin, text } of files) {
    const docs = parseAllDocuments(text);
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, d) => {
      const where = list.length > 1 ? `${origin}#${d + 1}` : origin;
      if (doc.errors.length > 0) {
        for (const e of doc.errors)
          problems.push(`${where}: ${cleanMessage(e.message.split('\n')[0]!)}`);
        return;
      }
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) return;
      if (Array.isArray(value)) {
        value.forEach((v, i) => items.push({ origin: `${where}[${i}]`, input: v }));
      } else items.push({ origin: where, input: value });
    });
  }
  if (items.length === 0 && problems.length === 0) problems.push(`${arg}: no request found`);
  return { items, problems };
}

interface Valid extends Loaded {
  request: ProvisionRequest;
}

/** Every bad field of every request, and sources named twice, before anything starts. */
export function validateAll(
  loaded: { items: Loaded[]; problems: string[] },
  defaultSandbox: string,
): Valid[] {
  const { items } = loaded;
  const problems: string[] = [...loaded.problems];
  const valid: Valid[] = [];
  const seen = new Map<string, string>();
  for (const item of items) {
    const label = describeItem(item);
    try {
      const request = parseProvisionRequest(item.input, defaultSandbox);
      const key = `${request.sandbox}/${request.name}`;
      const first = seen.get(key);
      if (first) problems.push(`${label}: source ${key} is also requested by ${first}`);
      else seen.set(key, item.origin);
      valid.push({ ...item, request });
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      for (const p of err.problems) problems.push(`${label}: ${p}`);
    }
  }
  if (problems.length > 0) throw new InvalidRequestError(problems);
  return valid;
}

function describeItem(item: Loaded): string {
  const name =
    item.input && typeof item.input === 'object' && 'name' in item.input
      ? item.input.name
      : undefined;
  return typeof name === 'string' ? `${item.origin} (${name})` : item.origin;
}

export interface ApplyOutcome {
  sandbox: string;
  name: string;
  origin: string;
  outcome: 'created' | 'unchanged' | 'updated' | 'failed';
  created: string[];
  reused: string[];
  workflowId: string;
  flowId?: string;
  inletUrl?: string;
  failure?: { type: string; rootType: string; message: string };
}

async function applyAll(
  client: ProvisioningClient,
  items: Valid[],
  concurrency: number,
  json: boolean,
): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  const tty = Boolean(process.stderr.isTTY) && !json;
  const tasks = new Listr(
    items.map((item) => ({
      title: `${item.request.sandbox}/${item.request.name}`,
      task: async (_ctx: unknown, task: { title: string; output: string }) => {
        const base: Omit<ApplyOutcome, 'outcome' | 'created' | 'reused'> = {
          sandbox: item.request.sandbox,
          name: item.request.name,
          origin: item.origin,
          workflowId: '',
        };
        try {
          const started = await client.startProvision(item.input);
          base.workflowId = started.workflowId;
          task.output = started.started ? 'started' : 'attached to the running provisioning';
          const result: ProvisionResult = await client.follow(started.handle, (step) => {
            task.output = step;
          });
          const outcome = result.created.length === 0 ? 'unchanged' : 'created';
          outcomes.push({
            ...base,
            outcome,
            created: result.created,
            reused: result.reused,
            flowId: result.flowId,
            inletUrl: result.inletUrl,
          });
          task.title = `${task.title}: ${outcome === 'unchanged' ? 'unchanged (nothing created)' : `created ${result.created.join(', ')}`}`;
        } catch (err) {
          const f =
            err instanceof WorkflowFailedError
              ? summarizeFailure(err)
              : { type: 'Error', rootType: 'Error', message: errorText(err) };
          const failure = { type: f.type, rootType: f.rootType, message: cleanMessage(f.message) };
          outcomes.push({ ...base, outcome: 'failed', created: [], reused: [], failure });
          throw new Error(`${failure.type} (${failure.rootType}): ${failure.message}`, {
            cause: err,
          });
        }
      },
    })),
    {
      concurrent: concurrency,
      exitOnError: false,
      renderer: tty ? 'default' : 'simple',
      fallbackRenderer: 'simple',
      rendererOptions: { collapseErrors: false },
    },
  );
  const origWrite = process.stdout.write.bind(process.stdout);
  // listr2 writes to stdout; send its lines to stderr so stdout stays the summary alone.
  process.stdout.write = process.stderr.write.bind(process.stderr);
  try {
    await tasks.run();
  } finally {
    process.stdout.write = origWrite;
  }
  const order = new Map(items.map((it, i) => [it.origin, i]));
  return outcomes.sort((a, b) => order.get(a.origin)! - order.get(b.origin)!);
}

function summaryTable(outcomes: ApplyOutcome[]): string {
  const rows = [
    ['SOURCE', 'SANDBOX', 'OUTCOME', 'CREATED', 'DETAIL'],
    ...outcomes.map((o) => [
      o.name,
      o.sandbox,
      o.outcome,
      String(o.created.length),
      o.failure ? `${o.failure.type} (${o.failure.rootType})` : (o.inletUrl ?? ''),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
  const count = (k: ApplyOutcome['outcome']) => outcomes.filter((o) => o.outcome === k).length;
  lines.push(
    '',
    `${outcomes.length} source(s): ${count('created')} created, ${count('unchanged')} unchanged, ${count('failed')} failed`,
  );
  return lines.join('\n');
}

/** `plan` found changes: exit code 4, not an error. */
class ChangesPending extends Error {
  constructor() {
    super('changes pending');
    this.name = 'ChangesPending';
  }
}

class ApplyFailed extends Error {
  constructor(
    readonly failed: number,
    readonly total: number,
  ) {
    super(`${failed} of ${total} provisioning(s) failed`);
    this.name = 'ApplyFailed';
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
}

/** The SDK reads an encrypted payload without the codec as an unknown encoding: say why. */
function encryptedHint(message: string): string {
  return /Unknown encoding: binary\/encrypted/.test(message)
    ? ' (the payloads are encrypted: set PAYLOAD_ENCRYPTION_KEYS to the keys the worker has, docs/encryption.md)'
    : '';
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
