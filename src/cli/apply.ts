import { WorkflowFailedError } from '@temporalio/client';
import { Listr } from 'listr2';
import { summarizeFailure, type ProvisioningClient } from '../client';
import { cleanMessage } from './output';
import type { Valid } from './requests';

/** `apply`: many provisionings at once (listr2 on stderr), one outcome per request. */

/** Default of `apply --concurrency`: AEP's Flow Service allows a few calls per second per org. */
export const DEFAULT_APPLY_CONCURRENCY = 4;

interface ApplyOutcome {
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

export async function applyAll(
  client: ProvisioningClient,
  items: Valid[],
  concurrency: number,
  json: boolean,
): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  const tasks = new Listr(
    items.map((item, i) => ({
      title: `${item.request.sandbox}/${item.request.name}`,
      task: (_ctx: unknown, task: TaskLines) =>
        applyOne(client, item, task, (outcome) => (outcomes[i] = outcome)),
    })),
    {
      concurrent: concurrency,
      exitOnError: false,
      renderer: process.stderr.isTTY && !json ? 'default' : 'simple',
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
  return outcomes;
}

type TaskLines = { title: string; output: string };

/** One request, started (or attached to) and followed; its outcome goes to `record`. */
async function applyOne(
  client: ProvisioningClient,
  item: Valid,
  task: TaskLines,
  record: (outcome: ApplyOutcome) => void,
): Promise<void> {
  const { sandbox, name } = item.request;
  const base = { sandbox, name, origin: item.origin, workflowId: '' };
  try {
    const started = await client.startProvision(item.input);
    base.workflowId = started.workflowId;
    task.output = started.started ? 'started' : 'attached to the running provisioning';
    const { created, reused, flowId, inletUrl } = await client.follow(started.handle, (step) => {
      task.output = step;
    });
    const outcome = created.length === 0 ? 'unchanged' : 'created';
    record({ ...base, outcome, created, reused, flowId, inletUrl });
    task.title = `${task.title}: ${outcome === 'unchanged' ? 'unchanged (nothing created)' : `created ${created.join(', ')}`}`;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const f =
      err instanceof WorkflowFailedError
        ? summarizeFailure(err)
        : { type: 'Error', rootType: 'Error', message };
    const failure = { type: f.type, rootType: f.rootType, message: cleanMessage(f.message) };
    record({ ...base, outcome: 'failed', created: [], reused: [], failure });
    throw new Error(`${failure.type} (${failure.rootType}): ${failure.message}`, { cause: err });
  }
}

/** The rows `apply` prints, one per request, and a count of each outcome. */
export function summaryTable(outcomes: ApplyOutcome[]): string {
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
