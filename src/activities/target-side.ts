/** The target side: schema check and early lookups, dataset, target connection. */
import { ApplicationFailure } from '@temporalio/common';
import type { AepClient } from '../aep/client';
import { SPEC, XDM_DATASET_CONTENT_TYPE, XDM_FULL_CONTENT_TYPE } from '../aep/constants';
import type { CreateTargetConnectionBody } from '../aep/types';
import { FailureType } from '../shared/names';
import { activityContext, ensureOwned, priorResource } from './context';
import { datasetMismatch, differs, schemaNotFound } from './failures';
import { lookUpDataset, lookUpOwnNamed } from './lookups';
import { markedDescription, creatorRun } from './ownership';
import { canonicalDataset, leaveForCanonical } from './shared-dataset';
import type {
  EnsureDatasetInput,
  EnsureResult,
  EnsureTargetConnectionInput,
  InspectTargetInput,
  TargetConnectionResult,
  TargetInspection,
} from './types';

export function targetSideActivities({ aep }: { aep: AepClient }) {
  return {
    /**
     * Read-only, started beside the base connection: checks the target schema and, in parallel,
     * finds what an earlier provisioning of this source created on the target side (its dataset,
     * target connection and mapping set, by name). The creates that follow take these results
     * instead of looking up again on their first attempt, so no lookup waits on the target side's
     * critical path (schema → dataset → target connection → flow). Nothing is created here, and
     * nothing is created by the workflow before the schema check has passed. SchemaNotFound and
     * ForeignResourceConflict are non-retryable.
     */
    async inspectTarget(input: InspectTargetInput): Promise<TargetInspection> {
      const { owner, datasetName } = input;
      const { signal } = activityContext();
      const [schema, dataset, targetConnection, mappingSet] = await Promise.all([
        aep.getSchema(owner.sandbox, input.schemaId, signal),
        datasetName !== undefined ? lookUpDataset(aep, owner, datasetName, signal) : undefined,
        lookUpOwnNamed(aep, 'targetConnection', owner, signal),
        input.mappingSet ? lookUpOwnNamed(aep, 'mappingSet', owner, signal) : undefined,
      ]);
      if (!schema) schemaNotFound(owner.sandbox, input.schemaId);
      return {
        schemaTitle: schema.title,
        ...(datasetName !== undefined ? { dataset: dataset ?? null } : {}),
        targetConnection: targetConnection ?? null,
        ...(input.mappingSet ? { mappingSet: mappingSet ?? null } : {}),
      };
    },

    /**
     * An existing dataset named by id is checked (exists, same schema) and never owned; a named
     * dataset is found by name among this project's datasets, or created.
     */
    async ensureDataset(input: EnsureDatasetInput): Promise<EnsureResult> {
      if (input.datasetId) return checkDatasetById(aep, input, input.datasetId);
      const spec = input.dataset;
      if (!spec) throw new Error('ensureDataset needs datasetId or dataset');
      return ensureNamedDataset(aep, input, spec);
    },

    /**
     * The target connection into the dataset. With `settleDataset` (this run created the dataset,
     * by name), it also settles on the canonical dataset of that name (shared-dataset.ts): on the
     * first attempt in parallel with the create, on a retry before it. With `adoptedDataset`
     * (the dataset is another source's), it makes sure the dataset is still there once the
     * connection exists. `dataset` in the result says where the source writes when it moved.
     */
    async ensureTargetConnection(
      input: EnsureTargetConnectionInput,
    ): Promise<TargetConnectionResult> {
      const settle = input.settleDataset;
      if (input.adoptedDataset) return intoAdoptedDataset(aep, input, input.adoptedDataset);
      if (!settle) return ensureTargetConnectionInto(aep, input);
      const { owner } = input;
      const { attempt, signal } = activityContext();
      // The target connection into the dataset this run created (made in parallel with the
      // settling on the first attempt, afterwards on a retry), and the canonical dataset.
      let made: EnsureResult | undefined;
      let canonical;
      if (attempt === 1) {
        [made, canonical] = await Promise.all([
          ensureTargetConnectionInto(aep, input),
          canonicalDataset(aep, owner, settle.name, input.datasetId, signal),
        ]);
      } else {
        canonical = await canonicalDataset(aep, owner, settle.name, input.datasetId, signal);
      }
      const stay = async () => made ?? ensureTargetConnectionInto(aep, input);
      if (!canonical || canonical.id === input.datasetId) return stay();
      // A canonical dataset of another schema is not this source's; ours, adopted already, stays.
      if (canonical.schemaRef.id !== input.schemaId) return stay();
      const known = made && { id: made.id, dataSetId: input.datasetId };
      if (!(await leaveForCanonical(aep, owner, input.datasetId, known, signal))) return stay();
      // The canonical dataset is another source's: its last writer may delete it meanwhile.
      const target = await intoAdoptedDataset(
        aep,
        { ...input, datasetId: canonical.id },
        { name: settle.name },
      );
      return {
        ...target,
        dataset: target.dataset ?? {
          id: canonical.id,
          created: creatorRun(canonical.description) === owner.runId,
        },
      };
    },
  };
}

/** An existing dataset the request names by id: it must exist and use the schema; never owned. */
async function checkDatasetById(
  aep: AepClient,
  { owner, schemaId }: EnsureDatasetInput,
  id: string,
): Promise<EnsureResult> {
  const ds = await aep.getDataset(owner.sandbox, id, activityContext().signal);
  if (!ds) datasetMismatch(`Dataset ${id} does not exist in sandbox "${owner.sandbox}"`);
  if (ds.schemaRef.id !== schemaId) {
    datasetMismatch(`Dataset ${id} uses schema ${ds.schemaRef.id}, not ${schemaId}`);
  }
  return { id: ds.id, created: false };
}

/**
 * A dataset the request names: found by name among this project's datasets (the canonical one
 * first), or created. One this run created is settled with its target connection.
 */
async function ensureNamedDataset(
  aep: AepClient,
  input: EnsureDatasetInput,
  spec: { name: string; description?: string },
): Promise<EnsureResult> {
  const { owner, schemaId } = input;
  const { signal, commitSignal } = activityContext();
  const prior = await priorResource(input, () => lookUpDataset(aep, owner, spec.name, signal));
  if (prior) {
    if (prior.schemaId !== schemaId) {
      differs(
        `Dataset "${spec.name}" (${prior.id}) exists with schema ${prior.schemaId}, not ${schemaId}`,
        { kind: 'dataset', id: prior.id },
      );
    }
    return { id: prior.id, created: prior.createdByThisRun };
  }
  const { id } = await aep.createDataset(
    owner.sandbox,
    {
      name: spec.name,
      description: markedDescription(owner, spec.description),
      schemaRef: { id: schemaId, contentType: XDM_DATASET_CONTENT_TYPE },
      fileDescription: { persisted: true, containerFormat: 'parquet', format: 'parquet' },
    },
    commitSignal(),
  );
  return { id, created: true };
}

/**
 * Into a dataset this run adopted (another source created it). That source's teardown may delete
 * it between this run's lookup and its target connection, when it was the last writer. Flow
 * Service may refuse the target connection then (the emulator does) or accept it into a dataset
 * that is gone (not documented), so the dataset is checked after either outcome (one read); when
 * it is gone, a target connection made into it is deleted and the dataset is ensured again by
 * name (another source's new one, or this run's), reported as `dataset`. A retry that finds it
 * gone goes straight to that.
 */
async function intoAdoptedDataset(
  aep: AepClient,
  input: EnsureTargetConnectionInput,
  spec: { name: string; description?: string },
): Promise<TargetConnectionResult> {
  const { owner } = input;
  const { attempt, signal } = activityContext();
  const exists = async () =>
    (await aep.getDataset(owner.sandbox, input.datasetId, signal)) !== null;
  let stale: string | undefined;
  if (attempt === 1 || (await exists())) {
    let made: EnsureResult | undefined;
    try {
      made = await ensureTargetConnectionInto(aep, input);
    } catch (err) {
      if (!isBadRequest(err) || (await exists())) throw err;
    }
    if (made && (await exists())) return made;
    stale = made?.id;
  }
  stale ??= await lookUpOwnNamed(aep, 'targetConnection', owner, signal).then((t) =>
    t?.dataSetId === input.datasetId ? t.id : undefined,
  );
  if (stale) await aep.deleteTargetConnection(owner.sandbox, stale, signal);
  const dataset = await ensureNamedDataset(
    aep,
    { owner, schemaId: input.schemaId, lookupFirst: true, dataset: spec },
    spec,
  );
  const target = await ensureTargetConnectionInto(aep, { ...input, datasetId: dataset.id });
  return { ...target, dataset };
}

function isBadRequest(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.type === FailureType.AepBadRequest;
}

/** Found by the source's own name (it must write to `datasetId`), or created. */
function ensureTargetConnectionInto(
  aep: AepClient,
  input: EnsureTargetConnectionInput,
): Promise<EnsureResult> {
  const { owner } = input;
  return ensureOwned(input, {
    lookUp: (signal) => lookUpOwnNamed(aep, 'targetConnection', owner, signal),
    check: (prior) => {
      if (prior.dataSetId !== input.datasetId) {
        differs(
          `Source "${owner.sourceName}" already writes to dataset ${prior.dataSetId ?? '(none)'}, not ${input.datasetId}: deprovision it first or choose another name`,
          { kind: 'targetConnection', id: prior.id },
        );
      }
    },
    create: (commit) =>
      aep.createTargetConnection(owner.sandbox, targetConnectionBody(input), commit),
  });
}

/**
 * Into the dataset, as full XDM. `keep-dataset` in the marker when the request named the dataset
 * by id: teardown never deletes it.
 */
function targetConnectionBody(input: EnsureTargetConnectionInput): CreateTargetConnectionBody {
  const { owner } = input;
  return {
    name: owner.sourceName,
    description: markedDescription(owner, undefined, {
      keepDataset: input.datasetNamedById === true,
    }),
    data: { format: 'json', schema: { id: input.schemaId, version: XDM_FULL_CONTENT_TYPE } },
    params: { dataSetId: input.datasetId },
    connectionSpec: SPEC.dataLake,
  };
}
