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
 * `apply --prune` and PUT …/sets/{set}: `apply` (the set's provisionings started and waited for:
 * `failure` on one that failed, `status: 'RUNNING'` on one not done), then the prune, unless one
 * failed or is not done (`notRun`: why); PruneRefusedError when the guard refuses. The prune tears
 * down `concurrency` sources at once, but skips one with an operation running or provisioned since
 * the apply started (another apply of the set names it): two applies never undo each other.
 */
export async function applyAndPrune<A extends { name: string; failure?: unknown; status?: string }>(
  pc: ProvisioningClient,
  opts: Parameters<typeof planPrune>[1] &
    StartOptions & {
      deleteDataset?: boolean;
      concurrency?: number;
      onProgress?: (line: string) => void;
    },
  apply: () => Promise<A[]>,
) {
  const since = new Date();
  const applied = await apply();
  const failed = applied.filter((a) => a.failure !== undefined).length;
  if (failed > 0 || applied.some((a) => a.status === 'RUNNING')) {
    const notRun =
      failed > 0 ? `${failed} provisioning(s) failed` : 'not every source is provisioned yet';
    opts.onProgress?.(`prune skipped: ${notRun}`);
    return { applied, failed, pruned: [], notRun };
  }
  const plan = await planPrune(pc, opts);
  if (plan.refused) throw new PruneRefusedError(plan);
  opts.onProgress?.(
    `apply set ${plan.applySet}: ${plan.prune.length} of ${plan.size} source(s) to prune`,
  );
  const { sandbox } = plan;
  const queue = [...plan.prune];
  const pruned: PruneOutcome[] = [];
  const one = async (name: string): Promise<PruneOutcome> => {
    const workflowId = sourceWorkflowId({ ...pc.place, sandbox, name });
    const base = { sandbox, name, workflowId };
    try {
      const run = await describeRun(pc, workflowId);
      const reason =
        run?.status.name === 'RUNNING'
          ? `an operation on it is running (run ${run.runId})`
          : run?.type === WorkflowType.provision && run.startTime >= since
            ? 'provisioned since this apply started: another apply names it'
            : undefined;
      if (reason) return { ...base, outcome: 'skipped', reason };
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
      pruned.push(o);
      opts.onProgress?.(`  ${o.outcome} ${o.sandbox}/${o.name}${o.reason ? `: ${o.reason}` : ''}`);
    }
  });
  await Promise.all(workers);
  pruned.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { applied, failed, pruned };
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
