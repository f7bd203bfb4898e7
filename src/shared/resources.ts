/**
 * The AEP resources a streaming source is made of. Plain types and constants only: imported by
 * workflows, activities, the client and tests alike.
 */

/** Kinds of AEP resource a provisioning creates. */
export type ResourceKind =
  'baseConnection' | 'sourceConnection' | 'targetConnection' | 'dataset' | 'mappingSet' | 'flow';

/**
 * The one deletion order (compensation, teardown, tests): reverse dependency order, the flow
 * first (it pins everything), the base connection last.
 */
export const TEARDOWN_ORDER: readonly ResourceKind[] = [
  'flow',
  'sourceConnection',
  'targetConnection',
  'mappingSet',
  'dataset',
  'baseConnection',
];

/** Sorts resources into TEARDOWN_ORDER (stable within a kind). */
export function inTeardownOrder<T extends { kind: ResourceKind }>(items: readonly T[]): T[] {
  return TEARDOWN_ORDER.flatMap((kind) => items.filter((i) => i.kind === kind));
}
