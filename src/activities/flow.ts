/** The dataflow, its optional Data Prep mapping set, and the smoke-test record sent through it. */
import { ApplicationFailure } from '@temporalio/common';
import type { AepClient } from '../aep/client';
import { SPEC, XDM_FULL_CONTENT_TYPE } from '../aep/constants';
import type { Flow } from '../aep/types';
import { FailureType } from '../shared/names';
import type { SmokeTestResult } from '../shared/model';
import { differs } from './connections';
import { activityContext, ensureOwned, priorResource, refuse } from './context';
import { lookups, type PriorOf } from './lookups';
import { markedDescription } from './ownership';
import type { EnsureInput, EnsureResult, Mappings, Owner } from './types';

export type MappingSetResult = EnsureResult & { version: number };

export function flowActivities({ aep }: { aep: AepClient }) {
  return {
    /** Found by the source's name, or created. */
    async ensureMappingSet(
      input: EnsureInput<PriorOf<'mappingSet'>> & { schemaId: string; mappings: Mappings },
    ): Promise<MappingSetResult> {
      const { owner } = input;
      const { signal, commitSignal } = activityContext();
      const prior = await priorResource(input, () =>
        lookups(aep, owner.sandbox, signal).ownNamed('mappingSet', owner),
      );
      if (prior) return { id: prior.id, version: prior.version, created: prior.createdByThisRun };
      const body = mappingSetBody(owner, input.schemaId, input.mappings);
      const created = await aep.createMappingSet(owner.sandbox, body, commitSignal());
      return { id: created.id, version: created.version, created: true };
    },

    /** The streaming dataflow, through the Mapping transformation when the source has mappings. */
    async ensureFlow(
      input: EnsureInput & {
        /** The flow this one replaces: never taken for it (it goes once this one exists). */
        replaces?: string;
        sourceConnectionId: string;
        targetConnectionId: string;
        mappingSet?: { id: string; version: number };
      },
    ): Promise<EnsureResult> {
      const { owner, mappingSet, sourceConnectionId, targetConnectionId } = input;
      const params = mappingSet && { mappingId: mappingSet.id, mappingVersion: mappingSet.version };
      const exclude = input.replaces ? [input.replaces] : [];
      const check = ({ id, sourceConnectionIds: from, targetConnectionIds: to }: Flow) => {
        if (from.includes(sourceConnectionId) && to.includes(targetConnectionId)) return;
        differs(
          `Dataflow "${owner.sourceName}" (${id}) exists with other connections: deprovision it first or choose another name`,
          { kind: 'flow', id },
        );
      };
      return ensureOwned(input, {
        lookUp: (signal) =>
          lookups(aep, owner.sandbox, signal).ownNamed('flow', owner, check, exclude),
        create: (commit) =>
          aep.createFlow(
            owner.sandbox,
            {
              name: owner.sourceName,
              description: markedDescription(owner),
              flowSpec: params ? SPEC.streamingFlowWithMapping : SPEC.streamingFlow,
              sourceConnectionIds: [sourceConnectionId],
              targetConnectionIds: [targetConnectionId],
              ...(params ? { transformations: [{ name: 'Mapping' as const, params }] } : {}),
            },
            commit,
          ),
      });
    },
  };
}

export function smokeActivities({ aep }: { aep: AepClient }) {
  return {
    /** One record to the inlet (XDM envelope or raw JSON); a retry sends one more test record. */
    async sendSmokeRecord(input: {
      sandbox: string;
      inletUrl: string;
      flowId: string;
      dataType: 'xdm' | 'raw';
      schemaId: string;
      datasetId: string;
      authenticated: boolean;
      record?: Record<string, unknown>;
    }): Promise<SmokeTestResult> {
      const { flowId, datasetId, inletUrl, authenticated } = input;
      const schemaRef = { id: input.schemaId, contentType: XDM_FULL_CONTENT_TYPE };
      const source = { name: 'aep-streaming-provisioner smoke test' };
      const record =
        input.dataType === 'xdm'
          ? {
              header: { schemaRef, flowId, datasetId, source },
              body: {
                xdmMeta: { schemaRef },
                xdmEntity: input.record ?? { _id: `smoke-test-${flowId}` },
              },
            }
          : (input.record ?? { smokeTest: true, flowId });
      const signal = activityContext().signal;
      let res;
      try {
        res = await aep.sendToInlet({ inletUrl, flowId, record, authenticated, signal });
      } catch (err) {
        // A refused record (4xx) is the smoke test's verdict, not an AEP outage: name it so.
        // Retryable failures (429, 5xx, network) pass through and are retried.
        if (err instanceof ApplicationFailure && err.nonRetryable) {
          const message = `The inlet refused the smoke-test record: ${err.message}`;
          refuse(FailureType.SmokeTestFailed, message, err.details ? [...err.details] : undefined);
        }
        throw err;
      }
      const body = (res.body ?? {}) as { xactionId?: unknown; receivedTimeMs?: unknown };
      return {
        status: res.status,
        xactionId: typeof body.xactionId === 'string' ? body.xactionId : undefined,
        receivedTimeMs: typeof body.receivedTimeMs === 'number' ? body.receivedTimeMs : undefined,
      };
    },
  };
}

/** The legacy mapping-set body of Adobe's HTTP API tutorial. */
export function mappingSetBody(owner: Owner, schemaId: string, mappings: Mappings) {
  return {
    name: owner.sourceName,
    description: markedDescription(owner),
    version: 0 as const,
    xdmSchema: schemaId,
    xdmVersion: '1.0' as const,
    mappings: mappings.map(({ sourceAttribute, destinationXdmPath, identity }) => ({
      sourceAttribute,
      destinationXdmPath,
      identity,
      version: 0 as const,
    })),
  };
}
