/** The connections' creates (base, source, target). */
import type { AepClient } from '../aep/client';
import { SPEC, XDM_FULL_CONTENT_TYPE } from '../aep/constants';
import type { BaseConnection } from '../aep/schemas';
import { FailureType } from '../shared/names';
import { ensureOwned, refuse } from './context';
import { ensureNamed, lookups, priorOf, type PriorOf } from './lookups';
import { adopt, markedDescription } from './ownership';
import type { EnsureInput, EnsureResult } from './types';

/** ExistingSourceDiffers: a resource of the source's name holds settings the request changes. */
export function differs(message: string, details: Record<string, unknown>): never {
  refuse(FailureType.ExistingSourceDiffers, message, [details]);
}

interface BaseConnectionInput extends EnsureInput {
  description?: string;
  dataType: 'xdm' | 'raw';
  authenticationRequired: boolean;
  /** The apply set the source belongs to (its marker's ` set=`). */
  applySet?: string;
}

export function connectionActivities({ aep }: { aep: AepClient }) {
  return {
    /** The root that tells a new source from a re-run. */
    ensureBaseConnection(input: BaseConnectionInput): Promise<EnsureResult> {
      const { owner, dataType, authenticationRequired } = input;
      const name = owner.sourceName;
      const description = markedDescription(owner, input.description, { applySet: input.applySet });
      const required = authenticationRequired ? { authenticationRequired: true } : {};
      const params = { dataType, name, sourceId: name, ...required };
      const connectionSpec = SPEC.httpApiConnection;
      const auth = { specName: 'Streaming Connection' as const, params };
      const body = { name, description, connectionSpec, auth };
      return ensureNamed(aep, 'baseConnection', input, body, { check: (c) => checkBase(c, input) });
    },
    ensureSourceConnection(
      input: EnsureInput & { baseConnectionId: string },
    ): Promise<EnsureResult> {
      const { owner, baseConnectionId } = input;
      const name = owner.sourceName;
      const description = markedDescription(owner);
      const body = { name, description, baseConnectionId, connectionSpec: SPEC.httpApiConnection };
      return ensureOwned(input, {
        lookUp: async (signal) => {
          const at = lookups(aep, owner.sandbox, signal);
          const listed = await at.sourceConnectionsOf(baseConnectionId);
          const all = listed.filter((c) => c.name === name);
          return priorOf(
            adopt('sourceConnection', owner, `on base connection ${baseConnectionId}`, all),
          );
        },
        create: (commit) => aep.createSourceConnection(owner.sandbox, body, commit),
      });
    },
    /** `datasetNamedById`: the request named the dataset by id (marker flag: never deleted). */
    ensureTargetConnection(
      input: EnsureInput<PriorOf<'targetConnection'>> & {
        datasetId: string;
        datasetNamedById?: boolean;
        schemaId: string;
      },
    ): Promise<EnsureResult> {
      const { owner, datasetId } = input;
      const keepDataset = input.datasetNamedById === true;
      const body = {
        name: owner.sourceName,
        description: markedDescription(owner, undefined, { keepDataset }),
        data: { format: 'json', schema: { id: input.schemaId, version: XDM_FULL_CONTENT_TYPE } },
        params: { dataSetId: datasetId },
        connectionSpec: SPEC.dataLake,
      };
      const checkPrior = ({ id, dataSetId }: PriorOf<'targetConnection'>) => {
        if (dataSetId === datasetId) return;
        differs(
          `Source "${owner.sourceName}" already writes to dataset ${dataSetId ?? '(none)'}, not ${datasetId}: deprovision it first or choose another name`,
          { kind: 'targetConnection', id },
        );
      };
      return ensureNamed(aep, 'targetConnection', input, body, { checkPrior });
    },
  };
}

function checkBase(conn: BaseConnection, input: BaseConnectionInput): void {
  const found = conn.auth?.params?.dataType;
  const auth = conn.auth?.params?.authenticationRequired === true;
  if ((found && found !== input.dataType) || auth !== input.authenticationRequired) {
    differs(
      `Source "${input.owner.sourceName}" already exists (base connection ${conn.id}) with dataType=${found ?? '?'} and authenticationRequired=${auth}; deprovision it first or choose another name`,
      { kind: 'baseConnection', id: conn.id },
    );
  }
}
