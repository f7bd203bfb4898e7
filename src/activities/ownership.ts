import { FailureType } from '../shared/names';
import type { ResourceKind } from '../shared/model';
import { refuse } from './context';
import type { Owner } from './types';

/**
 * Ownership marker: every resource this project creates carries one in its description (format
 * and flags: docs/versioning.md, "The 1.0 contract"; the name is a JSON string, so any name AEP
 * accepts parses). Lookups adopt only resources marked for the same org and sandbox: the run id
 * tells "created by this very run in an earlier attempt" (ours to compensate) from "created by an
 * earlier provisioning" (reused, never compensated). The LAST marker counts: this project appends
 * it after whatever a person wrote, marker-like or not.
 */
const MARKER =
  /\[aep-stream-provisioner org=(\S+) sandbox=(\S+) source=("(?:[^"\\]|\\.)*") run=([A-Za-z0-9-]+)(?: set=([a-z0-9][a-z0-9-]*))?( keep-dataset| own-dataset)?\]/gu;

/** The (last) marker of a description, or undefined when this project did not create it. */
export function parseMarker(description: string | undefined) {
  const markers = [...(description ?? '').matchAll(MARKER)].flatMap((m) => {
    const [text, imsOrg = '', sandbox = '', name = '', run = '', applySet, flag] = m;
    try {
      const source = JSON.parse(name) as string;
      const flags = { keepDataset: flag === ' keep-dataset', ownDataset: flag === ' own-dataset' };
      return [{ text, index: m.index, imsOrg, sandbox, source, run, applySet, ...flags }];
    } catch {
      return [];
    }
  });
  return markers.at(-1);
}

/**
 * `description` with the owner's marker appended. `keepDataset` (target connections): the request
 * named its dataset by id, never this project's to delete. `ownDataset` (datasets): created for
 * the owner's source alone. `applySet` (base connections): the source's apply set.
 */
export function markedDescription(
  owner: Owner,
  description?: string,
  opts: { keepDataset?: boolean; ownDataset?: boolean; applySet?: string } = {},
): string {
  const { imsOrg, sandbox, sourceName, runId } = owner;
  const flag = opts.keepDataset ? ' keep-dataset' : opts.ownDataset ? ' own-dataset' : '';
  const set = opts.applySet === undefined ? '' : ` set=${opts.applySet}`;
  const marker = `[aep-stream-provisioner org=${imsOrg} sandbox=${sandbox} source=${JSON.stringify(sourceName)} run=${runId}${set}${flag}]`;
  return description ? `${description} ${marker}` : marker;
}

/** `description` with its marker's text replaced by `edit(marker)` (unchanged without one). */
function editMarker(description: string | undefined, edit: (marker: string) => string) {
  const d = description ?? '';
  const m = parseMarker(d);
  return m ? d.slice(0, m.index) + edit(m.text) + d.slice(m.index + m.text.length) : d;
}

/** The same marker naming apply set `applySet` instead (creator and flags kept). */
export const withApplySet = (description: string | undefined, applySet: string) =>
  editMarker(description, (m) =>
    m.replace(/(run=[A-Za-z0-9-]+)(?: set=[a-z0-9][a-z0-9-]*)?/u, `$1 set=${applySet}`),
  );

/** The description without the ownership marker (what a person wrote). */
export function userDescription(description: string | undefined): string {
  const d = description ?? '';
  const m = parseMarker(d);
  return m
    ? `${d.slice(0, m.index).trimEnd()}${d.slice(m.index + m.text.length)}`.trim()
    : d.trim();
}

/** The same marker (source, creating run) with another user description. */
export function withUserDescription(description: string | undefined, user: string): string {
  const marker = parseMarker(description)?.text ?? '';
  return user ? `${user} ${marker}`.trim() : marker;
}

/** What a description's marker says; undefined/false when this project did not create it.
 * `keepsDataset`: a target connection whose request named its dataset by id. `isOwnDataset`: a
 * dataset created for one source alone (`isOwnDatasetOf`: for `source`), no other may write to
 * it. `isShared`: a dataset of this project shared by name. */
export const applySetOf = (description?: string) => parseMarker(description)?.applySet;
export const creatorRun = (description?: string) => parseMarker(description)?.run;
export const creatorSource = (description?: string) => parseMarker(description)?.source;
export const isOwned = (description?: string) => parseMarker(description) !== undefined;
export const keepsDataset = (description?: string) =>
  parseMarker(description)?.keepDataset === true;
export const isOwnDataset = (description?: string) => parseMarker(description)?.ownDataset === true;
export const isOwnDatasetOf = (source: string, description?: string) =>
  isOwnDataset(description) && creatorSource(description) === source;
export const isShared = (d: { description?: string }) =>
  isOwned(d.description) && !isOwnDataset(d.description);
/** Named exactly `name` (case-sensitive) and created by this project for the source of that name. */
export const isSourceOwn = (name: string, r: { name?: string; description?: string }) =>
  r.name === name && creatorSource(r.description) === name;

export function refuseAnothersOwn(dataset: { id: string; description?: string }): never {
  refuse(
    FailureType.DatasetMismatch,
    `Dataset ${dataset.id} is source "${creatorSource(dataset.description)}"'s own (its request names no dataset): no other source writes to it. Name a dataset every source that shares it names`,
    [{ kind: 'dataset', id: dataset.id }],
  );
}

export interface Adoption<T> {
  resource: T;
  /** Created by this run (an earlier attempt whose response was lost). */
  createdByThisRun: boolean;
}

/**
 * Picks the resource to adopt among exact name matches: one this run created, else one an earlier
 * run created for this very source (`anySource`: for any). Throws ForeignResourceConflict when
 * the name is taken only by resources that are not this source's: never adopted nor deleted.
 */
export function adopt<T extends { id: string; description?: string }>(
  kind: ResourceKind,
  owner: Owner,
  label: string,
  candidates: T[],
  opts: { anySource?: boolean } = {},
): Adoption<T> | undefined {
  // Marked for this org and sandbox: a marker copied from elsewhere is not ours.
  const markerHere = (c: T) => {
    const m = parseMarker(c.description);
    return m?.imsOrg === owner.imsOrg && m.sandbox === owner.sandbox ? m : undefined;
  };
  const mine = candidates.find((c) => markerHere(c)?.run === owner.runId);
  if (mine) return { resource: mine, createdByThisRun: true };
  const ours = candidates.find((c) => {
    const m = markerHere(c);
    return m !== undefined && (opts.anySource === true || m.source === owner.sourceName);
  });
  if (ours) return { resource: ours, createdByThisRun: false };
  const foreign = candidates[0];
  if (foreign) {
    refuse(
      FailureType.ForeignResourceConflict,
      `A ${kind} ${label} already exists in sandbox "${owner.sandbox}" (id ${foreign.id}) and was not created by this project for this source; it is left untouched. Choose another name, or delete it yourself.`,
      [{ kind, id: foreign.id, sandbox: owner.sandbox }],
    );
  }
  return undefined;
}
