import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../shared/names';
import type { ResourceKind } from '../shared/resources';
import type { Owner } from './types';

/**
 * Ownership marker: every resource this project creates carries in its description
 * `[aep-stream-provisioner org=<IMS org> sandbox=<sandbox> source="<source name>" run=<runId>]`
 * (the name as a JSON string, so any name AEP accepts parses). Lookups before a create adopt only
 * resources marked for the same org and sandbox: the run id tells "created by this very run in an
 * earlier attempt" (still ours to compensate) from "created by an earlier provisioning" (reused,
 * never compensated), and the source name tells lookups and teardown which source it belongs to.
 * A description may hold text a person wrote around the marker, even marker-like text: the marker
 * is the LAST one in the description (this project appends it after the user's text).
 */
const MARKER =
  /\[aep-stream-provisioner org=(\S+) sandbox=(\S+) source=("(?:[^"\\]|\\.)*") run=([A-Za-z0-9-]+)( keep-dataset)?\]/gu;

interface Marker {
  /** The marker's text and where it starts in the description. */
  text: string;
  index: number;
  imsOrg: string;
  sandbox: string;
  source: string;
  run: string;
  keepDataset: boolean;
}

/** The marker of a description (the last one), or undefined when this project did not create it. */
export function parseMarker(description: string | undefined): Marker | undefined {
  let last: Marker | undefined;
  for (const m of (description ?? '').matchAll(MARKER)) {
    let source: string;
    try {
      source = JSON.parse(m[3] ?? '') as string;
    } catch {
      continue;
    }
    const [text, imsOrg = '', sandbox = '', , run = '', keep] = m;
    last = { text, index: m.index, imsOrg, sandbox, source, run, keepDataset: keep !== undefined };
  }
  return last;
}

/** The marker naming the owner's source and run, as it goes into a description. */
export function markerOf(owner: Owner, keepDataset = false): string {
  const { imsOrg, sandbox, sourceName, runId } = owner;
  return `[aep-stream-provisioner org=${imsOrg} sandbox=${sandbox} source=${JSON.stringify(sourceName)} run=${runId}${keepDataset ? ' keep-dataset' : ''}]`;
}

/**
 * `keepDataset` (target connections only): the request named its dataset by id, so the dataset
 * is never this project's to delete, whoever created it.
 */
export function markedDescription(
  owner: Owner,
  description?: string,
  opts: { keepDataset?: boolean } = {},
): string {
  const marker = markerOf(owner, opts.keepDataset === true);
  return description ? `${description} ${marker}` : marker;
}

/** True for a target connection whose request named its dataset by id. */
export function keepsDataset(description: string | undefined): boolean {
  return parseMarker(description)?.keepDataset === true;
}

/** The run that created a resource, or undefined when this project did not create it. */
export function creatorRun(description: string | undefined): string | undefined {
  return parseMarker(description)?.run;
}

/** The source a resource was created for, or undefined when this project did not create it. */
export function creatorSource(description: string | undefined): string | undefined {
  return parseMarker(description)?.source;
}

/** Created by this project for the source named exactly `sourceName` (case-sensitive). */
export function isOwnedBy(description: string | undefined, sourceName: string): boolean {
  return parseMarker(description)?.source === sourceName;
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

export function isOwned(description: string | undefined): boolean {
  return creatorRun(description) !== undefined;
}

interface Candidate {
  id: string;
  name?: string;
  description?: string;
}

export interface Adoption<T> {
  resource: T;
  /** Created by this run (an earlier attempt whose response was lost). */
  createdByThisRun: boolean;
}

/**
 * Picks the resource to adopt among lookup results (the caller keeps exact name matches only).
 * Prefers one this run created, then one an earlier run created for this very source (the marker
 * names it; datasets, which sources may share, take any of this project's: `anySource`); throws
 * ForeignResourceConflict (non-retryable) when the name is taken only by resources that are not
 * this source's: those are never adopted and never deleted.
 */
export function adopt<T extends Candidate>(
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
