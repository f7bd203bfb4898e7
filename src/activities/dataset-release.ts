/**
 * When a dataset this project created may be deleted by someone leaving it (a teardown, or a
 * compensation deleting the target connection that wrote to it).
 *
 * Sources share a dataset by naming it alike, so the source that created it may leave first and
 * another still write to it. The rules:
 * - kept while any target connection of the sandbox writes to it;
 * - deleted by the last writer to leave, whoever created it (else an adopted dataset whose
 *   creator left first would outlive every source: nothing would ever delete it);
 * - but while the run that created it is still open, that run decides: it may be about to point
 *   its target connection at it, or be compensating it itself. The leaver retries
 *   (`CreatorRunOpen`, retryable) until that run has closed, then checks again. Waiting rather
 *   than skipping matters: the creator's own check may have seen the leaver's target connection
 *   a moment before the leaver deleted it, and then neither would delete the dataset.
 * A dataset this project did not create is never deleted (kept, reported).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { AepClient } from '../aep/client';
import { FailureType, sourceWorkflowId } from '../shared/names';
import { callingRun } from './context';
import { targetConnectionsWritingTo } from './lookups';
import { parseMarker } from './ownership';
import type { OpenRuns } from './types';

export type Release =
  | { free: true }
  | { free: false; absent: true }
  | { free: false; usedBy: string[] }
  | { free: false; reason: string };

export async function releaseDataset(
  deps: { aep: AepClient; runs: OpenRuns },
  sandbox: string,
  id: string,
  signal?: AbortSignal,
): Promise<Release> {
  const { aep, runs } = deps;
  const writers = () => targetConnectionsWritingTo(aep, sandbox, id, signal);
  const inUse = await writers();
  if (inUse.length > 0) return { free: false, usedBy: inUse };
  const dataset = await aep.getDataset(sandbox, id, signal);
  if (!dataset) return { free: false, absent: true };
  const creator = parseMarker(dataset.description);
  if (!creator) return { free: false, reason: 'not created by this project' };
  if (
    creator.run !== callingRun() &&
    (await runs.isOpen(sourceWorkflowId(sandbox, creator.source), creator.run))
  ) {
    throw ApplicationFailure.create({
      type: FailureType.CreatorRunOpen,
      message: `Dataset ${id} has no writer, but run ${creator.run} of source "${creator.source}" that created it is still open: it decides first`,
      nonRetryable: false,
    });
  }
  // Again, right before the caller's delete: the reads above take time, and a source may have
  // started writing to it meanwhile. A writer arriving after this list is the one window left
  // (docs/lifecycle.md), one round trip wide.
  const usedBy = await writers();
  if (usedBy.length > 0) return { free: false, usedBy };
  return { free: true };
}
