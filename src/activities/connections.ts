/**
 * The connections' creates: base and source connection (the inlet URL: read.ts), the target
 * connection into the dataset, and the check of a dataset the request names by id.
 */
import type { AepClient } from '../aep/client';
import { SPEC, XDM_FULL_CONTENT_TYPE } from '../aep/constants';
import { FailureType } from '../shared/names';
import { activityContext, ensureOwned, refuse } from './context';
import { exactly, lookups, priorOf } from './lookups';
import { adopt, markedDescription } from './ownership';
import type { ById, EnsureInput, EnsureResult, PriorTargetConnection } from './types';

/** ExistingSourceDiffers: a resource of the source's name holds settings the request changes. */
export function differs(message: string, details: Record<string, unknown>): never {
  refuse(FailureType.ExistingSourceDiffers, message, [details]);
}

export function connectionActivities({ aep }: { aep: AepClient }) {
  return {
    /**
     * The root that tells a new source from a re-run: a streaming connection of the HTTP API
     * spec, named and identified by the source's name.
     */
    async ensureBaseConnection(
      input: EnsureInput & {
        description?: string;
        dataType: 'xdm' | 'raw';
        authenticationRequired: boolean;
      },
    ): Promise<EnsureResult> {
      const { owner, dataType, authenticationRequired } = input;
      return ensureOwned(input, {
        lookUp: (signal) =>
          lookups(aep, owner.sandbox, signal).ownNamed('baseConnection', owner, (conn) => {
            const params = conn.auth?.params;
            const actual = params?.dataType;
            const auth = params?.authenticationRequired === true;
            if ((actual && actual !== dataType) || auth !== authenticationRequired) {
              differs(
                `Source "${owner.sourceName}" already exists (base connection ${conn.id}) with dataType=${actual ?? '?'} and authenticationRequired=${auth}; deprovision it first or choose another name`,
                { kind: 'baseConnection', id: conn.id },
              );
            }
          }),
        create: (commit) =>
          aep.createConnection(
            owner.sandbox,
            {
              name: owner.sourceName,
              description: markedDescription(owner, input.description),
              connectionSpec: SPEC.httpApiConnection,
              auth: {
                specName: 'Streaming Connection',
                params: {
                  dataType,
                  name: owner.sourceName,
                  sourceId: owner.sourceName,
                  ...(authenticationRequired ? { authenticationRequired: true } : {}),
                },
              },
            },
            commit,
          ),
      });
    },

    async ensureSourceConnection(
      input: EnsureInput & { baseConnectionId: string },
    ): Promise<EnsureResult> {
      const { owner, baseConnectionId } = input;
      const label = `on base connection ${baseConnectionId}`;
      return ensureOwned(input, {
        lookUp: async (signal) => {
          const at = lookups(aep, owner.sandbox, signal);
          const all = await at.sourceConnectionsOf(baseConnectionId);
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

    /** The dataset the request names by id: it must exist and use the schema; never owned. */
    async checkDataset(input: ById & { schemaId: string }): Promise<EnsureResult> {
      const { sandbox, id, schemaId } = input;
      const ds = await aep.getDataset(sandbox, id, activityContext().signal);
      if (!ds)
        refuse(FailureType.DatasetMismatch, `Dataset ${id} does not exist in sandbox "${sandbox}"`);
      if (ds.schemaRef.id !== schemaId) {
        const message = `Dataset ${id} uses schema ${ds.schemaRef.id}, not ${schemaId}`;
        refuse(FailureType.DatasetMismatch, message);
      }
      return { id: ds.id, created: false };
    },

    /**
     * Full XDM into the dataset, found by the source's own name or created. `datasetNamedById`
     * (the request named it by id) puts `keep-dataset` in the marker: teardown never deletes it.
     */
    async ensureTargetConnection(
      input: EnsureInput<PriorTargetConnection> & {
        datasetId: string;
        datasetNamedById?: boolean;
        schemaId: string;
      },
    ): Promise<EnsureResult> {
      const { owner, datasetId } = input;
      return ensureOwned(input, {
        lookUp: (signal) => lookups(aep, owner.sandbox, signal).ownNamed('targetConnection', owner),
        check: (prior) => {
          if (prior.dataSetId !== datasetId) {
            differs(
              `Source "${owner.sourceName}" already writes to dataset ${prior.dataSetId ?? '(none)'}, not ${datasetId}: deprovision it first or choose another name`,
              { kind: 'targetConnection', id: prior.id },
            );
          }
        },
        create: (commit) =>
          aep.createTargetConnection(
            owner.sandbox,
            {
              name: owner.sourceName,
              description: markedDescription(owner, undefined, {
                keepDataset: input.datasetNamedById === true,
              }),
              data: {
                format: 'json',
                schema: { id: input.schemaId, version: XDM_FULL_CONTENT_TYPE },
              },
              params: { dataSetId: datasetId },
              connectionSpec: SPEC.dataLake,
            },
            commit,
          ),
      });
    },
  };
}
