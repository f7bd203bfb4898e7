import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseClientConfig } from '../config';
import type { SourcePlan } from '../shared/plan';
import { applyAll, DEFAULT_APPLY_CONCURRENCY, summaryTable } from './apply';
import { ApplyFailed, ChangesPending } from './exit';
import { globalOptions, out, planLines } from './output';
import { loadRequests, validateAll } from './requests';
import { warnWithoutWorker, withClient } from './session';

/** Many requests (files, a directory, stdin), all validated first: `apply`, `plan`. */
export function addBatchCommands(program: Command): void {
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
      const opts = globalOptions(program);
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
      const opts = globalOptions(program);
      const config = parseClientConfig();
      const items = validateAll(loadRequests(input), config.AEP_SANDBOX);
      await withClient(async (client) => {
        await warnWithoutWorker(client);
        const plans: SourcePlan[] = [];
        for (const item of items) plans.push(await client.plan(item.input));
        out(opts, plans.length === 1 ? plans[0] : plans, () => planLines(plans));
        if (plans.some((p) => p.changes)) throw new ChangesPending();
      });
    });
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}
