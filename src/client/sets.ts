import { summarizeFailure, type ProvisioningClient } from '../client';
import { describeRun, executeReadOnly, within, type StartOptions } from '../operations';
import type { FailureSummary } from '../shared/failures';
import type { DeprovisionResult, SourcePlan } from '../shared/model';
import { sourceWorkflowId, WorkflowType } from '../shared/names';
import type { FindApplySet } from '../workflows';

/**
 * Apply sets (`apply --prune`, PUT /v1/sandboxes/{sandbox}/sets/{set}), after kubectl's ApplySet:
 * a source applied as a member of set S carries ` set=S` in its base connection's ownership
 * marker; an apply of S with prune tears down the members of S its input no longer names. The
 * input decides what stays: a source it names is never pruned, whatever AEP's lists show.
 */

/** Share of the set a prune may tear down without `force` (at least one source). */
const PRUNE_SHARE = 0.1;

/**
 * What a prune of a set would tear down; `size`: the set's members found in AEP and the input's;
 * `refused`: more to prune than `limit` (the guard), and no `force`: nothing is torn down.
 */
export type PrunePlan = Awaited<ReturnType<typeof planPrune>>;

export class PruneRefusedError extends Error {
  constructor(readonly plan: PrunePlan) {
    super(
      `apply set ${plan.applySet} in sandbox ${plan.sandbox}: ${plan.prune.length} of ${plan.size} source(s) to prune, more than ${plan.limit} (${PRUNE_SHARE * 100} % of the set, at least 1); nothing was torn down. Check the input, then prune with force`,
    );
    this.name = 'PruneRefusedError';
  }
}

/**
 * The prune of apply set `applySet` for an input naming `keep`: its members (read by a worker,
 * which holds the AEP credentials) not in `keep`; `graphs`: with the resources of each.
 */
export async function planPrune(
  pc: ProvisioningClient,
  opts: { sandbox: string; applySet: string; keep: string[]; force?: boolean; graphs?: boolean },
) {
  const { sandbox, applySet, keep } = opts;
  const found = await executeReadOnly<typeof FindApplySet>(pc, {
    kind: 'set',
    key: { ...pc.place, sandbox, name: applySet },
    args: [{ sandbox, applySet, keep, ...(opts.graphs ? { graphs: true } : {}) }],
    staticSummary: `Find the sources of apply set ${applySet} in sandbox ${sandbox}`,
  });
  const size = new Set([...found.members, ...keep]).size;
  const limit = Math.max(1, Math.floor(size * PRUNE_SHARE));
  const refused = found.prune.length > limit && opts.force !== true;
  return { sandbox, applySet, size, limit, prune: found.prune, refused };
}

/** What the prune did with one source. */
export interface PruneOutcome {
  sandbox: string;
  name: string;
  /** `skipped`: an operation on it runs, or it was provisioned since the apply started. */
  outcome: 'deleted' | 'skipped' | 'failed';
  workflowId: string;
  reason?: string;
  teardown?: DeprovisionResult;
  failure?: FailureSummary;
}

/**
 * Tears down the sources of `plan`, `concurrency` at once (PruneRefusedError if the guard refused
 * it). A source with an operation running, or provisioned since `since` (the apply's start:
 * another apply of the set names it), is skipped: two applies at once never undo each other.
 */
export async function prune(
  pc: ProvisioningClient,
  plan: PrunePlan,
  opts: StartOptions & {
    since: Date;
    deleteDataset?: boolean;
    concurrency?: number;
    onEach?: (o: PruneOutcome) => void;
  },
): Promise<PruneOutcome[]> {
  if (plan.refused) throw new PruneRefusedError(plan);
  const { sandbox } = plan;
  const queue = [...plan.prune];
  const outcomes: PruneOutcome[] = [];
  const one = async (name: string): Promise<PruneOutcome> => {
    const workflowId = sourceWorkflowId({ ...pc.place, sandbox, name });
    const base = { sandbox, name, workflowId };
    try {
      const run = await describeRun(pc, workflowId);
      if (run?.status.name === 'RUNNING') {
        return {
          ...base,
          outcome: 'skipped',
          reason: `an operation on it is running (run ${run.runId})`,
        };
      }
      if (run?.type === WorkflowType.provision && run.startTime >= opts.since) {
        const reason = 'provisioned since this apply started: another apply names it';
        return { ...base, outcome: 'skipped', reason };
      }
      const input = { sandbox, name, ifExists: true, deleteDataset: opts.deleteDataset === true };
      const started = await pc.startDeprovision(input, undefined, opts);
      const teardown = await within(pc, opts, () => started.handle.result());
      return { ...base, outcome: 'deleted', teardown };
    } catch (err) {
      return { ...base, outcome: 'failed', failure: summarizeFailure(err) };
    }
  };
  const workers = Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const o = await one(next.name);
      outcomes.push(o);
      opts.onEach?.(o);
    }
  });
  await Promise.all(workers);
  return outcomes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The plan of a source to prune: each resource deleted, but the dataset unless `deleteDataset`. */
export function prunePlanOf(
  plan: PrunePlan,
  source: PrunePlan['prune'][number],
  deleteDataset: boolean,
): SourcePlan {
  const reason = `not in the input of apply set ${plan.applySet}`;
  const resources: SourcePlan['resources'] = (source.graph?.resources ?? []).map((r) =>
    r.kind === 'dataset' && !deleteDataset
      ? { kind: r.kind, action: 'keep', id: r.id, reason: 'datasets are kept (--delete-dataset)' }
      : { kind: r.kind, action: 'delete', id: r.id, reason },
  );
  if (resources.length === 0)
    resources.push({
      kind: 'baseConnection',
      action: 'delete',
      id: source.baseConnectionId,
      reason,
    });
  for (const k of source.graph?.kept ?? [])
    resources.push({ kind: k.kind, action: 'keep', id: k.id, reason: k.reason ?? 'kept' });
  return {
    sandbox: plan.sandbox,
    name: source.name,
    resources,
    changes: true,
    needsReplace: [],
    replaceSource: false,
    conflicts: [],
    schemaMissing: false,
  };
}
