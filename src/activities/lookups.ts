/**
 * Finding this project's resources by name. Every lookup keeps only exact name matches and lets
 * `adopt` choose among them by ownership marker (ownership.ts).
 */
import type { AepClient } from '../aep/client';
import { SPEC } from '../aep/constants';
import type { PropertyFilter } from '../aep/types';
import type { ResourceKind } from '../shared/resources';
import { adopt } from './ownership';
import type { Owner, PriorDataset, PriorMappingSet, PriorTargetConnection } from './types';

export const byName = (name: string): PropertyFilter => ({ path: 'name', value: name });

export async function lookUpDataset(
  aep: AepClient,
  owner: Owner,
  name: string,
  signal?: AbortSignal,
): Promise<PriorDataset | undefined> {
  const found = adopt(
    'dataset',
    owner,
    `named "${name}"`,
    await aep.findDatasets(owner.sandbox, { name }, signal),
  );
  return found
    ? {
        id: found.resource.id,
        createdByThisRun: found.createdByThisRun,
        schemaId: found.resource.schemaRef.id,
      }
    : undefined;
}

export async function lookUpTargetConnection(
  aep: AepClient,
  owner: Owner,
  signal?: AbortSignal,
): Promise<PriorTargetConnection | undefined> {
  const found = adopt(
    'targetConnection',
    owner,
    `named "${owner.sourceName}"`,
    await aep.listTargetConnections(
      owner.sandbox,
      [byName(owner.sourceName), { path: 'connectionSpec.id', value: SPEC.dataLake.id }],
      undefined,
      signal,
    ),
  );
  if (!found) return undefined;
  const dataSetId = found.resource.params?.dataSetId;
  return {
    id: found.resource.id,
    createdByThisRun: found.createdByThisRun,
    ...(dataSetId !== undefined ? { dataSetId } : {}),
  };
}

export async function lookUpMappingSet(
  aep: AepClient,
  owner: Owner,
  signal?: AbortSignal,
): Promise<PriorMappingSet | undefined> {
  const found = adopt(
    'mappingSet',
    owner,
    `named "${owner.sourceName}"`,
    await aep.findMappingSets(owner.sandbox, { name: owner.sourceName }, signal),
  );
  return found
    ? {
        id: found.resource.id,
        createdByThisRun: found.createdByThisRun,
        version: found.resource.version,
      }
    : undefined;
}

/** Every resource of `kind` named exactly `name`, whoever created it. */
export async function listByName(
  aep: AepClient,
  kind: ResourceKind,
  sandbox: string,
  name: string,
  signal?: AbortSignal,
): Promise<Array<{ id: string; name?: string; description?: string }>> {
  const exact = <T extends { name?: string }>(items: T[]) => items.filter((i) => i.name === name);
  switch (kind) {
    case 'baseConnection':
      return exact(await aep.listConnections(sandbox, [byName(name)], undefined, signal));
    case 'sourceConnection':
      return exact(await aep.listSourceConnections(sandbox, [byName(name)], undefined, signal));
    case 'targetConnection':
      return exact(await aep.listTargetConnections(sandbox, [byName(name)], undefined, signal));
    case 'flow':
      return exact(await aep.listFlows(sandbox, [byName(name)], undefined, signal));
    case 'mappingSet':
      return aep.findMappingSets(sandbox, { name }, signal);
    case 'dataset':
      return aep.findDatasets(sandbox, { name }, signal);
  }
}

export async function deleteById(
  aep: AepClient,
  kind: ResourceKind,
  sandbox: string,
  id: string,
  signal?: AbortSignal,
): Promise<'deleted' | 'absent'> {
  switch (kind) {
    case 'baseConnection':
      return aep.deleteConnection(sandbox, id, signal);
    case 'sourceConnection':
      return aep.deleteSourceConnection(sandbox, id, signal);
    case 'targetConnection':
      return aep.deleteTargetConnection(sandbox, id, signal);
    case 'flow':
      return aep.deleteFlow(sandbox, id, signal);
    case 'mappingSet':
      return aep.deleteMappingSet(sandbox, id, signal);
    case 'dataset':
      return aep.deleteDataset(sandbox, id, signal);
  }
}
