import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../shared/names';
import type { ResourceKind } from '../shared/resources';
import type { Owner } from './types';

/**
 * Ownership marker: every resource this project creates ends its description with
 * `[aep-stream-provisioner source=<source name> run=<runId>]`. Lookups before a create adopt only
 * marked resources: the run id tells "created by this very run in an earlier attempt" (still ours
 * to compensate) from "created by an earlier provisioning" (reused, never compensated), and the
 * source name tells teardown which source a shared dataset belongs to. Source names cannot hold
 * `[` or `]` (request validation), so the marker parses unambiguously.
 */
const MARKER = /\s*\[aep-stream-provisioner source=([^\]]+) run=([A-Za-z0-9-]+)\]$/;

export function markedDescription(owner: Owner, description?: string): string {
  const marker = `[aep-stream-provisioner source=${owner.sourceName} run=${owner.runId}]`;
  return description ? `${description} ${marker}` : marker;
}

/** The run that created a resource, or undefined when this project did not create it. */
export function creatorRun(description: string | undefined): string | undefined {
  return description ? MARKER.exec(description)?.[2] : undefined;
}

/** The source a resource was created for, or undefined when this project did not create it. */
export function creatorSource(description: string | undefined): string | undefined {
  return description ? MARKER.exec(description)?.[1] : undefined;
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
 * Picks the resource to adopt among lookup results. Prefers one this run created, then one an
 * earlier run created; throws ForeignResourceConflict (non-retryable) when the name is taken only
 * by resources this project did not create: those are never adopted and never deleted.
 */
export function adopt<T extends Candidate>(
  kind: ResourceKind,
  owner: Owner,
  label: string,
  candidates: T[],
): Adoption<T> | undefined {
  const mine = candidates.find((c) => creatorRun(c.description) === owner.runId);
  if (mine) return { resource: mine, createdByThisRun: true };
  const ours = candidates.find((c) => isOwned(c.description));
  if (ours) return { resource: ours, createdByThisRun: false };
  const foreign = candidates[0];
  if (foreign) {
    throw ApplicationFailure.create({
      type: FailureType.ForeignResourceConflict,
      message: `A ${kind} ${label} already exists in sandbox "${owner.sandbox}" (id ${foreign.id}) and was not created by this project; it is left untouched. Choose another name, or delete it yourself.`,
      nonRetryable: true,
      details: [{ kind, id: foreign.id, sandbox: owner.sandbox }],
    });
  }
  return undefined;
}
