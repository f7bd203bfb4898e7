/**
 * One dataset per name, when sources that share it are provisioned at once.
 *
 * Sources share a dataset by naming it alike (`target.dataset.name`). Catalog does not keep
 * names unique, and provisionings of different sources run under different workflow ids, so two
 * that start together both miss the dataset and both create one. A provisioning whose run created
 * its dataset therefore settles on the canonical one while it creates its target connection:
 * among the datasets of that name this project created (any source), the oldest (Catalog
 * `created`, then id). Winning, the common case, costs one list call in parallel with the create,
 * nothing on the critical path. Losing, it deletes the target connection it made and its own
 * dataset (unless another source writes to it already), and writes to the canonical one, which it
 * does not own (its creator's teardown, or the last source writing to it, deletes it).
 *
 * Every provisioning that sees the same datasets picks the same one, and with consistent lists
 * the later of two racing creates always sees the earlier one: the pair converges. When lists
 * lag, two creates within the lag of each other may both stay (docs/lifecycle.md).
 */
import type { AepClient } from '../aep/client';
import type { Dataset } from '../aep/types';
import { canonicalOrder, exactly, lookUpOwnNamed, targetConnectionsWritingTo } from './lookups';
import { creatorRun, isOwned } from './ownership';
import type { Owner } from './types';

/**
 * The canonical dataset named `name`: the oldest of those this project created, if any. Only
 * other runs' datasets compete with `ours`: another of this run's own is a twin of a create that
 * committed late, which the run's twin sweep deletes, not a race with another source.
 */
export async function canonicalDataset(
  aep: AepClient,
  owner: Owner,
  name: string,
  ours: string,
  signal?: AbortSignal,
): Promise<Dataset | undefined> {
  return exactly(name, await aep.findDatasets(owner.sandbox, { name }, signal))
    .filter((d) => isOwned(d.description))
    .filter((d) => d.id === ours || creatorRun(d.description) !== owner.runId)
    .sort(canonicalOrder)[0];
}

/**
 * This run created dataset `ours`, and another dataset of its name is canonical: removes what
 * points the source at `ours` (its own target connection, `own` when the caller just made it,
 * else looked up; then `ours` itself). Returns false, and removes nothing, when another source's
 * target connection writes to `ours` already (it adopted it before the canonical one was visible
 * to it): then the source stays on `ours`.
 */
export async function leaveForCanonical(
  aep: AepClient,
  owner: Owner,
  ours: string,
  known: { id: string; dataSetId?: string } | undefined,
  signal?: AbortSignal,
): Promise<boolean> {
  const own = known ?? (await lookUpOwnNamed(aep, 'targetConnection', owner, signal));
  const writers = await targetConnectionsWritingTo(aep, owner.sandbox, ours, signal);
  if (writers.some((id) => id !== own?.id)) return false;
  if (own && own.dataSetId === ours)
    await aep.deleteTargetConnection(owner.sandbox, own.id, signal);
  await aep.deleteDataset(owner.sandbox, ours, signal);
  return true;
}
