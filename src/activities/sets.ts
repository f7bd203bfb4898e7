/** Apply sets (`apply --prune`): the sources of a set, found by their base connection's marker. */
import type { AepClient } from '../aep/client';
import { SPEC } from '../aep/constants';
import type { Place } from '../request';
import { activityContext } from './context';
import { parseMarker } from './ownership';
import { discoveryActivities } from './teardown';
import type { SourceGraph } from './types';

/** `keep`: the sources the input names (never pruned); `graphs`: discover each one to prune. */
export interface FindApplySetInput {
  sandbox: string;
  applySet: string;
  keep: string[];
  graphs?: boolean;
}

/** `members`: every source listed (the input's too); `prune`: the others still of the set. */
export interface ApplySetMembers {
  members: string[];
  prune: Array<{ name: string; baseConnectionId: string; graph?: SourceGraph }>;
}

export function setActivities({ aep, place }: { aep: AepClient; place: Place }) {
  const discovery = discoveryActivities({ aep });
  return {
    /**
     * The members of apply set `applySet` in the sandbox: this org's HTTP API base connections whose
     * marker names the set. A list may lag: a base connection created or moved a moment ago may be
     * missing (its source is pruned by a later apply) or still listed though gone or moved (each
     * one to prune is read again by id). Whatever the lists say, a source of `keep` is never pruned.
     */
    async findApplySet(input: FindApplySetInput): Promise<ApplySetMembers> {
      const { sandbox, applySet } = input;
      const { signal } = activityContext();
      const inSet = (description?: string) => {
        const m = parseMarker(description);
        const here = m?.imsOrg === place.imsOrg && m.sandbox === sandbox;
        return here && m.applySet === applySet ? m.source : undefined;
      };
      const filters = [{ path: 'connectionSpec.id', value: SPEC.httpApiConnection.id }];
      const members = new Set<string>();
      const prune: ApplySetMembers['prune'] = [];
      for (const base of await aep.listConnections(sandbox, filters, undefined, signal)) {
        const name = inSet(base.description);
        if (name === undefined) continue;
        members.add(name);
        if (input.keep.includes(name) || prune.some((p) => p.name === name)) continue;
        const now = await aep.getConnection(sandbox, base.id, signal);
        if (!now || inSet(now.description) !== name) continue;
        const graph = input.graphs ? await discovery.discoverSource({ sandbox, name }) : undefined;
        prune.push({ name, baseConnectionId: base.id, ...(graph ? { graph } : {}) });
      }
      return { members: [...members].sort(), prune };
    },
  };
}
