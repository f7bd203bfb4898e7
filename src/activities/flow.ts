/**
 * The dataflow and its optional mapping set (creates, and in-place updates: Flow Service PATCHes
 * carry the etag, re-read on 412 a few times), and the smoke-test record sent through it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { AepClient } from '../aep/client';
import { SPEC, XDM_FULL_CONTENT_TYPE } from '../aep/constants';
import { aepFailureDetails } from '../aep/errors';
import type { Flow, JsonPatchOp } from '../aep/schemas';
import { FailureType } from '../shared/names';
import type { SmokeTestResult } from '../shared/model';
import { sameMappings } from '../shared/plan-source';
import { differs } from './connections';
import { activityContext, refuse } from './context';
import { ensureNamed, type PriorOf } from './lookups';
import { markedDescription, withApplySet, withUserDescription } from './ownership';
import { actualMappingSet } from './read';
import type { ById, EnsureInput, EnsureResult, Mappings, Owner } from './types';

type MappingRef = { id: string; version: number };

export function flowActivities({ aep }: { aep: AepClient }) {
  return {
    ensureMappingSet(
      input: EnsureInput<PriorOf<'mappingSet'>> & { schemaId: string; mappings: Mappings },
    ): Promise<EnsureResult & { version: number }> {
      const body = mappingSetBody(input.owner, input);
      return ensureNamed(aep, 'mappingSet', input, body, { keep: ({ version }) => ({ version }) });
    },
    ensureFlow(
      input: EnsureInput & {
        /** The flow this one replaces: never taken for it (it goes once this one exists). */
        replaces?: string;
        sourceConnectionId: string;
        targetConnectionId: string;
        mappingSet?: MappingRef;
      },
    ): Promise<EnsureResult> {
      const { owner, mappingSet, sourceConnectionId, targetConnectionId } = input;
      const params = mappingSet && { mappingId: mappingSet.id, mappingVersion: mappingSet.version };
      const body = {
        name: owner.sourceName,
        description: markedDescription(owner),
        flowSpec: params ? SPEC.streamingFlowWithMapping : SPEC.streamingFlow,
        sourceConnectionIds: [sourceConnectionId],
        targetConnectionIds: [targetConnectionId],
        ...(params ? { transformations: [{ name: 'Mapping' as const, params }] } : {}),
      };
      const check = ({ id, sourceConnectionIds: from, targetConnectionIds: to }: Flow) => {
        if (from.includes(sourceConnectionId) && to.includes(targetConnectionId)) return;
        differs(
          `Dataflow "${owner.sourceName}" (${id}) exists with other connections: deprovision it first or choose another name`,
          { kind: 'flow', id },
        );
      };
      const exclude = input.replaces ? [input.replaces] : [];
      return ensureNamed(aep, 'flow', input, body, { check, exclude });
    },
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
      const xdmEntity = input.record ?? { _id: `smoke-test-${flowId}` };
      const record =
        input.dataType === 'xdm'
          ? {
              header: { schemaRef, flowId, datasetId, source },
              body: { xdmMeta: { schemaRef }, xdmEntity },
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

export function updateActivities({ aep }: { aep: AepClient }) {
  return {
    /** The base connection's description, its marker kept (but for `applySet`, if given). */
    async updateDescription(
      input: ById & { description: string; applySet?: string },
    ): Promise<void> {
      const { sandbox, id, description, applySet } = input;
      const { signal } = activityContext();
      await patchWithEtag(
        `Base connection ${id}`,
        () => aep.getConnection(sandbox, id, signal),
        (c) => {
          const user = withUserDescription(c.description, description);
          const value = applySet === undefined ? user : withApplySet(user, applySet);
          return value === c.description ? [] : [{ op: 'replace', path: '/description', value }];
        },
        (etag, ops) => aep.patchConnection(sandbox, id, etag, ops, signal),
      );
    },
    /**
     * A new version of the source's mapping set (Data Prep PUT). Idempotent: when the latest
     * version already holds these mappings (an earlier attempt's PUT landed), it is returned.
     */
    async updateMappingSet(input: {
      owner: Owner;
      id: string;
      schemaId: string;
      mappings: Mappings;
    }): Promise<EnsureResult & { version: number }> {
      const { owner, id, schemaId, mappings } = input;
      const { signal } = activityContext();
      const current =
        (await aep.getMappingSet(owner.sandbox, id, signal)) ?? gone(`Mapping set ${id}`);
      const latest = actualMappingSet(current);
      if (latest.schemaId === schemaId && sameMappings(latest.mappings, mappings)) {
        return { id, version: current.version, created: false };
      }
      const body = { ...mappingSetBody(owner, input), description: current.description };
      const updated = await aep.updateMappingSet(owner.sandbox, id, body, signal);
      return { id, version: updated.version, created: false };
    },
    async updateFlow(input: ById & { mapping?: MappingRef; enable: boolean }): Promise<void> {
      const { sandbox, id, mapping, enable } = input;
      const { signal } = activityContext();
      const flow = await patchWithEtag(
        `Dataflow ${id}`,
        () => aep.getFlow(sandbox, id, signal),
        (f) => (mapping ? mappingOps(f, mapping) : []),
        (etag, ops) => aep.patchFlow(sandbox, id, etag, ops, signal),
      );
      if (enable && flow.state !== undefined && flow.state !== 'enabled') {
        await aep.flowAction(sandbox, id, 'enable', signal);
      }
    },
  };
}

/** The legacy mapping-set body of Adobe's HTTP API tutorial. */
function mappingSetBody(
  owner: Owner,
  { schemaId, mappings }: { schemaId: string; mappings: Mappings },
) {
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

function gone(what: string): never {
  const message = `${what} disappeared while it was being updated; provisioning again recreates it`;
  refuse(FailureType.AepNotFound, message);
}

/** PATCHes `ops(current)` (none: nothing to do) with the etag read, again on a stale one (412). */
async function patchWithEtag<T extends { etag?: string }>(
  what: string,
  read: () => Promise<T | null>,
  ops: (current: T) => JsonPatchOp[],
  patch: (etag: string, ops: JsonPatchOp[]) => Promise<unknown>,
): Promise<T> {
  for (let i = 0; ; i++) {
    const current = (await read()) ?? gone(what);
    const body = ops(current);
    try {
      if (body.length > 0) await patch(current.etag ?? '*', body);
      return current;
    } catch (err) {
      const stale = err instanceof ApplicationFailure && aepFailureDetails(err)?.status === 412;
      if (!stale || i >= 3) throw err;
    }
  }
}

/** The PATCH pointing the flow's Mapping transformation at `mapping` (none if it already does). */
function mappingOps(flow: Flow, mapping: MappingRef): JsonPatchOp[] {
  const index = (flow.transformations ?? []).findIndex((t) => t.name === 'Mapping');
  if (index < 0) {
    const params = { mappingId: mapping.id, mappingVersion: mapping.version };
    return [{ op: 'add', path: '/transformations/-', value: { name: 'Mapping', params } }];
  }
  const params = flow.transformations?.[index]?.params;
  const at = `/transformations/${index}/params`;
  const ops: JsonPatchOp[] = [];
  if (params?.mappingId !== mapping.id) {
    ops.push({ op: 'replace', path: `${at}/mappingId`, value: mapping.id });
  }
  if (Number(params?.mappingVersion) !== mapping.version) {
    ops.push({ op: 'replace', path: `${at}/mappingVersion`, value: mapping.version });
  }
  return ops;
}
