/** `reconcile`, and what it and `list --drifted` print for people (--json prints the values). */
import type { Command } from 'commander';
import {
  reconcileNow,
  scheduleReconcile,
  type ListedSource,
  type ProvisioningClient,
  type ReconcileSchedule,
} from '../client';
import { InvalidRequestError } from '../request';
import type { ReconcileReport } from '../shared/reconcile';
import { EXIT, Exit } from './exit';

/** What the command takes from cli.ts. */
interface Cli {
  withClient: (fn: (c: ProvisioningClient) => Promise<void>) => Promise<void>;
  out: (value: unknown, human: () => string) => void;
  warnWithoutWorker: (c: ProvisioningClient) => Promise<void>;
  positive: (v: string) => number;
}

interface Options {
  sandbox?: string;
  every?: string;
  once?: boolean;
  repair?: boolean;
  concurrency?: number;
}

export function reconcileCommand(program: Command, cli: Cli): void {
  program
    .command('reconcile')
    .description(
      "plan every source of a sandbox against its last applied request: --every creates or updates the sandbox's schedule, --once runs it now (exit 4 when drift is left)",
    )
    .option('--sandbox <sandbox>', 'sandbox (default: AEP_SANDBOX)')
    .option('--every <interval>', 'run on a schedule, e.g. 15m (at least 1m)')
    .option('--once', 'run now and wait for the report')
    .option('--repair', 'provision each drifted source again')
    .option('--concurrency <n>', 'repairs run at once (default 4)', cli.positive)
    .action(async (cmd: Options) => {
      if (Boolean(cmd.every) === Boolean(cmd.once)) {
        throw new InvalidRequestError(['give one of --every <interval>, --once']);
      }
      await cli.withClient(async (client) => {
        const sandbox = cmd.sandbox ?? client.config.AEP_SANDBOX;
        const opts = { sandbox, repair: cmd.repair, concurrency: cmd.concurrency };
        if (cmd.every) {
          const every = cmd.every;
          const schedule = await scheduleReconcile(client, { ...opts, every }).catch((err) => {
            if (err instanceof RangeError)
              throw new InvalidRequestError([`--every: ${err.message}`]);
            throw err;
          });
          return cli.out(schedule, () => scheduleLines(schedule));
        }
        await cli.warnWithoutWorker(client);
        const { report } = await reconcileNow(client, opts);
        cli.out(report, () => reportLines(report));
        if (report.stillDrifted > 0) throw new Exit(EXIT.changesPending);
      });
    });
}

function reportLines(r: ReconcileReport): string {
  const head = `sandbox ${r.sandbox}: ${r.sources} source(s), ${r.drifted.length} drifted, ${r.stillDrifted} not repaired, ${r.skipped.length} skipped`;
  const drifted = r.drifted.flatMap((d) => {
    const repair =
      d.repair && `, repair ${d.repair.outcome}${d.repair.reason ? ` (${d.repair.reason})` : ''}`;
    return [`  ${d.name}: drifted${repair ?? ''}`, ...d.changes.map((c) => `    ${c}`)];
  });
  const skipped = r.skipped.map((s) => `  ${s.name}: skipped, ${s.reason}`);
  return [head, ...drifted, ...skipped].join('\n');
}

function scheduleLines(s: ReconcileSchedule): string {
  const what = `every ${s.everyMs / 1000}s${s.repair ? ', repairing drift' : ''}`;
  return [
    `schedule ${s.scheduleId} ${s.created ? 'created' : 'updated'}: ${what}`,
    `next run ${s.nextRuns[0] ?? '-'}`,
  ].join('\n');
}

export function driftLines(sources: ListedSource[]): string {
  if (sources.length === 0) return 'no drifted sources';
  return sources
    .flatMap((s) => [
      `${s.sandbox}/${s.name}: drifted (found by ${s.drift?.reconcile.workflowId ?? '?'} at ${s.drift?.reconcile.closeTime ?? '?'})`,
      ...(s.drift?.changes ?? []).map((c) => `  ${c}`),
    ])
    .join('\n');
}
