import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../shared/names';
import type { ResourceKind } from '../shared/model';
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
      const keepDataset = flag === ' keep-dataset';
      const ownDataset = flag === ' own-dataset';
      const marker = { text, index: m.index, imsOrg, sandbox, source, run, applySet };
      return [{ ...marker, keepDataset, ownDataset }];
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
  const flag =
    opts.keepDataset === true ? ' keep-dataset' : opts.ownDataset === true ? ' own-dataset' : '';
  const set = opts.applySet === undefined ? '' : ` set=${opts.applySet}`;
  const marker = `[aep-stream-provisioner org=${imsOrg} sandbox=${sandbox} source=${JSON.stringify(sourceName)} run=${runId}${set}${flag}]`;
  return description ? `${description} ${marker}` : marker;
}

export const applySetOf = (description?: string) => parseMarker(description)?.applySet;

/** The same marker naming apply set `applySet` instead (creator and flags kept). */
export function withApplySet(description: string | undefined, applySet: string): string {
  const d = description ?? '';
  const m = parseMarker(d);
  if (!m) return d;
  const marker = m.text.replace(
    /(run=[A-Za-z0-9-]+)(?: set=[a-z0-9][a-z0-9-]*)?/u,
    `$1 set=${applySet}`,
  );
  return d.slice(0, m.index) + marker + d.slice(m.index + m.text.length);
}

/** What a description's marker says; undefined/false when this project did not create it. */
export const creatorRun = (description?: string) => parseMarker(description)?.run;
export const creatorSource = (description?: string) => parseMarker(description)?.source;
export const isOwned = (description?: string) => parseMarker(description) !== undefined;
/** A target connection whose request named its dataset by id. */
export const keepsDataset = (description?: string) =>
  parseMarker(description)?.keepDataset === true;

/** A dataset this project created for `source` alone (the request named no dataset). */
export const isOwnDatasetOf = (source: string, description?: string) => {
  const m = parseMarker(description);
  return m?.ownDataset === true && m.source === source;
};
/** A dataset created for one source alone: no other source may write to it. */
export const isOwnDataset = (description?: string) => parseMarker(description)?.ownDataset === true;

export function refuseAnothersOwn(dataset: { id: string; description?: string }): never {
  throw ApplicationFailure.create({
    type: FailureType.DatasetMismatch,
    message: `Dataset ${dataset.id} is source "${creatorSource(dataset.description)}"'s own (its request names no dataset): no other source writes to it. Name a dataset every source that shares it names`,
    nonRetryable: true,
    details: [{ kind: 'dataset', id: dataset.id }],
  });
}

/** Named exactly `name` (case-sensitive) and created by this project for the source of that name. */
export function isSourceOwn(name: string, r: { name?: string; description?: string }): boolean {
  return r.name === name && creatorSource(r.description) === name;
}

/** The description without the ownership marker (what a person wrote). */
export function userDescription(description: string | undefined): string {
  const d = description ?? '';
  const m = parseMarker(d);
  if (!m) return d.trim();
  return (d.slice(0, m.index).replace(/\s+$/, '') + d.slice(m.index + m.text.length)).trim();
}

/** The same marker (source, creating run) with another user description. */
export function withUserDescription(description: string | undefined, user: string): string {
  const marker = parseMarker(description)?.text ?? '';
  return user ? `${user} ${marker}`.trim() : marker;
}

export interface Adoption<T> {
  resource: T;
  /** Created by this run (an earlier attempt whose response was lost). */
  createdByThisRun: boolean;
}

/**
 * Picks the resource to adopt among exact name matches: one this run created, else one an earlier
 * run created for this very source (datasets, which sources may share, take any of this project's:
 * `anySource`). Throws ForeignResourceConflict (non-retryable) when the name is taken only by
 * resources that are not this source's: those are never adopted and never deleted.
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
    throw ApplicationFailure.create({
      type: FailureType.ForeignResourceConflict,
      message: `A ${kind} ${label} already exists in sandbox "${owner.sandbox}" (id ${foreign.id}) and was not created by this project for this source; it is left untouched. Choose another name, or delete it yourself.`,
      nonRetryable: true,
      details: [{ kind, id: foreign.id, sandbox: owner.sandbox }],
    });
  }
  return undefined;
}
