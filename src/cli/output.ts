import type { SourceStatus } from '../client';
import {
  type DeprovisionResult,
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
  ]
    .filter(Boolean)
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
