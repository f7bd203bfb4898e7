/** The optional Data Prep mapping set of the tutorial: found by the source's name, or created. */
import type { AepClient } from '../aep/client';
import { activityContext, priorResource } from './context';
import { lookUpOwnNamed } from './lookups';
import { markedDescription } from './ownership';
import type { EnsureMappingSetInput, MappingSetResult } from './types';

export function mappingSetActivities({ aep }: { aep: AepClient }) {
  return {
    async ensureMappingSet(input: EnsureMappingSetInput): Promise<MappingSetResult> {
      const { owner } = input;
      const { signal, commitSignal } = activityContext();
      const prior = await priorResource(input, () =>
        lookUpOwnNamed(aep, 'mappingSet', owner, signal),
      );
      if (prior) return { id: prior.id, version: prior.version, created: prior.createdByThisRun };
      const created = await aep.createMappingSet(
        owner.sandbox,
        mappingSetBody(owner, input.schemaId, input.mappings),
        commitSignal(),
      );
      return { id: created.id, version: created.version, created: true };
    },
  };
}

/** The legacy mapping-set body of Adobe's HTTP API tutorial. */
export function mappingSetBody(
  owner: EnsureMappingSetInput['owner'],
  schemaId: string,
  mappings: EnsureMappingSetInput['mappings'],
) {
  return {
    name: owner.sourceName,
    description: markedDescription(owner),
    version: 0 as const,
    xdmSchema: schemaId,
    xdmVersion: '1.0' as const,
    mappings: mappings.map((m) => ({
      sourceAttribute: m.sourceAttribute,
      destinationXdmPath: m.destinationXdmPath,
      identity: m.identity,
      version: 0 as const,
    })),
  };
}
