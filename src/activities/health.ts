/** A dataflow's recent runs, read for `status` (read-only). */
import type { AepClient } from '../aep/client';
import type { FlowRun } from '../aep/schemas';
import type { FlowHealth } from '../shared/model';
import { activityContext } from './context';

/** Runs in the answer, newest first; the counts are theirs. */
export const RECENT_RUNS = 10;

export interface FlowHealthInput {
  sandbox: string;
  flowId: string;
}

export function healthActivities({ aep }: { aep: AepClient }) {
  return {
    async readFlowHealth({ sandbox, flowId }: FlowHealthInput): Promise<FlowHealth> {
      const filter = [{ path: 'flowId', value: flowId }];
      const runs = await aep.listRuns(sandbox, filter, { limit: 100 }, activityContext().signal);
      return summarizeRuns(flowId, runs);
    },
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const startOf = (r: FlowRun) => r.metrics?.durationSummary?.startedAtUTC ?? r.createdAt;

/** The RECENT_RUNS newest runs (Flow Service documents no order), their counts, the last error. */
export function summarizeRuns(flowId: string, all: FlowRun[]): FlowHealth {
  const runs = [...all]
    .sort((a, b) => (startOf(b) ?? 0) - (startOf(a) ?? 0))
    .slice(0, RECENT_RUNS)
    .map((r) => {
      const { recordSummary: records, statusSummary, durationSummary } = r.metrics ?? {};
      const error = (statusSummary?.errors ?? []).filter((e) => e.message).at(-1);
      return {
        id: r.id,
        status: statusSummary?.status,
        startedAt: iso(startOf(r)),
        completedAt: iso(durationSummary?.completedAtUTC),
        received: records?.inputRecordCount ?? 0,
        ingested: records?.outputRecordCount ?? 0,
        failed: records?.failedRecordCount ?? 0,
        error: error && { code: error.code, message: error.message! },
      };
    });
  const sum = (k: 'received' | 'ingested' | 'failed') => runs.reduce((n, r) => n + r[k], 0);
  const last = runs.find((r) => r.error);
  return {
    flowId,
    available: true,
    received: sum('received'),
    ingested: sum('ingested'),
    failed: sum('failed'),
    lastError: last?.error && { runId: last.id, ...last.error },
    runs,
  };
}
