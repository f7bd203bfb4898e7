/** The source side: base connection, its inlet URL, source connection. */
import { ApplicationFailure } from '@temporalio/common';
import type { AepClient } from '../aep/client';
import { SPEC } from '../aep/constants';
import type { BaseConnection } from '../aep/types';
import { FailureType } from '../shared/names';
import { activityContext, foundOnFirstAttempt, shouldLookUp } from './context';
import { differs } from './failures';
import { exactly, listByName } from './lookups';
import { adopt, markedDescription } from './ownership';
import type {
  EnsureBaseConnectionInput,
  EnsureResult,
  EnsureSourceConnectionInput,
  InletInfo,
} from './types';

export function sourceSideActivities({ aep }: { aep: AepClient }) {
  return {
    async ensureBaseConnection(input: EnsureBaseConnectionInput): Promise<EnsureResult> {
      const { owner } = input;
      const { signal, commitSignal } = activityContext();
      // Looked up unless readSource already did (`found`): the root that tells a new source
      // from a re-run. A retry always looks up (an earlier attempt may have created it).
      const prior =
        input.found !== undefined && activityContext().attempt === 1 ? input.found : undefined;
      if (prior) return { id: prior.id, created: prior.createdByThisRun };
      const found =
        prior === null
          ? undefined
          : adopt(
              'baseConnection',
              owner,
              `named "${owner.sourceName}"`,
              await listByName(aep, 'baseConnection', owner.sandbox, owner.sourceName, signal),
            );
      if (found) {
        checkBaseConnectionMatches(found.resource, input);
        return { id: found.resource.id, created: found.createdByThisRun };
      }
      const { id } = await aep.createConnection(
        owner.sandbox,
        {
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
        },
        commitSignal(),
      );
      return { id, created: true };
    },

    /** Read-only; InletNotReady is retryable, so the workflow's retry policy is the wait loop. */
    async getInlet(input: { sandbox: string; baseConnectionId: string }): Promise<InletInfo> {
      const conn = await aep.getConnection(
        input.sandbox,
        input.baseConnectionId,
        activityContext().signal,
      );
      if (!conn) {
        throw ApplicationFailure.create({
          type: FailureType.AepNotFound,
          message: `Base connection ${input.baseConnectionId} disappeared before its inlet URL was read`,
          nonRetryable: true,
        });
      }
      const params = conn.auth?.params;
      if (!params?.inletUrl || !params.inletId) {
        throw ApplicationFailure.retryable(
          `Base connection ${input.baseConnectionId} has no inlet URL yet`,
          FailureType.InletNotReady,
        );
      }
      return {
        inletUrl: params.inletUrl,
        inletId: params.inletId,
        authenticationRequired: params.authenticationRequired === true,
      };
    },

    async ensureSourceConnection(input: EnsureSourceConnectionInput): Promise<EnsureResult> {
      const { owner } = input;
      const { signal, commitSignal } = activityContext();
      const known = foundOnFirstAttempt(input.found);
      if (known) return known;
      if (shouldLookUp(input.lookupFirst && input.found !== null)) {
        const found = adopt(
          'sourceConnection',
          owner,
          `on base connection ${input.baseConnectionId}`,
          exactly(
            owner.sourceName,
            await aep.listSourceConnections(
              owner.sandbox,
              [{ path: 'baseConnectionId', value: input.baseConnectionId }],
              undefined,
              signal,
            ),
          ),
        );
        if (found) return { id: found.resource.id, created: found.createdByThisRun };
      }
      const { id } = await aep.createSourceConnection(
        owner.sandbox,
        {
          name: owner.sourceName,
          description: markedDescription(owner),
          baseConnectionId: input.baseConnectionId,
          connectionSpec: SPEC.httpApiConnection,
        },
        commitSignal(),
      );
      return { id, created: true };
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
