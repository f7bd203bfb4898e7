import type { ProvisioningClient } from '../client';
import {
  planPrune,
  prune,
  prunePlanOf,
  PruneRefusedError,
  type PruneOutcome,
  type PrunePlan,
} from '../client/sets';
import { InvalidRequestError } from '../request';
import type { SourcePlan } from '../shared/model';
import { EXIT, Exit } from './exit';
import { cleanMessage, progress } from './output';
import type { Valid } from './requests';

/** `apply --prune` and `plan --prune`: the input as one apply set of one sandbox (client/sets.ts). */

export interface SetOptions {
  prune?: boolean;
  applySet?: string;
  deleteDataset?: boolean;
  force?: boolean;
}

/** An input applied as a set: its sandbox and id, each request naming the set. */
export interface AppliedSet {
  sandbox: string;
  applySet: string;
  items: Valid[];
}

/**
 * The input as a set: `--apply-set`, else the one `applySet` its requests name; with `--prune`
 * every request must be of one sandbox and one set. Undefined without either option. The id is
 * never derived (from a directory's name, say): it decides what a prune tears down, and two
 * inputs that happen to share a derived id in one sandbox would prune each other's sources.
 */
export function asSet(items: Valid[], opts: SetOptions): AppliedSet | undefined {
  if (!opts.prune && opts.applySet === undefined) return undefined;
  const named = new Set(items.flatMap((i) => i.request.applySet ?? []));
  const applySet = opts.applySet ?? (named.size === 1 ? [...named][0] : undefined);
  const sandboxes = [...new Set(items.map((i) => i.request.sandbox))];
  const problems: string[] = [];
  if (applySet === undefined)
    problems.push(
      '--prune needs --apply-set <id>, or one applySet that the requests name: the id decides what is torn down, so it is never guessed',
    );
  for (const i of items) {
    const s = i.request.applySet;
    if (applySet !== undefined && s !== undefined && s !== applySet)
      problems.push(`${i.origin}: applySet ${s} is not the set applied (${applySet})`);
  }
  if (opts.prune && sandboxes.length > 1)
    problems.push(
      `--prune: an apply set is of one sandbox; the input names ${sandboxes.join(', ')}`,
    );
  if (problems.length > 0) throw new InvalidRequestError(problems);
  const set = applySet!;
  const withSet = items.map((i) => ({
    ...i,
    input: { ...(i.input as object), applySet: set },
    request: { ...i.request, applySet: set },
  }));
  return { sandbox: sandboxes[0]!, applySet: set, items: withSet };
}

/** The plan of the set's prune (with each source's resources), the guard's verdict on stderr. */
export async function planSetPrune(
  client: ProvisioningClient,
  set: AppliedSet,
  opts: SetOptions,
): Promise<SourcePlan[]> {
  const plan = await planPrune(client, { ...setKey(set), force: opts.force, graphs: true });
  if (plan.refused) progress(`warning: ${new PruneRefusedError(plan).message}`);
  return plan.prune.map((p) => prunePlanOf(plan, p, opts.deleteDataset === true));
}

/**
 * After the apply: the prune, unless a provisioning failed (nothing is torn down then). Exit 1
 * when the guard refuses or a teardown fails.
 */
export async function pruneAfterApply(
  client: ProvisioningClient,
  set: AppliedSet,
  opts: SetOptions & { since: Date; concurrency: number; failed: number },
): Promise<{ plan?: PrunePlan; pruned: PruneOutcome[] }> {
  if (opts.failed > 0) {
    progress(`prune skipped: ${opts.failed} provisioning(s) of the set failed`);
    return { pruned: [] };
  }
  const plan = await planPrune(client, { ...setKey(set), force: opts.force });
  if (plan.refused) {
    const message = new PruneRefusedError(plan).message;
    throw new Exit(EXIT.failed, `prune refused: ${message}`, { error: 'PruneRefused', message });
  }
  progress(`apply set ${set.applySet}: ${plan.prune.length} of ${plan.size} source(s) to prune`);
  const pruned = await prune(client, plan, {
    since: opts.since,
    deleteDataset: opts.deleteDataset,
    concurrency: opts.concurrency,
    onEach: (o) =>
      progress(`  ${o.outcome} ${o.sandbox}/${o.name}${o.reason ? `: ${o.reason}` : ''}`),
  });
  return { plan, pruned };
}

const setKey = (set: AppliedSet) => ({
  sandbox: set.sandbox,
  applySet: set.applySet,
  keep: set.items.map((i) => i.request.name),
});

/** The rows of the prune, one per source, and a count of each outcome. */
export function pruneLines(pruned: PruneOutcome[]): string {
  if (pruned.length === 0) return 'pruned: none';
  const rows = pruned.map((p) => {
    const detail = p.failure
      ? `${p.failure.type} (${p.failure.rootType}): ${cleanMessage(p.failure.message)}`
      : (p.reason ??
        `deleted ${p.teardown?.deleted.length ?? 0}, kept ${p.teardown?.kept.map((k) => `${k.kind} ${k.id}`).join(', ') || '-'}`);
    return `${p.name}  ${p.sandbox}  pruned: ${p.outcome}  ${detail}`;
  });
  const count = (k: PruneOutcome['outcome']) => pruned.filter((p) => p.outcome === k).length;
  return [
    ...rows,
    `${pruned.length} pruned source(s): ${count('deleted')} deleted, ${count('skipped')} skipped, ${count('failed')} failed`,
  ].join('\n');
}
