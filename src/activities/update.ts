/**
 * In-place updates of an existing source (what changes without a new inlet URL or moving data).
 * Flow Service PATCHes carry the etag (If-Match); on 412 the resource is re-read, a few times.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { AepClient } from '../aep/client';
import { aepFailureDetails } from '../aep/errors';
import type { Flow, JsonPatchOp } from '../aep/types';
import { FailureType } from '../shared/names';
import { activityContext, refuse } from './context';
import { mappingSetBody, type MappingSetResult } from './flow';
import { withUserDescription } from './ownership';
import type { ById, Mappings, Owner } from './types';

type MappingRef = { id: string; version: number };

const STALE_ETAG_RETRIES = 3;

function gone(what: string): never {
  const message = `${what} disappeared while it was being updated; provisioning again recreates it`;
  refuse(FailureType.AepNotFound, message);
}

async function patchWithEtag<T extends { etag?: string }>(
  what: string,
  read: () => Promise<T | null>,
  ops: (current: T) => JsonPatchOp[],
  patch: (etag: string, ops: JsonPatchOp[]) => Promise<unknown>,
): Promise<T> {
  for (let i = 0; ; i++) {
    const current = (await read()) ?? gone(what);
    const body = ops(current);
    if (body.length === 0) return current;
    try {
      await patch(current.etag ?? '*', body);
      return current;
    } catch (err) {
      const stale = err instanceof ApplicationFailure && aepFailureDetails(err)?.status === 412;
      if (!stale || i >= STALE_ETAG_RETRIES) throw err;
    }
  }
}

export function updateActivities({ aep }: { aep: AepClient }) {
  return {
    /** The base connection `id`'s description (the ownership marker is kept as it is). */
    async updateDescription(input: ById & { description: string }): Promise<void> {
      const { sandbox, id, description } = input;
      const { signal } = activityContext();
      await patchWithEtag(
        `Base connection ${id}`,
        () => aep.getConnection(sandbox, id, signal),
        (c) => {
          const value = withUserDescription(c.description, description);
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
    }): Promise<MappingSetResult> {
      const { owner, id, schemaId, mappings } = input;
      const { signal } = activityContext();
      const current =
        (await aep.getMappingSet(owner.sandbox, id, signal)) ?? gone(`Mapping set ${id}`);
      const key = (ms: Array<Partial<Mappings[number]>>) =>
        JSON.stringify(
          ms.map((m) => [m.sourceAttribute, m.destinationXdmPath, m.identity === true]),
        );
      if (current.xdmSchema === schemaId && key(current.mappings ?? []) === key(mappings)) {
        return { id, version: current.version, created: false };
      }
      const body = {
        ...mappingSetBody(owner, schemaId, mappings),
        description: current.description,
      };
      const updated = await aep.updateMappingSet(owner.sandbox, id, body, signal);
      return { id, version: updated.version, created: false };
    },

    /** Points the flow at a mapping-set version (PATCH, If-Match) and enables it if disabled. */
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
