/**
 * One dataset per name, when sources that share it are provisioned at once.
 *
 * Sources share a dataset by naming it alike (`target.dataset.name`). Catalog does not keep
 * names unique, and provisionings of different sources run under different workflow ids, so two
 * that start together both miss the dataset and both create one. Each provisioning that created
 * its dataset therefore settles on the canonical one right after the create: among the datasets
 * of that name this project created (any source), the oldest (Catalog `created`, then id). It
 * deletes its own when another is canonical and nothing writes to its own yet, and goes on with
 * the canonical one, which it does not own (its creator's teardown, or the last source writing
 * to it, deletes it).
 *
 * Every provisioning that sees the same datasets picks the same one, and with consistent lists
 * the later of two racing creates always sees the earlier one: the pair converges. When lists
 * lag, two creates within the lag of each other may both stay (docs/lifecycle.md).
 */
import type { AepClient } from '../aep/client';
import { canonicalOrder, exactly, targetConnectionsWritingTo } from './lookups';
import { creatorRun, isOwned } from './ownership';
import type { Owner, PriorDataset } from './types';

/**
 * `ours` is a dataset named `name` that this run created. Returns the dataset the source writes
 * to: `ours`, or the canonical one when it is another (then `ours` is deleted).
 */
export async function settleSharedDataset(
  aep: AepClient,
  owner: Owner,
  name: string,
  ours: PriorDataset,
  signal?: AbortSignal,
): Promise<PriorDataset> {
  const owned = exactly(name, await aep.findDatasets(owner.sandbox, { name }, signal))
    .filter((d) => isOwned(d.description))
    .sort(canonicalOrder);
  const canonical = owned[0];
  if (!canonical || canonical.id === ours.id) return ours;
  // Another provisioning adopted ours already (it saw ours but not the canonical one): keep it.
  if ((await targetConnectionsWritingTo(aep, owner.sandbox, ours.id, signal)).length > 0) {
    return ours;
  }
  await aep.deleteDataset(owner.sandbox, ours.id, signal);
  return {
    id: canonical.id,
    createdByThisRun: creatorRun(canonical.description) === owner.runId,
    schemaId: canonical.schemaRef.id,
  };
}
