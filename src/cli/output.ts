import type { ListedSource, SourceStatus } from '../client';
import {
  type DeprovisionResult,
  type FlowHealth,
  formatPlan,
  type ProvisionResult,
  type SourcePlan,
} from '../shared/model';

/** What the CLI prints besides JSON: the human lines of each result, progress on stderr. */

export const progress = (line: string) => process.stderr.write(`${line}\n`);

/** One sentence, one final period: messages built from causes that end in "." end cleanly. */
export function cleanMessage(message: string): string {
  return message
    .replace(/\s+/g, ' ')
    .replace(/(?<!\.)\.\s*\.(?!\.)/g, '.')
    .trim();
}

export function provisionLines(result: ProvisionResult): string {
  return [
    `inletUrl   ${result.inletUrl}`,
    `flowId     ${result.flowId}`,
    `datasetId  ${result.datasetId}`,
    `created    ${result.created.join(', ') || '-'}`,
    `reused     ${result.reused.join(', ') || '-'}`,
  ].join('\n');
}

export function statusLines(status: SourceStatus): string {
  return [
    `workflow   ${status.workflowId} (${status.execution})`,
    status.progress ? `step       ${status.progress.status}: ${status.progress.step}` : '',
    status.result ? `inletUrl   ${status.result.inletUrl}\nflowId     ${status.result.flowId}` : '',
    status.failure
      ? `failure    ${status.failure.type} (${status.failure.rootType}): ${cleanMessage(status.failure.message)}`
      : '',
    status.health ? healthLines(status.health) : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The flow's recent runs: totals, the last error, one line per run (newest first). */
function healthLines(h: FlowHealth): string {
  if (!h.available) return `runs       unavailable: ${cleanMessage(h.reason ?? 'unknown')}`;
  if (h.runs.length === 0) return 'runs       none yet';
  const counts = (r: { received?: number; ingested?: number; failed?: number }) =>
    `${r.received ?? 0} received, ${r.ingested ?? 0} ingested, ${r.failed ?? 0} failed`;
  return [
    `runs       ${h.runs.length} recent: ${counts(h)}`,
    h.lastError
      ? `lastError  ${h.lastError.code ? `${h.lastError.code}: ` : ''}${cleanMessage(h.lastError.message)} (run ${h.lastError.runId})`
      : '',
    ...h.runs.map(
      (r) => `  ${r.startedAt ?? '-'}  ${(r.status ?? '-').padEnd(9)} ${counts(r)}  ${r.id}`,
    ),
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * One line per source: sandbox, name, state, last operation (its status), drift (the changes the
 * last reconcile of its sandbox found, `-` when it left the source undrifted or has not planned it
 * since its last operation), inlet URL.
 */
export function listLines(sources: ListedSource[]): string {
  if (sources.length === 0) return 'no sources';
  const rows = sources.map((s) => {
    const op = s.lastOperation;
    return [
      s.sandbox,
      s.name,
      s.state,
      `${op.operation} ${op.status ?? op.execution} ${op.closeTime ?? op.startTime}`,
      s.drift ? `drifted (${s.drift.changes.length} change(s))` : '-',
      s.inletUrl ?? '-',
    ];
  });
  const head = ['SANDBOX', 'SOURCE', 'STATE', 'LAST OPERATION', 'DRIFT', 'INLET URL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows]
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

export function teardownLines(result: DeprovisionResult): string {
  return [
    `deleted    ${result.deleted.map((d) => `${d.kind} ${d.id}`).join(', ') || '-'}`,
    `kept       ${result.kept.map((d) => `${d.kind} ${d.id}`).join(', ') || '-'}`,
  ].join('\n');
}

export function planLines(plans: SourcePlan[]): string {
  return plans
    .map((p) =>
      [`${p.sandbox}/${p.name}: ${p.changes ? 'changes pending' : 'no change'}`]
        .concat(formatPlan(p).map((l) => `  ${l}`))
        .join('\n'),
    )
    .join('\n\n');
}
