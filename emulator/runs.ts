/**
 * Flow runs of streaming flows, built from the records their inlets accepted (`GET /runs`). Shape
 * of Adobe's monitoring guide (`help/dataflows/api/monitor.md`): `metrics {durationSummary,
 * sizeSummary, recordSummary, statusSummary}` and `activities[]`. Adobe does not document how
 * streaming records fall into runs; the emulator gives a flow one run per UTC hour in which its
 * inlet accepted records (the window in `activities[].durationSummary.extensions`), see
 * docs/emulator.md.
 */
import { createHash } from 'node:crypto';
import type { EmulatorContext } from './context';
import { actorOf } from './flow-model';
import type { Doc, Scope } from './state';
import type { InletRecord } from './types';

const WINDOW_MS = 60 * 60_000;

interface RunTally {
  flowId: string;
  windowStart: number;
  first: number;
  last: number;
  input: number;
  failed: number;
  inputBytes: number;
  outputBytes: number;
  lastFailure?: string;
}

/** A UUID-shaped id derived from `key`: the same run keeps its id from one GET to the next. */
function stableId(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The runs of the scope's flows, in the order their first record came (the list's default order
 * and cursor tie-breaker). Records of deleted flows have no runs.
 */
export function runsOf(ctx: EmulatorContext, scope: Scope): Doc[] {
  const tallies = new Map<string, RunTally>();
  for (const rec of ctx.state.records) {
    if (rec.sandbox !== scope.sandbox || !scope.maps.flow.has(rec.flowId)) continue;
    const windowStart = rec.receivedTimeMs - (rec.receivedTimeMs % WINDOW_MS);
    const key = `${rec.flowId}\u0000${windowStart}`;
    let t = tallies.get(key);
    if (!t) {
      t = { flowId: rec.flowId, windowStart, first: rec.receivedTimeMs, ...zero() };
      tallies.set(key, t);
    }
    add(t, rec);
  }
  return [...tallies.values()].map((t, i) => ({
    id: stableId(`${scope.orgId}/${t.flowId}/${t.windowStart}`),
    seq: i + 1,
    body: runBody(ctx, scope, t),
  }));
}

const zero = () => ({ last: 0, input: 0, failed: 0, inputBytes: 0, outputBytes: 0 });

function add(t: RunTally, rec: InletRecord): void {
  const bytes = Buffer.byteLength(JSON.stringify(rec.message) ?? '');
  t.last = rec.receivedTimeMs;
  t.input += 1;
  t.inputBytes += bytes;
  if (rec.failure === undefined) {
    t.outputBytes += bytes;
  } else {
    t.failed += 1;
    t.lastFailure = rec.failure;
  }
}

function runBody(ctx: EmulatorContext, scope: Scope, t: RunTally): Record<string, unknown> {
  const ingested = t.input - t.failed;
  const recordSummary = {
    inputRecordCount: t.input,
    outputRecordCount: ingested,
    failedRecordCount: t.failed,
  };
  const sizeSummary = { inputBytes: t.inputBytes, outputBytes: t.outputBytes };
  const durationSummary = { startedAtUTC: t.first, completedAtUTC: t.last };
  // The monitoring guide's example: status `success` with a failed record and its errors.
  const statusSummary = {
    status: ingested === 0 ? 'failed' : 'success',
    ...(t.failed === 0
      ? {}
      : {
          errors: [
            {
              code: 'INGEST-1212-400',
              message: `Encountered ${t.failed} errors in the data. Successfully ingested ${ingested} rows. Last error: ${t.lastFailure ?? ''}`,
            },
          ],
        }),
  };
  const actor = actorOf(ctx);
  const id = stableId(`${scope.orgId}/${t.flowId}/${t.windowStart}`);
  const tag = createHash('sha256').update(`${id}/${t.input}/${t.last}`).digest('hex');
  return {
    id,
    flowId: t.flowId,
    createdAt: t.first,
    updatedAt: t.last,
    createdBy: actor,
    updatedBy: actor,
    createdClient: ctx.opts.clientId,
    updatedClient: ctx.opts.clientId,
    sandboxId: scope.sandboxId,
    sandboxName: scope.sandbox,
    imsOrgId: scope.orgId,
    etag: `"${tag.slice(0, 8)}-0000-0200-0000-${tag.slice(8, 20)}"`,
    metrics: { durationSummary, sizeSummary, recordSummary, statusSummary },
    activities: [
      {
        id: 'promotionActivity',
        updatedAtUTC: t.last,
        durationSummary: {
          ...durationSummary,
          extensions: { windowStart: t.windowStart, windowEnd: t.windowStart + WINDOW_MS },
        },
        sizeSummary,
        recordSummary,
        statusSummary,
      },
    ],
  };
}
