/**
 * Datasets. One a request names (shared by name): a run asks the dataset's workflow
 * (src/workflows/dataset.ts) by update-with-start; that workflow alone finds, creates and deletes
 * it. A source's own (its request names none): its own runs find, create and delete it.
 */
import { Context } from '@temporalio/activity';
import {
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { XDM_DATASET_CONTENT_TYPE } from '../aep/constants';
import type {
  AcquireDatasetInput,
  AcquiredDataset,
  ReleaseDatasetInput,
  ReleasedDataset,
} from '../shared/model';
import { rootOf } from '../shared/failures';
import {
  acquireDatasetUpdate,
  askedFromQueue,
  datasetWorkflowId,
  FailureType,
  releaseDatasetUpdate,
  WorkflowType,
} from '../shared/names';
import { activityContext, ensureOwned, refuse } from './context';
import { canonicalOrder, lookups } from './lookups';
import {
  creatorRun,
  isOwnDataset,
  isOwnDatasetOf,
  isOwned,
  isShared,
  markedDescription,
  parseMarker,
  refuseAnothersOwn,
} from './ownership';
import type { StreamingDataset } from '../workflows/dataset';
import type { ActivityDeps } from './index';
import type { ById, EnsureResult, Owner } from './types';

/** The update, with the dataset workflow's start; that workflow's verdict is this activity's. */
async function ask<R, I extends { sandbox: string; name: string }>(
  temporal: Client,
  imsOrg: string,
  update: UpdateDefinition<R, [I]>,
  input: I,
): Promise<R> {
  const { info, cancellationSignal } = Context.current();
  const { sandbox, name } = input;
  const start = new WithStartWorkflowOperation<typeof StreamingDataset>(WorkflowType.dataset, {
    workflowId: datasetWorkflowId({ imsOrg, sandbox, name }),
    taskQueue: askedFromQueue(info.taskQueue),
    args: [{ imsOrg, sandbox, name, writers: [] }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Dataset "${name}" in sandbox ${sandbox}`,
  });
  try {
    // Until the workflow answers or this activity is cancelled: the call goes on there (each is
    // idempotent), and what comes next there (a compensation's release) follows it.
    return await temporal.withAbortSignal(cancellationSignal, () =>
      temporal.workflow.executeUpdateWithStart(update, {
        args: [input],
        startWorkflowOperation: start,
        updateId: `${info.workflowExecution?.runId ?? info.workflowType}/${info.activityId}/${info.attempt}`,
      }),
    );
  } catch (err) {
    const root = err instanceof WorkflowUpdateFailedError ? rootOf(err.cause) : undefined;
    if (!(root instanceof ApplicationFailure)) throw err;
    throw ApplicationFailure.create({
      type: root.type ?? undefined,
      message: root.message,
      nonRetryable: root.nonRetryable === true,
      details: root.details ? [...root.details] : undefined,
    });
  }
}

/** Refuses a name held by a foreign dataset, or (asked for a shared one) by another's own. */
function refuseTaken(
  named: Array<{ id: string; description?: string }>,
  { owner: { sandbox }, name, own }: { owner: Owner; name: string; own?: boolean },
): void {
  const foreign = named.find((d) => !isOwned(d.description));
  if (foreign) {
    refuse(
      FailureType.ForeignResourceConflict,
      `A dataset named "${name}" already exists in sandbox "${sandbox}" (id ${foreign.id}) and was not created by this project; it is left untouched. Name another dataset, or name this one by id`,
      [{ kind: 'dataset', id: foreign.id, sandbox }],
    );
  }
  const another = named.find((d) => isOwnDataset(d.description));
  if (own !== true && another) refuseAnothersOwn(another);
}

export function datasetActivities({ aep, temporal, place }: ActivityDeps) {
  return {
    /** The source starts writing to the dataset named `name`, found or created once. */
    acquireDataset(input: AcquireDatasetInput): Promise<AcquiredDataset> {
      return ask(temporal, place.imsOrg, acquireDatasetUpdate, input);
    },
    /** The source stops writing to it; deleted only with `deleteDataset` and no writer left. */
    releaseDataset(input: ReleaseDatasetInput): Promise<ReleasedDataset> {
      return ask(temporal, place.imsOrg, releaseDatasetUpdate, input);
    },
    /**
     * The dataset of `name` with the schema: `knownId` if it still has it, else the oldest of this
     * project's of the name with the schema, else a new one; each read by id before it is taken.
     * Shared (the dataset workflow's): any of this project's but a source's own. `own` (the
     * source's workflow, for a request that names no dataset): only the owner source's own.
     * `skip`: datasets of the name not to take (one just retired for another schema). `found`:
     * `null` when a recent read saw none of the name (a first attempt creates, a retry looks).
     */
    ensureNamedDataset(input: {
      owner: Owner;
      name: string;
      schemaId: string;
      description?: string;
      knownId?: string;
      skip?: string[];
      found?: null;
      own?: boolean;
    }): Promise<EnsureResult> {
      const { owner, name, schemaId } = input;
      const { sandbox } = owner;
      const fits = (d: { description?: string }) =>
        input.own === true ? isOwnDatasetOf(owner.sourceName, d.description) : isShared(d);
      const take = (d: { id: string; description?: string }) => ({
        id: d.id,
        createdByThisRun: creatorRun(d.description) === owner.runId,
      });
      const body = {
        name,
        description: markedDescription(owner, input.description, { ownDataset: input.own }),
        schemaRef: { id: schemaId, contentType: XDM_DATASET_CONTENT_TYPE },
        fileDescription: { persisted: true, containerFormat: 'parquet', format: 'parquet' },
      };
      return ensureOwned(input, {
        lookUp: async (signal) => {
          const at = lookups(aep, sandbox, signal);
          const known =
            input.knownId === undefined ? null : await at.read('dataset', input.knownId);
          if (known?.schemaRef.id === schemaId && fits(known)) return take(known);
          const named = await at.list('dataset', name);
          const ours = named.filter(fits);
          const candidates = ours
            .filter((d) => d.schemaRef.id === schemaId && !input.skip?.includes(d.id))
            .sort(canonicalOrder);
          for (const candidate of candidates) {
            const current = await at.read('dataset', candidate.id);
            if (current) return take(current);
          }
          if (ours.length === 0) refuseTaken(named, input);
          return undefined;
        },
        create: (commit) => aep.createDataset(sandbox, body, commit),
      });
    },
    /**
     * Once no source it knows of writes to the dataset: deletes it if this project created it
     * (`createdByRun`: that run) and no target connection of the sandbox writes to it (a list can
     * miss a writer made a moment ago, never an old one: it only keeps).
     */
    async deleteDataset(
      input: ById & { createdByRun?: string },
    ): Promise<Omit<ReleasedDataset, 'id'>> {
      const { sandbox, id, createdByRun } = input;
      const at = lookups(aep, sandbox, activityContext().signal);
      const dataset = await at.read('dataset', id);
      if (!dataset) return { outcome: 'absent' };
      const marker = parseMarker(dataset.description);
      if (!marker) return { outcome: 'kept', reason: 'not created by this project' };
      if (createdByRun !== undefined && marker.run !== createdByRun) {
        return { outcome: 'kept', reason: 'not created by this run' };
      }
      const writers = await at.writersOf(id);
      if (writers.length > 0) return { outcome: 'kept', reason: `in use by ${writers.join(', ')}` };
      return { outcome: await at.remove('dataset', id) };
    },
  };
}
