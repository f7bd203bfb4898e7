/**
 * What a provisioning shows while it runs: the `progress` query, the workflow's current details
 * in the UI, and the status search attribute (written only on change: every write is a
 * visibility update on the server).
 */
import { setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { EnsureResult } from '../activities/types';
import { progressQuery, SearchAttributes } from '../shared/names';
import type {
  ProvisionProgress,
  ProvisionStatus,
  ResourceKind,
  ResourceRef,
} from '../shared/model';

export class Progress {
  readonly state: ProvisionProgress = {
    status: 'VALIDATING',
    step: 'Validating the request',
    completedSteps: [],
    resources: {},
    compensation: [],
  };
  /** Kinds changed in place by this run. */
  private readonly updated: ResourceKind[] = [];
  private published: ProvisionStatus | undefined;

  constructor() {
    setHandler(progressQuery, () => this.state);
    this.status('VALIDATING', 'Validating the request');
  }

  /**
   * VALIDATING, and a status with `publish: false` (PLANNING), are never published: they last
   * only the first workflow task (local activities), where no one could see them.
   */
  status(status: ProvisionStatus, step: string, { publish = true } = {}): void {
    this.state.status = status;
    this.state.step = step;
    setCurrentDetails(`**${status}** — ${step}`);
    if (!publish || status === this.published || status === 'VALIDATING') return;
    upsertSearchAttributes([{ key: SearchAttributes.status, value: status }]);
    this.published = status;
  }

  done(step: string): void {
    this.state.completedSteps.push(step);
  }

  /** A resource created or found by this run. */
  record(kind: ResourceKind, r: EnsureResult, owned = true): ResourceRef {
    const ref: ResourceRef = { id: r.id, created: r.created, owned };
    this.state.resources[kind] = ref;
    this.done(`${kind} ${r.created ? 'created' : 'found'}: ${r.id}`);
    return ref;
  }

  /** A resource changed in place by this run. */
  update(kind: ResourceKind, id: string, what: string): void {
    if (!this.updated.includes(kind)) this.updated.push(kind);
    this.done(`${kind} updated: ${id} (${what})`);
  }

  /** The kinds recorded, by what this run did with them. */
  kinds(): Record<'created' | 'updated' | 'reused', ResourceKind[]> {
    const refs = this.state.resources;
    const kinds = Object.keys(refs) as ResourceKind[];
    const { updated } = this;
    return {
      created: kinds.filter((k) => refs[k]?.created),
      updated: kinds.filter((k) => !refs[k]?.created && updated.includes(k)),
      reused: kinds.filter((k) => !refs[k]?.created && !updated.includes(k)),
    };
  }
}
