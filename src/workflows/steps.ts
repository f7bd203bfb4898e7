/**
 * One helper to call an activity as a named step: the activity options of its kind and a summary
 * the Temporal UI shows on the activity. Activities are referenced by type only.
 */
import {
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { InletInfo, Owner, PriorResource } from '../activities/types';
import type { ProvisionRequest } from '../request';
import { AEP_CALL, DATASET_CALL, INLET_POLL, VALIDATE_LOCALLY } from './policies';
import type { Saga } from './saga';

const remote = proxyActivities<Activities>(AEP_CALL);
const local = proxyLocalActivities<Activities>(VALIDATE_LOCALLY);

type Name = keyof Activities;
type Input<K extends Name> = Parameters<Activities[K]>[0];
type Output<K extends Name> = Awaited<ReturnType<Activities[K]>>;

interface WithOptions<O> {
  executeWithOptions(options: O, args: unknown[]): Promise<unknown>;
}

/** Calls activity `name` through `proxy` with `options` (which carry the step's summary). */
function call<K extends Name, O>(
  proxy: typeof remote | typeof local,
  name: K,
  options: O,
  input: Input<K>,
): Promise<Output<K>> {
  const fn = proxy[name] as unknown as WithOptions<O>;
  return fn.executeWithOptions(options, [input]) as Promise<Output<K>>;
}

/** A step's options: an activity task's, or `{ local }` for a local activity. */
export type StepOptions = ActivityOptions | { local: LocalActivityOptions };

/**
 * Runs activity `name` with `input` as a named step. `options` default to AEP_CALL (creates and
 * reads, each an activity task). `{ local }` runs it as a local activity, in the worker inside
 * the workflow task: pure code (VALIDATE_LOCALLY) or a read whose lost attempt costs nothing but
 * the read again (READ_LOCALLY).
 */
export function step<K extends Name>(
  name: K,
  summary: string,
  input: Input<K>,
  options: StepOptions = AEP_CALL,
): Promise<Output<K>> {
  return 'local' in options
    ? call(local, name, { ...options.local, summary }, input)
    : call(remote, name, { ...options, summary }, input);
}

/** The request validated (and defaults applied): a local activity, pure code. */
export function validateRequest(input: unknown): Promise<Output<'validateProvisionRequest'>> {
  return step('validateProvisionRequest', 'Validate the request', input, {
    local: VALIDATE_LOCALLY,
  });
}

/** The base connection's inlet URL; polled on INLET_POLL's schedule until Platform has it. */
export function readInlet(sandbox: string, baseConnectionId: string): Promise<InletInfo> {
  return step('getInlet', 'Read the inlet URL', { sandbox, baseConnectionId }, INLET_POLL);
}

/** The source connection on its base connection, registered with the saga before the call. */
export function createSourceConnection(
  saga: Saga,
  name: string,
  input: Input<'ensureSourceConnection'>,
): Promise<Output<'ensureSourceConnection'>> {
  return saga.create('sourceConnection', name, () =>
    step('ensureSourceConnection', 'Source connection', input),
  );
}

/** The base connection (the inlet), registered with the saga before the call. */
export function createBaseConnection(
  saga: Saga,
  req: ProvisionRequest,
  owner: Owner,
  found?: PriorResource | null,
): Promise<Output<'ensureBaseConnection'>> {
  return saga.create('baseConnection', req.name, () =>
    step('ensureBaseConnection', `Base connection "${req.name}"`, {
      owner,
      description: req.description,
      dataType: req.dataType,
      authenticationRequired: req.authentication?.required ?? false,
      ...(found !== undefined ? { found } : {}),
    }),
  );
}

/** The name of the dataset a request creates or finds (the source's own when it names none). */
export function datasetName(req: ProvisionRequest): string {
  return req.target.dataset?.name ?? req.name;
}

/**
 * The target's dataset. Named by id: checked (exists, same schema), never this project's to
 * delete, so no undo. Named by name: asked of the dataset's workflow, which creates it once and
 * records this source as a writer; the undo (compensation) releases it.
 */
export function ensureDataset(
  saga: Saga,
  req: ProvisionRequest,
  owner: Owner,
): Promise<{ id: string; created: boolean; retired?: string }> {
  const { datasetId, schemaId, dataset } = req.target;
  if (datasetId !== undefined) {
    return step('checkDataset', `Check dataset ${datasetId}`, {
      sandbox: req.sandbox,
      id: datasetId,
      schemaId,
    });
  }
  const name = datasetName(req);
  return saga.create('dataset', name, () =>
    step(
      'acquireDataset',
      `Dataset "${name}"`,
      {
        sandbox: req.sandbox,
        name,
        source: req.name,
        runId: owner.runId,
        schemaId,
        ...(dataset?.description !== undefined ? { description: dataset.description } : {}),
      },
      DATASET_CALL,
    ),
  );
}
