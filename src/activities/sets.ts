/** Apply sets (`apply --prune`): the sources of a set, found by their base connection's marker. */
import type { AepClient } from '../aep/client';
import { SPEC } from '../aep/constants';
import type { Place } from '../request';
import { activityContext } from './context';
import { parseMarker } from './ownership';
import { discoveryActivities } from './teardown';
import type { SourceGraph } from './types';

export interface FindApplySetInput {
  sandbox: string;
  applySet: string;
  /** The sources the input names: members, never pruned, never read again. */
  keep: string[];
  /** Also discover each source to prune (its resources, for a plan). */
  graphs?: boolean;
}

export interface ApplySetMembers {
  /** Every source listed as a member (base connection marked ` set=<id>`), the input's included. */
  members: string[];
  /** Members the input does not name, each read again by id and still of the set. */
  prune: Array<{ name: string; baseConnectionId: string; graph?: SourceGraph }>;
}

export function setActivities(deps: { aep: AepClient; place: Place }) {
  const { aep, place } = deps;
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
      const keep = new Set(input.keep);
      const inSet = (description?: string) => {
        const m = parseMarker(description);
        return m?.imsOrg === place.imsOrg && m.sandbox === sandbox && m.applySet === applySet
          ? m.source
          : undefined;
      };
      const filters = [{ path: 'connectionSpec.id', value: SPEC.httpApiConnection.id }];
      const listed = await aep.listConnections(sandbox, filters, undefined, signal);
      const members = new Set<string>();
      const prune: ApplySetMembers['prune'] = [];
      const discovery = discoveryActivities({ aep });
      for (const base of listed) {
        const name = inSet(base.description);
        if (name === undefined) continue;
        members.add(name);
        if (keep.has(name) || prune.some((p) => p.name === name)) continue;
        const now = await aep.getConnection(sandbox, base.id, signal);
        if (!now || inSet(now.description) !== name) continue;
        const graph = input.graphs ? await discovery.discoverSource({ sandbox, name }) : undefined;
        prune.push({ name, baseConnectionId: base.id, ...(graph ? { graph } : {}) });
      }
      return { members: [...members].sort(), prune };
    },
  };
}
