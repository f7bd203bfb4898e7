/** The target side: the dataset named by id, and the target connection into the dataset. */
import type { AepClient } from '../aep/client';
import { SPEC, XDM_FULL_CONTENT_TYPE } from '../aep/constants';
import type { CreateTargetConnectionBody } from '../aep/types';
import { activityContext, ensureOwned } from './context';
import { datasetMismatch, differs } from './failures';
import { lookUpOwnNamed } from './lookups';
import { markedDescription } from './ownership';
import type { CheckDatasetInput, EnsureResult, EnsureTargetConnectionInput } from './types';

export function targetSideActivities({ aep }: { aep: AepClient }) {
  return {
    /** The dataset the request names by id: it must exist and use the schema; never owned. */
    async checkDataset(input: CheckDatasetInput): Promise<EnsureResult> {
      const { sandbox, id, schemaId } = input;
      const ds = await aep.getDataset(sandbox, id, activityContext().signal);
      if (!ds) datasetMismatch(`Dataset ${id} does not exist in sandbox "${sandbox}"`);
      if (ds.schemaRef.id !== schemaId) {
        datasetMismatch(`Dataset ${id} uses schema ${ds.schemaRef.id}, not ${schemaId}`);
      }
      return { id: ds.id, created: false };
    },

    /** The target connection into the dataset, found by the source's own name or created. */
    async ensureTargetConnection(input: EnsureTargetConnectionInput): Promise<EnsureResult> {
      const { owner } = input;
      return ensureOwned(input, {
        lookUp: (signal) => lookUpOwnNamed(aep, 'targetConnection', owner, signal),
        check: (prior) => {
          if (prior.dataSetId !== input.datasetId) {
            differs(
              `Source "${owner.sourceName}" already writes to dataset ${prior.dataSetId ?? '(none)'}, not ${input.datasetId}: deprovision it first or choose another name`,
              { kind: 'targetConnection', id: prior.id },
            );
          }
        },
        create: (commit) =>
          aep.createTargetConnection(owner.sandbox, targetConnectionBody(input), commit),
      });
    },
  };
}

/**
 * Into the dataset, as full XDM. `keep-dataset` in the marker when the request named the dataset
 * by id: teardown never deletes it.
 */
function targetConnectionBody(input: EnsureTargetConnectionInput): CreateTargetConnectionBody {
  const { owner } = input;
  return {
    name: owner.sourceName,
    description: markedDescription(owner, undefined, {
      keepDataset: input.datasetNamedById === true,
    }),
    data: { format: 'json', schema: { id: input.schemaId, version: XDM_FULL_CONTENT_TYPE } },
    params: { dataSetId: input.datasetId },
    connectionSpec: SPEC.dataLake,
  };
}
