import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { createAepClient, type AepClient } from '../../src/aep/client';
import { AEP_IDS } from '../../src/aep/constants';
import { RequestConflictError, summarizeFailure } from '../../src/client';
import type { ProvisionRequestInput } from '../../src/request';
import { progressQuery } from '../../src/shared/names';
import { SCHEMA_ID, startStack, type Stack } from '../harness/stack';
import { slowTargetConnectionCreate } from '../harness/faults';
import { uniqueName, sourceRequest } from '../harness/sources';
import { sourceIdOf } from '../harness/ids';

/**
 * The life of a source after its first create, end to end on the dev server and the emulator:
 * re-applied, changed, planned, torn down while provisioning, sharing a dataset. Changes made
 * "outside" go through the real AEP client against the emulator, as another tool would.
 */

let stack: Stack;
let aep: AepClient;
beforeAll(async () => {
  stack = await startStack();
  aep = createAepClient({ config: stack.config });
});
afterAll(async () => {
  await stack?.close();
});

const MAPPINGS = [
  { sourceAttribute: 'id', destinationXdmPath: '_id' },
  { sourceAttribute: 'firstName', destinationXdmPath: 'person.name.firstName' },
];

const request = (name: string, extra: Partial<ProvisionRequestInput> = {}) =>
  sourceRequest(name, 'raw', extra);

const run = <T>(fn: () => Promise<T>) => stack.withWorker(fn);

async function failureOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowFailedError);
    return summarizeFailure(err);
  }
  throw new Error('expected the workflow to fail');
}

async function held(ids: string[]) {
  const all = new Set(
    (await stack.emulator.control.resources({ sandbox: 'prod' })).map((r) => r.id),
  );
  return ids.filter((id) => all.has(id));
}

async function untilStatus(handle: WorkflowHandle, status: string) {
  for (let i = 0; i < 200; i++) {
    const p = await handle.query(progressQuery).catch(() => undefined);
    if (p?.status === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the run never reached ${status}`);
}

const totalCreates = async () =>
  Object.values((await stack.emulator.control.stats()).creates).reduce((a, b) => a + b, 0);

describe('a dataset shared by two sources', () => {
  test('is kept while another source writes to it, and deleted by the last one that asks', async () => {
    const a = uniqueName('share A');
    const b = uniqueName('share B');
    const datasetName = `${a} dataset`;
    await run(async () => {
      const first = await stack.client.provision(request(a));
      const second = await stack.client.provision(
        request(b, { target: { schemaId: SCHEMA_ID, dataset: { name: datasetName } } }),
      );
      expect(second.datasetId).toBe(first.datasetId);
      expect(second.reused).toContain('dataset');

      const teardownA = await stack.client.deprovision({ name: a, deleteDataset: true });
      expect(teardownA.deleted.map((d) => d.kind)).not.toContain('dataset');
      expect(teardownA.kept).toEqual([
        { kind: 'dataset', id: first.datasetId, reason: `in use by ${b}` },
      ]);
      expect(await held([first.datasetId, second.flowId, second.targetConnectionId])).toHaveLength(
        3,
      );

      const teardownB = await stack.client.deprovision({ name: b, deleteDataset: true });
      expect(teardownB.deleted).toContainEqual({ kind: 'dataset', id: first.datasetId });
      expect(await held([first.datasetId])).toEqual([]);
    });
  });

  test('provisioned at once by three sources, it is created once: every source writes to it', async () => {
    // All three read the source while no dataset of that name exists; its workflow creates one.
    const names = ['race A', 'race B', 'race C'].map(uniqueName);
    const datasetName = `${names[0]} shared dataset`;
    await run(async () => {
      const results = await Promise.all(
        names.map((n) =>
          stack.client.provision(
            request(n, { target: { schemaId: SCHEMA_ID, dataset: { name: datasetName } } }),
          ),
        ),
      );
      const datasets = (await stack.emulator.control.resources({ sandbox: 'prod' })).filter(
        (r) => r.kind === 'dataset' && r.name === datasetName,
      );
      expect(datasets.map((d) => d.id)).toEqual([results[0]!.datasetId]);
      expect(new Set(results.map((r) => r.datasetId)).size).toBe(1);
      // Exactly one of them created it; the others write to it.
      expect(results.filter((r) => r.created.includes('dataset'))).toHaveLength(1);
      for (const n of names) await stack.client.deprovision({ name: n, deleteDataset: true });
      expect(await held([results[0]!.datasetId])).toEqual([]);
    });
  });

  test('a source that adopted it, cancelled after its creator left, keeps it: only its creator may', async () => {
    // A creates the dataset; B writes to it too; A's teardown keeps it (retained); B's teardown
    // cancels B during its activation wait: B's compensation releases the dataset it did not
    // create, which is kept with whatever was ingested.
    const a = uniqueName('handover A');
    const b = uniqueName('handover B');
    await run(async () => {
      const first = await stack.client.provision(request(a));
      const started = await stack.client.startProvision(
        request(b, {
          target: { schemaId: SCHEMA_ID, dataset: { name: `${a} dataset` } },
          smokeTest: { activationWaitSeconds: 120 },
        }),
      );
      await untilStatus(started.handle, 'WAITING_FOR_ACTIVATION');
      const teardownA = await stack.client.deprovision({ name: a });
      expect(teardownA.kept).toEqual([
        { kind: 'dataset', id: first.datasetId, reason: 'retained' },
      ]);
      const teardownB = await stack.client.startDeprovision({ name: b }, () => undefined);
      await started.handle.result().catch(() => undefined);
      await teardownB.handle.result();
      expect(await held([first.datasetId])).toEqual([first.datasetId]);
      const run = stack.env.client.workflow.getHandle(started.workflowId, started.runId);
      const compensation = (await run.query(progressQuery)).compensation ?? [];
      expect(compensation).toContainEqual(
        expect.objectContaining({ kind: 'dataset', outcome: 'kept' }),
      );
    });
  });

  test('a source acquiring it while its creator leaves with --delete-dataset keeps it', async () => {
    // B asks for A's dataset; A is torn down, asking to delete it, while B's target connection
    // create is on the wire: B is a writer already, so the dataset stays, and B writes to it.
    const a = uniqueName('gone A');
    const b = uniqueName('gone B');
    await run(async () => {
      const first = await stack.client.provision(request(a));
      await stack.emulator.control.addFault(slowTargetConnectionCreate(5_000));
      const started = await stack.client.startProvision(
        request(b, { target: { schemaId: SCHEMA_ID, dataset: { name: `${a} dataset` } } }),
      );
      for (let i = 0; i < 200; i++) {
        const p = await started.handle.query(progressQuery).catch(() => undefined);
        if (p?.resources.dataset) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const teardownA = await stack.client.deprovision({ name: a, deleteDataset: true });
      expect(teardownA.kept).toEqual([
        { kind: 'dataset', id: first.datasetId, reason: `in use by ${b}` },
      ]);
      const second = await started.handle.result();
      expect(second.datasetId).toBe(first.datasetId);
      expect(await held([second.datasetId, second.targetConnectionId])).toHaveLength(2);
      await stack.client.deprovision({ name: b, deleteDataset: true });
      expect(await held([second.datasetId, second.targetConnectionId])).toEqual([]);
    });
  });

  test('is not deleted by a source leaving while its creator still provisions', async () => {
    // A's target connection create is slow: B adopts A's new dataset and is cancelled before A's
    // target connection exists. B's compensation must leave the dataset to A.
    const a = uniqueName('creator A');
    const b = uniqueName('leaver B');
    await stack.emulator.control.addFault(slowTargetConnectionCreate(12_000));
    await run(async () => {
      const creator = await stack.client.startProvision(request(a));
      let datasetId: string | undefined;
      // Up to 30 s: a loaded machine (a full CI run) may take a while to A's dataset; A's target
      // connection then takes 12 s more, so B still finds A provisioning.
      for (let i = 0; i < 300 && !datasetId; i++) {
        const resources = await stack.emulator.control.resources({ sandbox: 'prod' });
        datasetId = resources.find((r) => r.kind === 'dataset' && r.name === `${a} dataset`)?.id;
        if (!datasetId) await new Promise((r) => setTimeout(r, 100));
      }
      expect(datasetId).toBeDefined();
      const leaver = await stack.client.startProvision(
        request(b, {
          target: { schemaId: SCHEMA_ID, dataset: { name: `${a} dataset` } },
          smokeTest: { activationWaitSeconds: 120 },
        }),
      );
      await untilStatus(leaver.handle, 'WAITING_FOR_ACTIVATION');
      await leaver.handle.cancel();
      const created = await creator.handle.result();
      expect(created.datasetId).toBe(datasetId);
      await leaver.handle.result().catch(() => undefined);
      const compensation = (await leaver.handle.query(progressQuery)).compensation ?? [];
      expect(compensation).toContainEqual(
        expect.objectContaining({ kind: 'dataset', id: datasetId, outcome: 'kept' }),
      );
      expect(await held([datasetId!, created.targetConnectionId])).toHaveLength(2);
      await stack.client.deprovision({ name: a, deleteDataset: true });
      expect(await held([datasetId!])).toEqual([]);
    });
  });
});

describe('one operation in flight per source', () => {
  test('a teardown during the activation wait cancels the provisioning, then tears down', async () => {
    const name = uniqueName('teardown during wait');
    await run(async () => {
      const started = await stack.client.startProvision(
        request(name, { smokeTest: { activationWaitSeconds: 120 } }),
      );
      await untilStatus(started.handle, 'WAITING_FOR_ACTIVATION');
      const created = (await started.handle.query(progressQuery)).resources;
      const ids = Object.values(created).map((r) => r.id);
      expect(ids).toHaveLength(5);

      const waits: string[] = [];
      const teardown = await stack.client.startDeprovision({ name }, (m) => waits.push(m));
      expect(waits).toHaveLength(1);
      expect(teardown.workflowId).toBe(started.workflowId);
      expect(summarizeFailure(await started.handle.result().catch((e: unknown) => e)).type).toBe(
        'Cancelled',
      );
      await teardown.handle.result();
      expect(await held(ids)).toEqual([]);
      const status = await stack.client.status(name);
      expect([status.operation, status.execution]).toEqual(['deprovision', 'COMPLETED']);
    });
  });

  test('a different request while one runs is refused, naming the fields; the same one attaches', async () => {
    const name = uniqueName('conflict');
    const req = request(name, { smokeTest: { activationWaitSeconds: 60 } });
    await run(async () => {
      const first = await stack.client.startProvision(req);
      const again = await stack.client.startProvision(req);
      expect([again.started, again.runId]).toEqual([false, first.runId]);
      const other = stack.client.startProvision({ ...req, dataType: 'xdm', description: 'x' });
      await expect(other).rejects.toBeInstanceOf(RequestConflictError);
      await expect(other).rejects.toMatchObject({
        fields: ['dataType', 'description'],
        runId: first.runId,
      });
      await stack.client.deprovision({ name });
    });
  });

  test('teardown by flow id runs under the source workflow id', async () => {
    const name = uniqueName('by flow id');
    await run(async () => {
      const result = await stack.client.provision(request(name));
      const teardown = await stack.client.startDeprovision({ flowId: result.flowId });
      expect(teardown.workflowId).toBe(sourceIdOf(name));
      await teardown.handle.result();
      expect(await held([result.flowId, result.baseConnectionId])).toEqual([]);
    });
  });
});

describe('the request is the desired state', () => {
  test('an unchanged re-run makes only reads: no create, no wait, no second smoke record', async () => {
    const name = uniqueName('unchanged');
    const req = request(name, { smokeTest: { activationWaitSeconds: 1 } });
    await run(async () => {
      const first = await stack.client.provision(req);
      expect(first.smokeTest?.status).toBe(200);
      const records = (await stack.emulator.control.records({ flowId: first.flowId })).length;
      await stack.emulator.control.resetStats();
      const again = await stack.client.startProvision(req);
      const second = await again.handle.result();
      expect(await totalCreates()).toBe(0);
      expect(second).toMatchObject({
        flowId: first.flowId,
        inletUrl: first.inletUrl,
        created: [],
        updated: [],
      });
      expect(second.smokeTest).toBeUndefined();
      expect(await stack.emulator.control.records({ flowId: first.flowId })).toHaveLength(records);
      const progress = await again.handle.query(progressQuery);
      expect(progress.completedSteps).toContain('nothing to change');
      expect(progress.completedSteps.join('\n')).not.toMatch(/Waiting|smoke/);
    });
  });

  test('mappings added replace the flow only (same inlet); changed mappings get a new version', async () => {
    const name = uniqueName('mappings');
    await run(async () => {
      const plain = await stack.client.provision(request(name));
      const withMappings = await stack.client.provision(request(name, { mappings: MAPPINGS }));
      expect(withMappings.inletUrl).toBe(plain.inletUrl);
      expect(withMappings.baseConnectionId).toBe(plain.baseConnectionId);
      expect(withMappings.created.sort()).toEqual(['flow', 'mappingSet']);
      expect(await held([plain.flowId])).toEqual([]);
      const flow = await aep.getFlow('prod', withMappings.flowId);
      expect(flow?.flowSpec.id).toBe(AEP_IDS.streamingMappingFlowSpec);
      expect(flow?.transformations?.[0]?.params).toMatchObject({
        mappingId: withMappings.mappingSetId,
      });

      const changed = [
        ...MAPPINGS,
        { sourceAttribute: 'lastName', destinationXdmPath: 'person.name.lastName' },
      ];
      const updated = await stack.client.provision(request(name, { mappings: changed }));
      expect(updated.flowId).toBe(withMappings.flowId);
      expect(updated.mappingSetId).toBe(withMappings.mappingSetId);
      expect(updated.updated?.sort()).toEqual(['flow', 'mappingSet']);
      const set = await aep.getMappingSet('prod', updated.mappingSetId!);
      expect(set?.mappings?.map((m) => m.sourceAttribute)).toEqual(['id', 'firstName', 'lastName']);
      const after = await aep.getFlow('prod', updated.flowId);
      expect(after?.transformations?.[0]?.params?.mappingVersion).toBe(set?.version);

      const removed = await stack.client.provision(request(name));
      expect(removed.mappingSetId).toBeUndefined();
      expect((await aep.getFlow('prod', removed.flowId))?.flowSpec.id).toBe(
        AEP_IDS.streamingFlowSpec,
      );
      expect(await held([updated.mappingSetId!, updated.flowId])).toEqual([]);
      await stack.client.deprovision({ name });
    });
  });

  test('a changed description is patched in place', async () => {
    const name = uniqueName('description');
    await run(async () => {
      const first = await stack.client.provision(request(name, { description: 'first' }));
      const second = await stack.client.provision(request(name, { description: 'second' }));
      expect(second.updated).toEqual(['baseConnection']);
      const base = await aep.getConnection('prod', first.baseConnectionId);
      expect(base?.description).toMatch(
        /^second \[aep-stream-provisioner org=\S+ sandbox=prod source=/,
      );
      await stack.client.deprovision({ name });
    });
  });

  test('a change AEP cannot make in place is refused, naming each field, unless replace: true', async () => {
    const name = uniqueName('refused');
    await run(async () => {
      const first = await stack.client.provision(request(name));
      await stack.emulator.control.resetStats();
      const summary = await failureOf(
        stack.client.provision(
          request(name, { dataType: 'xdm', authentication: { required: true } }),
        ),
      );
      expect(summary.rootType).toBe('ExistingSourceDiffers');
      expect(summary.message).toMatch(
        /dataType: "raw" → "xdm"; authentication\.required: false → true/,
      );
      expect(await totalCreates()).toBe(0);

      const replaced = await stack.client.provision(
        request(name, { dataType: 'xdm', authentication: { required: true }, replace: true }),
      );
      expect(replaced.inletUrlChanged).toBe(true);
      expect(replaced.inletUrl).not.toBe(first.inletUrl);
      expect(replaced.authenticationRequired).toBe(true);
      expect(await held([first.baseConnectionId, first.flowId])).toEqual([]);
      await stack.client.deprovision({ name });
    });
  });
});

describe('plan', () => {
  test('shows create for a new source, keep when provisioned, and drift made outside', async () => {
    const name = uniqueName('plan');
    const req = request(name, { mappings: MAPPINGS });
    await run(async () => {
      const fresh = await stack.client.plan(req);
      expect(fresh.changes).toBe(true);
      expect(fresh.resources.map((r) => r.action)).toEqual(Array(6).fill('create'));

      const result = await stack.client.provision(req);
      const same = await stack.client.plan(req);
      expect(same.changes).toBe(false);
      expect(new Set(same.resources.map((r) => r.action))).toEqual(new Set(['keep']));

      // Drift: the flow disabled outside → planned re-enable, applied by provisioning.
      await aep.flowAction('prod', result.flowId, 'disable');
      const disabled = await stack.client.plan(req);
      expect(disabled.resources.find((r) => r.kind === 'flow')).toMatchObject({
        action: 'update',
        changes: [{ field: 'state', from: 'disabled', to: 'enabled' }],
      });
      const reenabled = await stack.client.provision(req);
      expect(reenabled.updated).toContain('flow');
      expect((await aep.getFlow('prod', result.flowId))?.state).toBe('enabled');

      // Drift: the flow deleted outside → planned create.
      await aep.deleteFlow('prod', result.flowId);
      const deleted = await stack.client.plan(req);
      expect(deleted.resources.find((r) => r.kind === 'flow')?.action).toBe('create');
      await stack.client.deprovision({ name });
    });
  });
});
