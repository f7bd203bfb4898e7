/**
 * ProvisionStreamingSource: the request is the desired state. The workflow reads what AEP holds,
 * plans (plan.ts) and applies the plan: it creates what is missing, updates in place what AEP
 * allows, refuses what would change the inlet URL or move data unless the request says
 * `replace: true`, and changes nothing when nothing differs (no wait, no smoke record).
 *
 *   validate ─ read + plan ─┬─ base connection ─┬─ inlet URL ──────────┐
 *                           │                   └─ source connection ──┤
 *                           ├─ dataset ─ target connection ────────────┼─ flow ─ (wait) ─ smoke
 *                           └─ mapping set (create or new version) ────┘
 *
 * Every create is registered with the saga before it is sent (saga.ts); on a Temporal failure or
 * a cancellation what this run created is deleted in reverse dependency order, until a
 * replacement flow has taken over (make-before-break: then the run rolls forward). Any other
 * error is a bug: it fails the workflow task, nothing is deleted, and a fixed deploy resumes it.
 */
import {
  CancellationScope,
  patched,
  sleep,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Owner } from '../activities/types';
import type { ProvisionRequest, ProvisionRequestInput } from '../request';
import type { AcquiredDataset, ProvisionResult } from '../shared/model';
import { SearchAttributes } from '../shared/names';
import { ensureDataset } from './dataset';
import {
  found,
  knownInlet,
  planned,
  readAndPlan,
  removeUnwanted,
  resultOf,
  updatedFields,
  validateAndRead,
  type Planned,
} from './plan';
import { DELETE, INLET_POLL, step, throwIfCancelled } from './policies';
import { Progress, Saga } from './saga';

type Run = Planned & {
  ownDatasets: boolean;
  req: ProvisionRequest;
  owner: Owner;
  saga: Saga;
  progress: Progress;
  readAt: number;
};

export async function ProvisionStreamingSource(
  input: ProvisionRequestInput,
): Promise<ProvisionResult> {
  const progress = new Progress();
  // Asked before the first local activity, in this order (docs/versioning.md); new runs record
  // only `one-start-patch`, which stands for the two others.
  const folded = patched('one-start-patch');
  const ownDatasets = folded || patched('own-datasets');
  const oneRead = folded || patched('validate-and-read');
  const { req, read } = await validateAndRead(input, oneRead);
  publishIdentity(req);
  progress.done('request validated');
  const { imsOrg, sandbox, name: sourceName } = req;
  const owner: Owner = { imsOrg, sandbox, sourceName, runId: workflowInfo().runId };
  const saga = new Saga(owner, progress);
  // Whatever fails from here on goes to the saga (compensation, ending).
  try {
    const readAt = Date.now();
    const { actual, plan, unchanged, replaced } = await readAndPlan(req, saga, progress, read);
    if (unchanged) {
      progress.done('nothing to change');
      progress.status('SUCCEEDED', `Unchanged — inlet ${unchanged.inletUrl}`);
      return unchanged;
    }
    const run = { req, owner, saga, progress, actual, plan, readAt, ownDatasets };
    const result = await applyPlan(run);
    if (replaced) result.inletUrlChanged = true;
    progress.status('SUCCEEDED', `Inlet ${result.inletUrl} — flow ${result.flowId}`);
    return result;
  } catch (err) {
    if (!(err instanceof TemporalFailure)) throw err;
    return saga.fail(err, req.name);
  }
}

/** The client sets sandbox and source name at start; a run started otherwise sets them here. */
function publishIdentity(req: ProvisionRequest): void {
  const started = workflowInfo().typedSearchAttributes;
  const { imsOrg, sandbox, sourceName } = SearchAttributes;
  const identity = [
    { key: imsOrg, value: req.imsOrg },
    { key: sandbox, value: req.sandbox },
    { key: sourceName, value: req.name },
  ];
  if (identity.some(({ key, value }) => started.get(key) !== value)) {
    upsertSearchAttributes(identity);
  }
}

/** The three sides in parallel, then the flow, the smoke test and the twin sweep. */
async function applyPlan(run: Run): Promise<ProvisionResult> {
  const { req, saga, progress } = run;
  progress.status('PROVISIONING', 'Applying the plan');
  const branches = new CancellationScope();
  const [source, target, mapping] = await saga.all(branches, [
    branches.run(() => sourceSide(run)),
    branches.run(() => targetSide(run)),
    branches.run(() => mappingSide(run)),
  ] as const);
  throwIfCancelled();
  progress.status('PROVISIONING', 'Dataflow');
  const flow = await flowStep(run, source.source.id, target.target.id, mapping);
  await removeUnwanted(req, run.plan, progress);
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
  const twinsRemoved = await saga.sweepTwins();
  const ids = progress.state.resources;
  const result = resultOf(req, source.inlet, (k) => ids[k]?.id, progress.kinds(), smokeTest);
  if (twinsRemoved.length > 0) result.twinsRemoved = twinsRemoved;
  return result;
}

/** Base connection (and its description), then its inlet URL beside the source connection. */
async function sourceSide(run: Run) {
  const { req, owner, saga, progress, actual } = run;
  const baseFound = found(run.plan, 'baseConnection');
  const base = await saga.create('baseConnection', req.name, () =>
    step('ensureBaseConnection', `Base connection "${req.name}"`, {
      owner,
      description: req.description,
      dataType: req.dataType,
      authenticationRequired: req.authentication?.required ?? false,
      found: baseFound,
      applySet: req.applySet,
    }),
  );
  progress.record('baseConnection', base);
  const known = baseFound ? knownInlet(actual.baseConnection) : undefined;
  const baseUpdate = updatedFields(run.plan, 'baseConnection');
  const [inlet, source] = await Promise.all([
    known ??
      step(
        'getInlet',
        'Read the inlet URL',
        { sandbox: req.sandbox, baseConnectionId: base.id },
        INLET_POLL,
      ),
    saga.create('sourceConnection', req.name, () =>
      step('ensureSourceConnection', 'Source connection', {
        owner,
        baseConnectionId: base.id,
        found: found(run.plan, 'sourceConnection'),
      }),
    ),
    baseUpdate
      ? step('updateDescription', 'Update the base connection description', {
          sandbox: req.sandbox,
          id: base.id,
          description: req.description ?? '',
          applySet: req.applySet,
        }).then(() => progress.update('baseConnection', base.id, baseUpdate))
      : undefined,
  ]);
  progress.state.inletUrl = inlet.inletUrl;
  progress.done('inlet URL read');
  progress.record('sourceConnection', source);
  return { base, inlet, source };
}

/**
 * The dataset (dataset.ts: checked, or asked of its workflow, which records this source as a
 * writer before its target connection exists), then the target connection. A source whose
 * target connection stays is a writer already: nothing is asked.
 */
async function targetSide(run: Run) {
  const { req, owner, saga, progress, actual } = run;
  const { datasetId, schemaId } = req.target;
  const targetFound = found(run.plan, 'targetConnection');
  const kept = actual.dataset && found(run.plan, 'dataset') && targetFound ? actual.dataset : null;
  const dataset: AcquiredDataset = kept
    ? { id: kept.id, created: false }
    : await ensureDataset(run);
  progress.record('dataset', dataset, datasetId === undefined);
  if (dataset.retired) {
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
async function mappingSide(run: Run) {
  const { req, owner, saga, progress, actual } = run;
  const { mappings } = req;
  const r = planned(run.plan, 'mappingSet');
  if (!mappings || !r) return undefined;
  const schemaId = req.target.schemaId;
  if (r.action === 'update' && r.id) {
    const updated = await step(
      'updateMappingSet',
      `New mapping-set version (${mappings.length} mappings)`,
      { owner, id: r.id, schemaId, mappings },
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
 * The flow: created, updated (mapping version, re-enabled), kept, or replaced make-before-break:
 * the old one is deleted once the new one exists, then the run commits (saga.commit), so a later
 * failure keeps the new flow rather than leave the inlet feeding nothing.
 */
async function flowStep(
  run: Run,
  sourceConnectionId: string,
  targetConnectionId: string,
  mapping: Awaited<ReturnType<typeof mappingSide>>,
): Promise<{ id: string; changed: boolean }> {
  const { req, owner, saga, progress } = run;
  const r = planned(run.plan, 'flow');
  const replaces = r?.action === 'replace' ? r.id : undefined;
  const flow = await saga.create('flow', req.name, () =>
    step('ensureFlow', replaces ? `Dataflow (replaces ${replaces})` : 'Dataflow', {
      owner,
      found: found(run.plan, 'flow'),
      sourceConnectionId,
      targetConnectionId,
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
