import type { ListedSource, ProvisioningClient, ReconcileSchedule, SourceStatus } from '../client';
import type { PruneOutcome } from '../client/sets';
import type { ReconcileReport } from '../shared/reconcile';
import {
  formatPlan,
  type DeprovisionResult,
  type FlowHealth,
  type ProvisionResult,
  type SourcePlan,
} from '../shared/model';
import type { ApplyOutcome } from './apply';

/** What the CLI prints besides JSON: the human lines of each result, progress on stderr. */

export const progress = (line: string) => process.stderr.write(`${line}\n`);

/** Warns on stderr at once when no worker polls the task queue (the run would wait forever). */
export async function warnWithoutWorker(client: ProvisioningClient): Promise<void> {
  // An unreachable Temporal is reported by the start itself.
  if (!(await client.workerless())) return;
  const { TEMPORAL_TASK_QUEUE: queue, TEMPORAL_NAMESPACE: ns, TEMPORAL_ADDRESS } = client.config;
  progress(
    `warning: no worker is polling task queue "${queue}" in namespace "${ns}" at ${TEMPORAL_ADDRESS}: the workflow waits until one does. Start one with \`npm run worker\` (same TEMPORAL_* settings and AEP credentials), or check TEMPORAL_TASK_QUEUE.`,
  );
}

/** One sentence, one final period: messages built from causes that end in "." end cleanly. */
export function cleanMessage(message: string): string {
  return message
    .replace(/\s+/g, ' ')
    .replace(/(?<!\.)\.\s*\.(?!\.)/g, '.')
    .trim();
}

const lines = (...ls: Array<string | false | undefined>) => ls.filter(Boolean).join('\n');
const failureOf = (f: { type: string; rootType: string; message: string }) =>
  `${f.type} (${f.rootType}): ${cleanMessage(f.message)}`;
const ids = (rs: Array<{ kind: string; id: string }>) =>
  rs.map((r) => `${r.kind} ${r.id}`).join(', ') || '-';

/** Columns padded to their widest cell, two spaces apart. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
}

/** `n source(s): 1 created, …`: how many of `items` have each outcome. */
function counts<O extends string>(items: Array<{ outcome: O }>, what: string, kinds: O[]) {
  const each = kinds.map((k) => `${items.filter((i) => i.outcome === k).length} ${k}`);
  return `${items.length} ${what}: ${each.join(', ')}`;
}

export function provisionLines(result: ProvisionResult): string {
  return lines(
    `inletUrl   ${result.inletUrl}`,
    `flowId     ${result.flowId}`,
    `datasetId  ${result.datasetId}`,
    `created    ${result.created.join(', ') || '-'}`,
    `reused     ${result.reused.join(', ') || '-'}`,
  );
}

export function statusLines(status: SourceStatus): string {
  return lines(
    `workflow   ${status.workflowId} (${status.execution})`,
    status.progress && `step       ${status.progress.status}: ${status.progress.step}`,
    status.result && `inletUrl   ${status.result.inletUrl}\nflowId     ${status.result.flowId}`,
    status.failure && `failure    ${failureOf(status.failure)}`,
    status.health && healthLines(status.health),
  );
}

/** The flow's recent runs: totals, the last error, one line per run (newest first). */
function healthLines(h: FlowHealth): string {
  if (!h.available) return `runs       unavailable: ${cleanMessage(h.reason ?? 'unknown')}`;
  if (h.runs.length === 0) return 'runs       none yet';
  const counted = (r: { received?: number; ingested?: number; failed?: number }) =>
    `${r.received ?? 0} received, ${r.ingested ?? 0} ingested, ${r.failed ?? 0} failed`;
  const e = h.lastError;
  return lines(
    `runs       ${h.runs.length} recent: ${counted(h)}`,
    e && `lastError  ${e.code ? `${e.code}: ` : ''}${cleanMessage(e.message)} (run ${e.runId})`,
    ...h.runs.map(
      (r) => `  ${r.startedAt ?? '-'}  ${(r.status ?? '-').padEnd(9)} ${counted(r)}  ${r.id}`,
    ),
  );
}

/** One line per source: place, state, last operation, drift (`-`: none found), inlet URL. */
export function listLines(sources: ListedSource[]): string {
  if (sources.length === 0) return 'no sources';
  const head = ['SANDBOX', 'SOURCE', 'STATE', 'LAST OPERATION', 'DRIFT', 'INLET URL'];
  const rows = sources.map(({ lastOperation: op, ...s }) => [
    s.sandbox,
    s.name,
    s.state,
    `${op.operation} ${op.status ?? op.execution} ${op.closeTime ?? op.startTime}`,
    s.drift ? `drifted (${s.drift.changes.length} change(s))` : '-',
    s.inletUrl ?? '-',
  ]);
  return table([head, ...rows]).join('\n');
}

/** `list --drifted`: each drifted source, the reconcile that found it, its changes. */
export function driftLines(sources: ListedSource[]): string {
  if (sources.length === 0) return 'no drifted sources';
  return lines(
    ...sources.flatMap((s) => [
      `${s.sandbox}/${s.name}: drifted (found by ${s.drift?.reconcile.workflowId ?? '?'} at ${s.drift?.reconcile.closeTime ?? '?'})`,
      ...(s.drift?.changes ?? []).map((c) => `  ${c}`),
    ]),
  );
}

export function teardownLines(result: DeprovisionResult): string {
  return `deleted    ${ids(result.deleted)}\nkept       ${ids(result.kept)}`;
}

export function planLines(plans: SourcePlan[]): string {
  return plans
    .map((p) =>
      lines(
        `${p.sandbox}/${p.name}: ${p.changes ? 'changes pending' : 'no change'}`,
        ...formatPlan(p).map((l) => `  ${l}`),
      ),
    )
    .join('\n\n');
}

/** The rows `apply` prints, one per request, and a count of each outcome. */
export function summaryTable(outcomes: ApplyOutcome[]): string {
  const rows = outcomes.map((o) => [
    o.name,
    o.sandbox,
    o.outcome,
    String(o.created.length),
    o.failure ? `${o.failure.type} (${o.failure.rootType})` : (o.inletUrl ?? ''),
  ]);
  return lines(
    ...table([['SOURCE', 'SANDBOX', 'OUTCOME', 'CREATED', 'DETAIL'], ...rows]),
    '\n' + counts(outcomes, 'source(s)', ['created', 'unchanged', 'failed']),
  );
}

/** The rows of the prune, one per source, and a count of each outcome. */
export function pruneLines(pruned: PruneOutcome[]): string {
  if (pruned.length === 0) return 'pruned: none';
  const rows = pruned.map((p) => {
    const detail = p.failure
      ? failureOf(p.failure)
      : (p.reason ??
        `deleted ${p.teardown?.deleted.length ?? 0}, kept ${ids(p.teardown?.kept ?? [])}`);
    return `${p.name}  ${p.sandbox}  pruned: ${p.outcome}  ${detail}`;
  });
  return lines(...rows, counts(pruned, 'pruned source(s)', ['deleted', 'skipped', 'failed']));
}

export function reportLines(r: ReconcileReport): string {
  return lines(
    `sandbox ${r.sandbox}: ${r.sources} source(s), ${r.drifted.length} drifted, ${r.stillDrifted} not repaired, ${r.skipped.length} skipped`,
    ...r.drifted.flatMap((d) => [
      `  ${d.name}: drifted${d.repair ? `, repair ${d.repair.outcome}${d.repair.reason ? ` (${d.repair.reason})` : ''}` : ''}`,
      ...d.changes.map((c) => `    ${c}`),
    ]),
    ...r.skipped.map((s) => `  ${s.name}: skipped, ${s.reason}`),
  );
}

export function scheduleLines(s: ReconcileSchedule): string {
  return lines(
    `schedule ${s.scheduleId} ${s.created ? 'created' : 'updated'}: every ${s.everyMs / 1000}s${s.repair ? ', repairing drift' : ''}`,
    `next run ${s.nextRuns[0] ?? '-'}`,
  );
}
