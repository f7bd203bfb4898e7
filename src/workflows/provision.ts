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
 * Every create is registered with the saga before it is sent (saga.ts); on failure or
 * cancellation what this run created is deleted in reverse dependency order. Runs started before
 * the lifecycle change replay through provision-v1.ts (patch `lifecycle-v2`, docs/versioning.md).
 */
import { CancellationScope, patched, sleep } from '@temporalio/workflow';
import type { Owner } from '../activities/types';
import type { ProvisionRequest, ProvisionRequestInput } from '../request';
import { Patches } from '../shared/names';
import { planSource } from '../shared/plan-source';
import type { ProvisionResult } from '../shared/results';
import { PlanSteps, type Applied } from './apply';
import {
  readSource,
  refuse,
  removeReplaced,
  replaceWholeSource,
  unchangedResult,
} from './plan-steps';
import { begin } from './begin';
import type { Progress } from './progress';
import { provisionV1 } from './provision-v1';
import { Saga, throwIfCancelled } from './saga';
import { step } from './steps';

export async function ProvisionStreamingSource(
  input: ProvisionRequestInput,
): Promise<ProvisionResult> {
  if (!patched(Patches.lifecycle)) return provisionV1(input);
  // Decided before the first local activity, in the run's first activation: a patch asked for
  // after a local activity's result can fall into the next workflow task when the task was
  // heartbeated while that activity ran, and a replay would then answer it differently (the
  // likely cause of one CI failure: "patch marker encountered ... but there is no corresponding
  // change command", docs/versioning.md).
  const readLocally = patched(Patches.localPlanRead);

  const { progress, req, owner } = await begin(input);
  const saga = new Saga(owner, progress);
  try {
    return await apply(req, owner, saga, progress, readLocally);
  } catch (err) {
    return saga.fail(err, req.name);
  }
}

/** Read, plan, refuse or apply. Whatever fails here goes to the saga (compensation, ending). */
async function apply(
  req: ProvisionRequest,
  owner: Owner,
  saga: Saga,
  progress: Progress,
  readLocally: boolean,
): Promise<ProvisionResult> {
  // Since local-plan-read-v1 the read is a local activity in the first workflow task (policies.ts
  // READ_LOCALLY): no one could see PLANNING, so it is not published.
  progress.status('PLANNING', 'Reading the source from AEP', { publish: !readLocally });
  let actual = await readSource(req, readLocally);
  let plan = (progress.state.plan = planSource(req, actual));
  refuse(req, plan, progress);
  if (!plan.changes && !req.smokeTest?.always) {
    const unchanged = unchangedResult(req, actual, plan);
    if (unchanged) {
      progress.done('nothing to change');
      progress.status('SUCCEEDED', `Unchanged — inlet ${unchanged.inletUrl}`);
      return unchanged;
    }
  }

  const inletUrlChanged = plan.replaceSource;
  if (plan.replaceSource) {
    actual = await replaceWholeSource(req, actual, progress);
    plan = progress.state.plan = planSource(req, actual);
  }
  await removeReplaced(req, plan, progress);

  progress.status('PROVISIONING', 'Applying the plan');
  const branches = new CancellationScope();
  const steps = new PlanSteps({ req, owner, saga, progress, actual, plan });
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
