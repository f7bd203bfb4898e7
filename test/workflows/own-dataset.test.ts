import { WorkflowNotFoundError } from '@temporalio/client';
import { summarizeFailure } from '../../src/client';
import type { ProvisionRequestInput } from '../../src/request';
import { datasetWorkflowId } from '../../src/shared/names';
import { lagEveryList } from '../harness/faults';
import { sourceRequest, uniqueName } from '../harness/sources';
import { startStack, SCHEMA_ID, type Stack } from '../harness/stack';

/**
 * A request that names no dataset gets the source's own: named after the source, created and
 * deleted by the source's own runs (no dataset workflow), never written to by another source.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  await stack.emulator.control.clearFaults();
});

const run = <T>(fn: () => Promise<T>) => stack.withWorker(fn);
/** A request naming no dataset. */
const own = (name: string, extra: Partial<ProvisionRequestInput> = {}) =>
  sourceRequest(name, 'raw', { target: { schemaId: SCHEMA_ID, dataset: {} }, ...extra });
const sharing = (name: string, dataset: string) =>
  sourceRequest(name, 'raw', { target: { schemaId: SCHEMA_ID, dataset: { name: dataset } } });

async function datasetsNamed(name: string) {
  return (await stack.emulator.control.resources({ sandbox: 'prod' })).filter(
    (r) => r.kind === 'dataset' && r.name === name,
  );
}
async function exists(id: string): Promise<boolean> {
  return (await stack.emulator.control.resources({ sandbox: 'prod' })).some((r) => r.id === id);
}
/** Whether a dataset workflow ever ran for the dataset name. */
async function datasetWorkflowRan(name: string): Promise<boolean> {
  const id = datasetWorkflowId({ imsOrg: stack.config.AEP_ORG_ID, sandbox: 'prod', name });
  return stack.env.client.workflow
    .getHandle(id)
    .describe()
    .then(
      () => true,
      (e: unknown) => {
        if (e instanceof WorkflowNotFoundError) return false;
        throw e;
      },
    );
}
async function failureOf(p: Promise<unknown>) {
  return p.then(
    () => undefined,
    (e: unknown) => summarizeFailure(e),
  );
}

test("the source's own dataset: its runs make it, a teardown keeps it unless asked", async () => {
  const name = uniqueName('own');
  await run(async () => {
    const first = await stack.client.provision(own(name));
    const [dataset, ...others] = await datasetsNamed(name);
    expect(others).toHaveLength(0);
    expect(dataset!.id).toBe(first.datasetId);
    expect((dataset!.body as { description: string }).description).toMatch(/ own-dataset\]$/);
    expect(await datasetWorkflowRan(name)).toBe(false);
    // Lists lagging: the re-run finds it by the id Temporal recorded.
    await lagEveryList(stack.emulator.control, 8_000);
    expect(await stack.client.provision(own(name))).toMatchObject({
      created: [],
      datasetId: first.datasetId,
    });
    await stack.emulator.control.clearFaults();
    const kept = await stack.client.deprovision({ name });
    expect(kept.kept).toEqual([{ kind: 'dataset', id: first.datasetId, reason: 'retained' }]);
    // Provisioned again, it writes to the dataset it kept (its data with it).
    const again = await stack.client.provision(own(name));
    expect(again.datasetId).toBe(first.datasetId);
    const torn = await stack.client.deprovision({ name, deleteDataset: true });
    expect(torn.deleted).toContainEqual({ kind: 'dataset', id: first.datasetId });
    expect(await exists(first.datasetId)).toBe(false);
  });
});

test("another source may not write to a source's own dataset, by name or by id", async () => {
  const [a, b, c] = [uniqueName('owner'), uniqueName('by name'), uniqueName('by id')];
  await run(async () => {
    const first = await stack.client.provision(own(a));
    const byName = await failureOf(stack.client.provision(sharing(b, a)));
    expect(byName).toMatchObject({ rootType: 'DatasetMismatch' });
    expect(byName?.message).toContain(`source "${a}"'s own`);
    const byId = await failureOf(
      stack.client.provision(
        sourceRequest(c, 'raw', { target: { schemaId: SCHEMA_ID, datasetId: first.datasetId } }),
      ),
    );
    expect(byId).toMatchObject({ rootType: 'DatasetMismatch' });
    expect(await datasetsNamed(a)).toHaveLength(1);
    // Its teardown with the dataset then deletes nothing another source wrote.
    const torn = await stack.client.deprovision({ name: a, deleteDataset: true });
    expect(torn.deleted).toContainEqual({ kind: 'dataset', id: first.datasetId });
  });
});

test('a failed first provisioning deletes the own dataset it created: no orphan', async () => {
  const name = uniqueName('own compensated');
  await run(async () => {
    await stack.emulator.control.addFault({
      method: 'POST',
      path: '/data/foundation/flowservice/flows',
      count: 1,
      action: { type: 'status', status: 400, body: { title: 'refused', status: 400 } },
    });
    const failure = await failureOf(stack.client.provision(own(name)));
    expect(failure).toBeDefined();
    expect(await datasetsNamed(name)).toHaveLength(0);
  });
});

test('a source whose dataset is shared by its name keeps it when its request stops naming it', async () => {
  const name = uniqueName('shared by its name');
  await run(async () => {
    const first = await stack.client.provision(sharing(name, name));
    expect(await datasetWorkflowRan(name)).toBe(true);
    const again = await stack.client.provision(own(name));
    expect(again.datasetId).toBe(first.datasetId);
    expect(await datasetsNamed(name)).toHaveLength(1);
  });
});
