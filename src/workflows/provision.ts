/**
 * ProvisionStreamingSource: the request is the desired state. The workflow reads what AEP holds
 * for the source, plans (shared/plan.ts) and applies the plan: it creates what is missing,
 * updates in place what AEP allows, refuses what would change the inlet URL or move data unless
 * the request says `replace: true`, and changes nothing when nothing differs (no activation
 * wait, no smoke record).
 *
 *   validate ─ read + plan ─┬─ base connection ─┬─ inlet URL ──────────┐
 *                           │                   └─ source connection ──┤
 *                           ├─ dataset ─ target connection ────────────┼─ flow ─ (wait) ─ smoke
 *                           └─ mapping set (create or new version) ────┘
 *
 * Every create is registered with the saga before it is sent (saga.ts); on a Temporal failure or
 * a cancellation what this run created is deleted in reverse dependency order, until a
 * replacement flow has taken over (make-before-break: then the run rolls forward). Any other
 * error is a bug: it fails the workflow task, nothing is deleted, and a fixed deploy resumes
 * the run. The dataset is released, deleted only if this run created it and no other source
 * writes to it.
 */
import {
  CancellationScope,
  sleep,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Owner } from '../activities/types';
import type { ProvisionRequest, ProvisionRequestInput } from '../request';
import { planSource } from '../shared/plan-source';
import { SearchAttributes } from '../shared/names';
import type { ProvisionResult } from '../shared/results';
import { Sides, type Applied } from './sides';
import {
  readSource,
  refuse,
  removeUnwanted,
  replaceWholeSource,
  unchangedResult,
} from './plan-steps';
import { Progress } from './progress';
import { Saga, throwIfCancelled } from './saga';
import { step, validateRequest } from './steps';

export async function ProvisionStreamingSource(
  input: ProvisionRequestInput,
): Promise<ProvisionResult> {
  const { progress, req, owner } = await begin(input);
  const saga = new Saga(owner, progress);
  try {
    return await apply(req, owner, saga, progress);
  } catch (err) {
    if (!(err instanceof TemporalFailure)) throw err;
    return saga.fail(err, req.name);
  }
}

/** Read, plan, refuse or apply. Whatever fails here goes to the saga (compensation, ending). */
async function apply(
  req: ProvisionRequest,
  owner: Owner,
  saga: Saga,
  progress: Progress,
): Promise<ProvisionResult> {
  // The read is a local activity in the first workflow task (policies.ts READ_LOCALLY): no one
  // could see PLANNING, so it is not published.
  progress.status('PLANNING', 'Reading the source from AEP', { publish: false });
  let actual = await readSource(req);
  let plan = (progress.state.plan = planSource(req, actual));
  refuse(req, plan);
  if (!plan.changes && !req.smokeTest?.always) {
    const unchanged = unchangedResult(req, actual, plan);
    if (unchanged) {
      progress.done('nothing to change');
      progress.status('SUCCEEDED', `Unchanged — inlet ${unchanged.inletUrl}`);
      return unchanged;
    }
  }

  const inletUrlChanged = plan.replaceSource;
  // A failure from here on leaves the source as it was, unless the run replaces it whole.
  if (plan.resources.some((r) => r.id !== undefined && r.kind !== 'dataset'))
    saga.sourceState = 'previous';
  if (plan.replaceSource) {
    actual = await replaceWholeSource(req, actual, progress);
    saga.sourceState = 'absent';
    plan = progress.state.plan = planSource(req, actual);
  }

  progress.status('PROVISIONING', 'Applying the plan');
  const branches = new CancellationScope();
  const steps = new Sides({ req, owner, saga, progress, actual, plan });
  const sourceBranch = branches.run(() => steps.sourceSide());
  const targetBranch = branches.run(() => steps.targetSide());
  const mappingBranch = branches.run(() => steps.mappingSide());

  const [source, target, mapping] = await saga.all(branches, [
    sourceBranch,
    targetBranch,
    mappingBranch,
  ] as const);
  throwIfCancelled();
  progress.status('PROVISIONING', 'Dataflow');
  const flow = await steps.flow(source, target, mapping);
  await removeUnwanted(req, plan, progress);
  throwIfCancelled();

  let smokeTest: ProvisionResult['smokeTest'];
  if (req.smokeTest && (flow.changed || req.smokeTest.always)) {
    const wait = flow.changed ? req.smokeTest.activationWaitSeconds : 0;
    progress.status('WAITING_FOR_ACTIVATION', `Waiting ${wait}s for the dataflow to activate`);
    await sleep(wait * 1000); // a durable timer: a worker restart during the wait loses nothing
    progress.status('SMOKE_TESTING', 'Sending one record to the inlet');
    smokeTest = await step('sendSmokeRecord', 'Smoke test: one record to the inlet', {
      sandbox: req.sandbox,
      inletUrl: source.inlet.inletUrl,
      flowId: flow.id,
      dataType: req.dataType,
      schemaId: req.target.schemaId,
      datasetId: target.dataset.id,
      authenticated: source.inlet.authenticationRequired,
      record: req.smokeTest.record,
    });
    progress.done(`smoke test accepted (${smokeTest.status})`);
  }

  // Resources this run created twice (a create that committed after its attempt gave up).
  const twinsRemoved = await saga.sweepTwins({
    baseConnection: source.base.id,
    sourceConnection: source.source.id,
    targetConnection: target.target.id,
    dataset: target.dataset.id,
    flow: flow.id,
    ...(mapping ? { mappingSet: mapping.id } : {}),
  });
  const result = resultOf(req, { source, target, mapping, flow }, progress, smokeTest);
  if (twinsRemoved.length > 0) result.twinsRemoved = twinsRemoved;
  if (inletUrlChanged) result.inletUrlChanged = true;
  progress.status('SUCCEEDED', `Inlet ${result.inletUrl} — flow ${flow.id}`);
  return result;
}

function resultOf(
  req: ProvisionRequest,
  { source, target, mapping, flow }: Applied,
  progress: Progress,
  smokeTest: ProvisionResult['smokeTest'],
): ProvisionResult {
  const refs = progress.state.resources;
  const kinds = Object.keys(refs) as Array<keyof typeof refs>;
  const updated = progress.updated;
  return {
    sandbox: req.sandbox,
    name: req.name,
    inletUrl: source.inlet.inletUrl,
    inletId: source.inlet.inletId,
    flowId: flow.id,
    baseConnectionId: source.base.id,
    sourceConnectionId: source.source.id,
    targetConnectionId: target.target.id,
    datasetId: target.dataset.id,
    mappingSetId: mapping?.id,
    dataType: req.dataType,
    authenticationRequired: source.inlet.authenticationRequired,
    smokeTest,
    created: kinds.filter((k) => refs[k]?.created),
    updated: kinds.filter((k) => !refs[k]?.created && updated.includes(k)),
    reused: kinds.filter((k) => !refs[k]?.created && !updated.includes(k)),
  };
}

/** The client sets sandbox and source name at start; a run started otherwise sets them here. */
export function publishIdentity(req: ProvisionRequest): void {
  const started = workflowInfo().typedSearchAttributes;
  if (
    started.get(SearchAttributes.sandbox) !== req.sandbox ||
    started.get(SearchAttributes.sourceName) !== req.name
  ) {
    upsertSearchAttributes([
      { key: SearchAttributes.sandbox, value: req.sandbox },
      { key: SearchAttributes.sourceName, value: req.name },
    ]);
  }
}

/** The start of every provisioning: progress, the request validated, identity, owner. */
export async function begin(
  input: unknown,
): Promise<{ progress: Progress; req: ProvisionRequest; owner: Owner }> {
  const progress = new Progress();
  const req = await validateRequest(input);
  publishIdentity(req);
  progress.done('request validated');
  const owner: Owner = { sandbox: req.sandbox, sourceName: req.name, runId: workflowInfo().runId };
  return { progress, req, owner };
}
