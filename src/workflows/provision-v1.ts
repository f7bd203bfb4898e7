/**
 * Version 1 of ProvisionStreamingSource (released before the lifecycle change): create what is
 * missing, adopt what exists, never update. Kept only so that runs started before the
 * `lifecycle-v2` patch replay and finish on new workers (provision.ts calls it when
 * `patched('lifecycle-v2')` is false). Remove it with the patch, following docs/versioning.md,
 * once no v1 run is open. Do not change its command sequence.
 *
 *   validate ─┬─ base connection ─┬─ inlet URL ──────────┐
 *             │                   └─ source connection ──┤
 *             └─ schema check + lookups ─┬─ dataset ─ target connection ─┼─ flow ─ (wait) ─ smoke
 *                                        └─ mapping set ────────────────┘
 *
 * Every create is registered with the saga before it is sent (saga.ts); on failure or
 * cancellation what this run created is deleted in reverse dependency order.
 */
import { CancellationScope, sleep } from '@temporalio/workflow';
import type { Owner, TargetInspection } from '../activities/types';
import type { ProvisionRequest, ProvisionRequestInput } from '../request';
import type { ResourceKind } from '../shared/resources';
import type { ProvisionResult } from '../shared/results';
import { begin } from './begin';
import type { Progress } from './progress';
import { Saga, throwIfCancelled } from './saga';
import * as steps from './steps';

export async function provisionV1(input: ProvisionRequestInput): Promise<ProvisionResult> {
  const { progress, req, owner } = await begin(input);
  const saga = new Saga(owner, progress);
  const side = { req, owner, saga, progress };
  progress.status('PROVISIONING', 'Creating connections, dataset and mapping in parallel');

  const branches = new CancellationScope();
  const sourceBranch = branches.run(() => sourceSide(side));
  // The schema check, with the lookups of the target side beside it (read-only). Nothing is
  // created on the target side before it has passed; the creates then carry what it found.
  const inspection = branches.run(() => inspectTarget(side));
  const schemaChecked = branches.run(async () => {
    await inspection;
    progress.done('schema found');
  });
  const targetBranch = branches.run(async () => {
    await schemaChecked;
    return targetSide(side, await inspection);
  });
  const mappingBranch = branches.run(async () => {
    if (!req.mappings) return undefined;
    await schemaChecked;
    return mappingSet(side, await inspection);
  });

  try {
    const [{ base, inlet, source }, { dataset, target }, mapping] = await saga.all(branches, [
      sourceBranch,
      targetBranch,
      mappingBranch,
      schemaChecked,
    ] as const);
    throwIfCancelled();

    progress.status('PROVISIONING', 'Creating the dataflow');
    const flow = await saga.create('flow', req.name, () =>
      steps.step('ensureFlow', 'Dataflow', {
        owner,
        lookupFirst: !source.created,
        sourceConnectionId: source.id,
        targetConnectionId: target.id,
        mappingSet: mapping ? { id: mapping.id, version: mapping.version } : undefined,
      }),
    );
    progress.record('flow', flow);
    throwIfCancelled();

    let smokeTest: ProvisionResult['smokeTest'];
    if (req.smokeTest) {
      const wait = req.smokeTest.activationWaitSeconds;
      progress.status('WAITING_FOR_ACTIVATION', `Waiting ${wait}s for the dataflow to activate`);
      await sleep(wait * 1000); // a durable timer: a worker restart during the wait loses nothing
      progress.status('SMOKE_TESTING', 'Sending one record to the inlet');
      smokeTest = await steps.step('sendSmokeRecord', 'Smoke test: one record to the inlet', {
        sandbox: req.sandbox,
        inletUrl: inlet.inletUrl,
        flowId: flow.id,
        dataType: req.dataType,
        schemaId: req.target.schemaId,
        datasetId: dataset.id,
        authenticated: inlet.authenticationRequired,
        record: req.smokeTest.record,
      });
      progress.done(`smoke test accepted (${smokeTest.status})`);
    }

    const refs = progress.state.resources;
    const kinds = Object.keys(refs) as ResourceKind[];
    const result: ProvisionResult = {
      sandbox: req.sandbox,
      name: req.name,
      inletUrl: inlet.inletUrl,
      inletId: inlet.inletId,
      flowId: flow.id,
      baseConnectionId: base.id,
      sourceConnectionId: source.id,
      targetConnectionId: target.id,
      datasetId: dataset.id,
      mappingSetId: mapping?.id,
      dataType: req.dataType,
      authenticationRequired: inlet.authenticationRequired,
      smokeTest,
      created: kinds.filter((k) => refs[k]?.created),
      reused: kinds.filter((k) => !refs[k]?.created),
    };
    progress.status('SUCCEEDED', `Inlet ${inlet.inletUrl} — flow ${flow.id}`);
    return result;
  } catch (err) {
    return saga.fail(err, req.name);
  }
}

interface Side {
  req: ProvisionRequest;
  owner: Owner;
  saga: Saga;
  progress: Progress;
}

/** Base connection, then its inlet URL beside the source connection (critical path: base → source). */
async function sourceSide({ req, owner, saga, progress }: Side) {
  const base = await steps.createBaseConnection(saga, req, owner);
  progress.record('baseConnection', base);
  const [inlet, source] = await Promise.all([
    steps.readInlet(req.sandbox, base.id),
    steps.createSourceConnection(saga, req.name, {
      owner,
      baseConnectionId: base.id,
      lookupFirst: !base.created,
    }),
  ]);
  progress.state.inletUrl = inlet.inletUrl;
  progress.done('inlet URL read');
  progress.record('sourceConnection', source);
  return { base, inlet, source };
}

function inspectTarget({ req, owner }: Side): Promise<TargetInspection> {
  return steps.step(
    'inspectTarget',
    'Check the target XDM schema; find what an earlier run created',
    {
      owner,
      schemaId: req.target.schemaId,
      datasetName: req.target.datasetId === undefined ? req.target.dataset?.name : undefined,
      mappingSet: req.mappings !== undefined,
    },
  );
}

/** Dataset (created, or named by id and never owned), then the target connection writing to it. */
async function targetSide({ req, owner, saga, progress }: Side, found: TargetInspection) {
  const { datasetId, schemaId } = req.target;
  const dataset = await steps.ensureDataset(saga, req, owner, {
    lookupFirst: true,
    found: found.dataset,
  });
  progress.record('dataset', dataset, datasetId === undefined);
  const target = await saga.create('targetConnection', req.name, () =>
    steps.step('ensureTargetConnection', 'Target connection', {
      owner,
      lookupFirst: true,
      datasetId: dataset.id,
      schemaId,
      found: found.targetConnection,
    }),
  );
  progress.record('targetConnection', target);
  return { dataset, target };
}

async function mappingSet({ req, owner, saga, progress }: Side, found: TargetInspection) {
  const mappings = req.mappings ?? [];
  const result = await saga.create('mappingSet', req.name, () =>
    steps.step('ensureMappingSet', `Data Prep mapping set (${mappings.length} mappings)`, {
      owner,
      lookupFirst: true,
      schemaId: req.target.schemaId,
      mappings,
      found: found.mappingSet,
    }),
  );
  progress.record('mappingSet', result);
  return result;
}
