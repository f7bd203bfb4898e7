/**
 * The sides of a provisioning: source, target and mapping (in parallel), then the flow. A resource
 * the plan keeps or updates is passed to its ensure activity as `found` (no lookup, no create on
 * the first attempt; a retry still looks up); one it creates is registered with the saga first.
 */
import type { EnsureResult, InletInfo, Owner, PriorResource } from '../activities/types';
import type { ProvisionRequest } from '../request';
import type { ActualSource, SourcePlan } from '../shared/plan';
import type { ResourceKind } from '../shared/resources';
import type { Progress } from './progress';
import type { Saga } from './saga';
import { DELETE } from './policies';
import {
  createBaseConnection,
  createSourceConnection,
  ensureDataset,
  readInlet,
  step,
} from './steps';

export interface SidesContext {
  req: ProvisionRequest;
  owner: Owner;
  saga: Saga;
  progress: Progress;
  actual: ActualSource;
  plan: SourcePlan;
}

export interface SourceSide {
  base: EnsureResult;
  inlet: InletInfo;
  source: EnsureResult;
}
export interface TargetSide {
  dataset: { id: string; created: boolean; retired?: string };
  target: EnsureResult;
}
export interface MappingRef {
  id: string;
  version: number;
}
export interface Applied {
  source: SourceSide;
  target: TargetSide;
  mapping: MappingRef | undefined;
  flow: { id: string; changed: boolean };
}

/** One method per side; `provision.ts` runs them in their dependency order. */
export class Sides {
  constructor(private readonly ctx: SidesContext) {}

  private planned(kind: ResourceKind) {
    return this.ctx.plan.resources.find((r) => r.kind === kind);
  }

  /** What exists and stays (kept or updated in place): `null` when it is to be created. */
  private found(kind: ResourceKind): PriorResource | null {
    const r = this.planned(kind);
    return r?.id && (r.action === 'keep' || r.action === 'update')
      ? { id: r.id, createdByThisRun: false }
      : null;
  }

  /** Base connection (and its description), then its inlet URL beside the source connection. */
  async sourceSide(): Promise<SourceSide> {
    const { req, owner, saga, progress, actual } = this.ctx;
    const baseFound = this.found('baseConnection');
    const base = await createBaseConnection(saga, req, owner, baseFound);
    progress.record('baseConnection', base);
    const known = baseFound ? actual.baseConnection : null;
    const [inlet, source] = await Promise.all([
      known?.inletUrl && known.inletId
        ? {
            inletUrl: known.inletUrl,
            inletId: known.inletId,
            authenticationRequired: known.authenticationRequired,
          }
        : readInlet(req.sandbox, base.id),
      createSourceConnection(saga, req.name, {
        owner,
        baseConnectionId: base.id,
        found: this.found('sourceConnection'),
      }),
      this.planned('baseConnection')?.action === 'update'
        ? step('updateDescription', 'Update the base connection description', {
            sandbox: req.sandbox,
            id: base.id,
            description: req.description ?? '',
          }).then(() => progress.update('baseConnection', base.id, 'description'))
        : undefined,
    ]);
    progress.state.inletUrl = inlet.inletUrl;
    progress.done('inlet URL read');
    progress.record('sourceConnection', source);
    return { base, inlet, source };
  }

  /**
   * The dataset (named by id: checked; by name: asked of its workflow, which records this source
   * as a writer before its target connection exists), then the target connection. A source
   * whose target connection stays is a writer already: nothing is asked.
   */
  async targetSide(): Promise<TargetSide> {
    const { req, owner, saga, progress, actual } = this.ctx;
    const { datasetId, schemaId } = req.target;
    const targetFound = this.found('targetConnection');
    const kept = actual.dataset && this.found('dataset') && targetFound ? actual.dataset : null;
    const dataset = kept ? { id: kept.id, created: false } : await ensureDataset(saga, req, owner);
    progress.record('dataset', dataset, datasetId === undefined);
    if ('retired' in dataset && dataset.retired) {
      progress.done(`dataset ${dataset.retired} kept with its data (another schema): retired`);
    }
    const target = await saga.create('targetConnection', req.name, () =>
      step('ensureTargetConnection', 'Target connection', {
        owner,
        datasetId: dataset.id,
        datasetNamedById: datasetId !== undefined,
        schemaId,
        found: targetFound ? { ...targetFound, dataSetId: dataset.id } : null,
      }),
    );
    progress.record('targetConnection', target);
    return { dataset, target };
  }

  /** The mapping set: created, given a new version with the request's mappings, or kept. */
  async mappingSide(): Promise<MappingRef | undefined> {
    const { req, owner, saga, progress, actual } = this.ctx;
    const mappings = req.mappings;
    const r = this.planned('mappingSet');
    if (!mappings || !r) return undefined;
    const schemaId = req.target.schemaId;
    if (r.action === 'update' && r.id) {
      const updated = await step(
        'updateMappingSet',
        `New mapping-set version (${mappings.length} mappings)`,
        {
          owner,
          id: r.id,
          schemaId,
          mappings,
        },
      );
      progress.record('mappingSet', updated);
      progress.update('mappingSet', updated.id, `version ${updated.version}`);
      return { id: updated.id, version: updated.version };
    }
    const kept = r.action === 'keep' ? actual.mappingSet : null;
    const result = await saga.create('mappingSet', req.name, () =>
      step('ensureMappingSet', `Data Prep mapping set (${mappings.length} mappings)`, {
        owner,
        schemaId,
        mappings,
        found: kept ? { id: kept.id, createdByThisRun: false, version: kept.version } : null,
      }),
    );
    progress.record('mappingSet', result);
    return { id: result.id, version: result.version };
  }

  /**
   * The flow: created, updated (mapping version, re-enabled), kept, or replaced make-before-break
   * (another flow spec, or connections that changed): the new flow is created first, the old one
   * deleted only once the new one exists, and then the run is committed (saga.commit): a later
   * failure or cancellation keeps the new flow rather than leave the inlet feeding nothing.
   */
  async flow(
    source: SourceSide,
    target: TargetSide,
    mapping: MappingRef | undefined,
  ): Promise<Applied['flow']> {
    const { req, owner, saga, progress } = this.ctx;
    const r = this.planned('flow');
    const flowFound = this.found('flow');
    const replaces = r?.action === 'replace' ? r.id : undefined;
    const flow = await saga.create('flow', req.name, () =>
      step('ensureFlow', replaces ? `Dataflow (replaces ${replaces})` : 'Dataflow', {
        owner,
        found: flowFound,
        sourceConnectionId: source.source.id,
        targetConnectionId: target.target.id,
        mappingSet: mapping,
        ...(replaces ? { replaces } : {}),
      }),
    );
    progress.record('flow', flow);
    if (replaces) {
      await step(
        'deleteResource',
        `Delete the replaced dataflow ${replaces} (${r?.reason ?? 'replaced'})`,
        { kind: 'flow', sandbox: req.sandbox, id: replaces },
        DELETE,
      );
      saga.commit();
      progress.done(`flow ${replaces} deleted: replaced by ${flow.id} (${r?.reason ?? ''})`);
    }
    if (r?.action === 'update') {
      await step('updateFlow', 'Point the dataflow at the mapping version; enable it', {
        sandbox: req.sandbox,
        id: flow.id,
        ...(mapping ? { mapping } : {}),
        enable: true,
      });
      progress.update('flow', flow.id, (r.changes ?? []).map((c) => c.field).join(', '));
    }
    return { id: flow.id, changed: flow.created || r?.action === 'update' };
  }
}
