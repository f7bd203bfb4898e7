/**
 * The dataflow, the optional Data Prep mapping set of the tutorial it maps through, and the
 * smoke-test record sent through it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { AepClient } from '../aep/client';
import { SPEC, XDM_FULL_CONTENT_TYPE } from '../aep/constants';
import { FailureType } from '../shared/names';
import type { SmokeTestResult } from '../shared/results';
import type { CreateFlowBody, Flow } from '../aep/types';
import { differs } from './connections';
import { activityContext, ensureOwned, priorResource, refuse } from './context';
import { lookups } from './lookups';
import { markedDescription } from './ownership';
import type { EnsureInput, EnsureResult, Mappings, Owner, PriorMappingSet } from './types';

export type MappingSetResult = EnsureResult & { version: number };

interface EnsureFlowInput extends EnsureInput {
  /** The flow this one replaces: never taken for it (it goes once this one exists). */
  replaces?: string;
  sourceConnectionId: string;
  targetConnectionId: string;
  mappingSet?: { id: string; version: number };
}

interface SmokeTestInput {
  sandbox: string;
  inletUrl: string;
  flowId: string;
  dataType: 'xdm' | 'raw';
  schemaId: string;
  datasetId: string;
  authenticated: boolean;
  record?: Record<string, unknown>;
}

export function flowActivities({ aep }: { aep: AepClient }) {
  return {
    /** Found by the source's name, or created. */
    async ensureMappingSet(
      input: EnsureInput<PriorMappingSet> & { schemaId: string; mappings: Mappings },
    ): Promise<MappingSetResult> {
      const { owner } = input;
      const { signal, commitSignal } = activityContext();
      const prior = await priorResource(input, () =>
        lookups(aep, owner.sandbox, signal).ownNamed('mappingSet', owner),
      );
      if (prior) return { id: prior.id, version: prior.version, created: prior.createdByThisRun };
      const created = await aep.createMappingSet(
        owner.sandbox,
        mappingSetBody(owner, input.schemaId, input.mappings),
        commitSignal(),
      );
      return { id: created.id, version: created.version, created: true };
    },

    async ensureFlow(input: EnsureFlowInput): Promise<EnsureResult> {
      const { owner } = input;
      return ensureOwned(input, {
        lookUp: (signal) =>
          lookups(aep, owner.sandbox, signal).ownNamed(
            'flow',
            owner,
            (flow) => checkFlowConnections(flow, input),
            input.replaces ? [input.replaces] : [],
          ),
        create: (commit) => aep.createFlow(owner.sandbox, flowBody(input), commit),
      });
    },

    /**
     * Sends one record to the inlet (XDM envelope or raw JSON). Not idempotent on Adobe's side,
     * and need not be: a retried smoke record is one more test record, not a resource.
     */
    async sendSmokeRecord(input: SmokeTestInput): Promise<SmokeTestResult> {
      const schemaRef = { id: input.schemaId, contentType: XDM_FULL_CONTENT_TYPE };
      const record =
        input.dataType === 'xdm'
          ? {
              header: {
                schemaRef,
                flowId: input.flowId,
                datasetId: input.datasetId,
                source: { name: 'aep-streaming-provisioner smoke test' },
              },
              body: {
                xdmMeta: { schemaRef },
                xdmEntity: input.record ?? { _id: `smoke-test-${input.flowId}` },
              },
            }
          : (input.record ?? { smokeTest: true, flowId: input.flowId });
      let res;
      try {
        res = await aep.sendToInlet({
          inletUrl: input.inletUrl,
          flowId: input.flowId,
          record,
          authenticated: input.authenticated,
          signal: activityContext().signal,
        });
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

function checkFlowConnections(flow: Flow, input: EnsureFlowInput): void {
  if (
    !flow.sourceConnectionIds.includes(input.sourceConnectionId) ||
    !flow.targetConnectionIds.includes(input.targetConnectionId)
  ) {
    differs(
      `Dataflow "${input.owner.sourceName}" (${flow.id}) exists with other connections: deprovision it first or choose another name`,
      { kind: 'flow', id: flow.id },
    );
  }
}

/** The streaming dataflow, through the Mapping transformation when the source has mappings. */
function flowBody(input: EnsureFlowInput): CreateFlowBody {
  const { owner, mappingSet } = input;
  return {
    name: owner.sourceName,
    description: markedDescription(owner),
    flowSpec: mappingSet ? SPEC.streamingFlowWithMapping : SPEC.streamingFlow,
    sourceConnectionIds: [input.sourceConnectionId],
    targetConnectionIds: [input.targetConnectionId],
    ...(mappingSet
      ? {
          transformations: [
            {
              name: 'Mapping' as const,
              params: { mappingId: mappingSet.id, mappingVersion: mappingSet.version },
            },
          ],
        }
      : {}),
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
    mappings: mappings.map((m) => ({
      sourceAttribute: m.sourceAttribute,
      destinationXdmPath: m.destinationXdmPath,
      identity: m.identity,
      version: 0 as const,
    })),
  };
}
