/** The connections' creates (base, source, target) and the check of a dataset named by id. */
import type { AepClient } from '../aep/client';
import { SPEC, XDM_FULL_CONTENT_TYPE } from '../aep/constants';
import type {
  BaseConnection,
  CreateBaseConnectionBody,
  CreateTargetConnectionBody,
} from '../aep/schemas';
import { FailureType } from '../shared/names';
import { activityContext, ensureOwned, refuse } from './context';
import { exactly, lookups, priorOf, type PriorOf } from './lookups';
import {
  adopt,
  creatorSource,
  isOwnDataset,
  markedDescription,
  refuseAnothersOwn,
} from './ownership';
import type { ById, EnsureInput, EnsureResult } from './types';

interface EnsureBaseConnectionInput extends EnsureInput {
  description?: string;
  dataType: 'xdm' | 'raw';
  authenticationRequired: boolean;
  /** The apply set the source belongs to (its marker's ` set=`). */
  applySet?: string;
}

interface EnsureTargetConnectionInput extends EnsureInput<PriorOf<'targetConnection'>> {
  datasetId: string;
  /** The request named the dataset by id: teardown never deletes it (marker flag). */
  datasetNamedById?: boolean;
  schemaId: string;
}

export function connectionActivities({ aep }: { aep: AepClient }) {
  return {
    /** The root that tells a new source from a re-run. */
    async ensureBaseConnection(input: EnsureBaseConnectionInput): Promise<EnsureResult> {
      const { owner } = input;
      return ensureOwned(input, {
        lookUp: (signal) =>
          lookups(aep, owner.sandbox, signal).ownNamed('baseConnection', owner, (base) =>
            checkBaseConnectionMatches(base, input),
          ),
        create: (commit) => aep.createConnection(owner.sandbox, baseConnectionBody(input), commit),
      });
    },

    async ensureSourceConnection(
      input: EnsureInput & { baseConnectionId: string },
    ): Promise<EnsureResult> {
      const { owner, baseConnectionId } = input;
      const label = `on base connection ${baseConnectionId}`;
      return ensureOwned(input, {
        lookUp: async (signal) => {
          const all = await lookups(aep, owner.sandbox, signal).sourceConnectionsOf(
            baseConnectionId,
          );
          return priorOf(adopt('sourceConnection', owner, label, exactly(owner.sourceName, all)));
        },
        create: (commit) =>
          aep.createSourceConnection(
            owner.sandbox,
            {
              name: owner.sourceName,
              description: markedDescription(owner),
              baseConnectionId,
              connectionSpec: SPEC.httpApiConnection,
            },
            commit,
          ),
      });
    },

    /**
     * The dataset the request names by id: it must exist, use the schema, and not be another
     * source's own (created for it alone: its teardown may delete it); never owned.
     */
    async checkDataset(input: ById & { schemaId: string; source?: string }): Promise<EnsureResult> {
      const { sandbox, id, schemaId, source } = input;
      const ds = await aep.getDataset(sandbox, id, activityContext().signal);
      if (!ds)
        refuse(FailureType.DatasetMismatch, `Dataset ${id} does not exist in sandbox "${sandbox}"`);
      const owner = creatorSource(ds.description);
      if (source !== undefined && isOwnDataset(ds.description) && owner !== source) {
        refuseAnothersOwn(ds);
      }
      if (ds.schemaRef.id !== schemaId) {
        const message = `Dataset ${id} uses schema ${ds.schemaRef.id}, not ${schemaId}`;
        refuse(FailureType.DatasetMismatch, message);
      }
      return { id: ds.id, created: false };
    },

    async ensureTargetConnection(input: EnsureTargetConnectionInput): Promise<EnsureResult> {
      const { owner } = input;
      return ensureOwned(input, {
        lookUp: (signal) => lookups(aep, owner.sandbox, signal).ownNamed('targetConnection', owner),
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

/** ExistingSourceDiffers: a resource of the source's name holds settings the request changes. */
export function differs(message: string, details: Record<string, unknown>): never {
  refuse(FailureType.ExistingSourceDiffers, message, [details]);
}

function checkBaseConnectionMatches(conn: BaseConnection, input: EnsureBaseConnectionInput): void {
  const params = conn.auth?.params;
  const dataType = params?.dataType;
  const auth = params?.authenticationRequired === true;
  if ((dataType && dataType !== input.dataType) || auth !== input.authenticationRequired) {
    differs(
      `Source "${input.owner.sourceName}" already exists (base connection ${conn.id}) with dataType=${dataType ?? '?'} and authenticationRequired=${auth}; deprovision it first or choose another name`,
      { kind: 'baseConnection', id: conn.id },
    );
  }
}

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

function baseConnectionBody(input: EnsureBaseConnectionInput): CreateBaseConnectionBody {
  const { owner } = input;
  return {
    name: owner.sourceName,
    description: markedDescription(owner, input.description, { applySet: input.applySet }),
    connectionSpec: SPEC.httpApiConnection,
    auth: {
      specName: 'Streaming Connection',
      params: {
        dataType: input.dataType,
        name: owner.sourceName,
        sourceId: owner.sourceName,
        ...(input.authenticationRequired ? { authenticationRequired: true } : {}),
      },
    },
  };
}
