/** The source side's creates: base connection and source connection (the inlet URL: read.ts). */
import type { AepClient } from '../aep/client';
import { SPEC } from '../aep/constants';
import type { BaseConnection, CreateBaseConnectionBody } from '../aep/types';
import { ensureOwned } from './context';
import { differs } from './failures';
import { exactly, lookUpOwnNamed, priorOf, sourceConnectionsOf } from './lookups';
import { adopt, markedDescription } from './ownership';
import type { EnsureBaseConnectionInput, EnsureResult, EnsureSourceConnectionInput } from './types';

export function sourceSideActivities({ aep }: { aep: AepClient }) {
  return {
    async ensureBaseConnection(input: EnsureBaseConnectionInput): Promise<EnsureResult> {
      const { owner } = input;
      // Looked up unless readSource already did (`found`): the root that tells a new source
      // from a re-run. A retry always looks up (an earlier attempt may have created it).
      return ensureOwned(
        { found: input.found },
        {
          lookUp: (signal) =>
            lookUpOwnNamed(aep, 'baseConnection', owner, signal, (base) =>
              checkBaseConnectionMatches(base, input),
            ),
          create: (commit) =>
            aep.createConnection(owner.sandbox, baseConnectionBody(input), commit),
        },
      );
    },

    async ensureSourceConnection(input: EnsureSourceConnectionInput): Promise<EnsureResult> {
      const { owner, baseConnectionId } = input;
      return ensureOwned(input, {
        lookUp: async (signal) =>
          priorOf(
            adopt(
              'sourceConnection',
              owner,
              `on base connection ${baseConnectionId}`,
              exactly(
                owner.sourceName,
                await sourceConnectionsOf(aep, owner.sandbox, baseConnectionId, signal),
              ),
            ),
          ),
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
  };
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

/** A streaming connection of the HTTP API spec, named and identified by the source's name. */
function baseConnectionBody(input: EnsureBaseConnectionInput): CreateBaseConnectionBody {
  const { owner } = input;
  return {
    name: owner.sourceName,
    description: markedDescription(owner, input.description),
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
