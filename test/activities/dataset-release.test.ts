/**
 * Who deletes a dataset several sources write to (src/activities/dataset-release.ts), at the
 * activity level against the emulator: the last writer to leave, but not while the run that
 * created it is still open, and never a dataset this project did not create.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../src/activities';
import type { AepClient } from '../../src/aep/client';
import type { Owner } from '../../src/activities/types';
import type { RunningEmulator } from '../../emulator';
import { FailureType, sourceWorkflowId } from '../../src/shared/names';
import { activitiesOnEmulator } from '../harness/activities-on-emulator';
import { mockActivityEnvironment } from '../harness/mock-activity';

const SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';

/** The runs the test declares open, as Temporal would answer for them. */
const open = new Set<string>();
let emu: RunningEmulator;
let activities: Activities;
let aep: AepClient;

beforeAll(async () => {
  ({ emu, activities, aep } = await activitiesOnEmulator(
    {},
    { isOpen: async (workflowId, runId) => open.has(`${workflowId} ${runId}`) },
  ));
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => open.clear());

let n = 0;
const owner = (): Owner => ({ sandbox: 'prod', sourceName: `release ${++n}`, runId: `run-${n}` });

/** Runs an activity as attempt `attempt` of a run of workflow `runId` would. */
const asRun = <I, R>(runId: string, fn: (input: I) => Promise<R>, input: I, attempt = 1) =>
  mockActivityEnvironment({
    attempt,
    startToCloseTimeoutMs: 30_000,
    workflowExecution: { workflowId: 'caller', runId },
  }).run<[I], R, typeof fn>(fn, input);

async function datasetOf(o: Owner): Promise<string> {
  const r = await asRun(o.runId, activities.ensureDataset, {
    owner: o,
    lookupFirst: false,
    schemaId: SCHEMA_ID,
    dataset: { name: `${o.sourceName} dataset` },
  });
  return r.id;
}

const release = (runId: string, id: string) =>
  asRun(runId, activities.deleteResource, {
    kind: 'dataset',
    sandbox: 'prod',
    id,
    keepIfInUse: true,
  });

const exists = async (id: string) =>
  (await emu.control.resources({ sandbox: 'prod' })).some((r) => r.id === id);

describe('deleting a dataset nothing writes to', () => {
  test('another run waits while the creating run is open, then deletes it once it has closed', async () => {
    const creator = owner();
    const id = await datasetOf(creator);
    open.add(`${sourceWorkflowId('prod', creator.sourceName)} ${creator.runId}`);

    const refused = await release('leaver', id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect((refused as ApplicationFailure).type).toBe(FailureType.CreatorRunOpen);
    expect((refused as ApplicationFailure).nonRetryable).toBe(false);
    expect(await exists(id)).toBe(true);

    open.clear();
    expect(await release('leaver', id)).toMatchObject({ deleted: [id] });
    expect(await exists(id)).toBe(false);
  });

  test('the creating run itself deletes it while open (its own compensation)', async () => {
    const creator = owner();
    const id = await datasetOf(creator);
    open.add(`${sourceWorkflowId('prod', creator.sourceName)} ${creator.runId}`);
    expect(await release(creator.runId, id)).toMatchObject({ deleted: [id] });
  });

  test('one another source writes to is kept, whoever asks; an absent one counts as gone', async () => {
    const creator = owner();
    const id = await datasetOf(creator);
    const writer = owner();
    const target = await asRun(writer.runId, activities.ensureTargetConnection, {
      owner: writer,
      lookupFirst: false,
      datasetId: id,
      datasetNamedById: false,
      schemaId: SCHEMA_ID,
    });
    expect(await release(creator.runId, id)).toMatchObject({
      deleted: [],
      inUse: [{ id, usedBy: [target.id] }],
    });
    await asRun(writer.runId, activities.deleteResource, {
      kind: 'targetConnection',
      sandbox: 'prod',
      id: target.id,
    });
    expect(await release('leaver', id)).toMatchObject({ deleted: [id] });
    expect(await release('leaver', id)).toMatchObject({ deleted: [], absent: [id] });
  });

  test('one this project did not create is kept and reported', async () => {
    const { id } = await aep.createDataset('prod', {
      name: `foreign ${++n}`,
      description: 'made by hand',
      schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
    });
    expect(await release('leaver', id)).toMatchObject({
      deleted: [],
      kept: [{ id, reason: 'not created by this project' }],
    });
    expect(await exists(id)).toBe(true);
  });
});

describe('a target connection into an adopted dataset that is gone', () => {
  test('a retry deletes the connection made into it and writes to a dataset ensured again', async () => {
    const creator = owner();
    const gone = await datasetOf(creator);
    const adopter = owner();
    const input = {
      owner: adopter,
      lookupFirst: false,
      datasetId: gone,
      datasetNamedById: false,
      schemaId: SCHEMA_ID,
      adoptedDataset: { name: `${creator.sourceName} dataset` },
    };
    // Attempt 1 made its connection into the dataset; then the dataset's last writer deleted it
    // (as Flow Service might allow) before the attempt's answer reached Temporal.
    const first = await asRun(adopter.runId, activities.ensureTargetConnection, input);
    expect(first).toMatchObject({ created: true });
    expect(first.dataset).toBeUndefined();
    await aep.deleteDataset('prod', gone);

    const retried = await asRun(adopter.runId, activities.ensureTargetConnection, input, 2);
    expect(retried.dataset).toMatchObject({ created: true });
    expect(retried.dataset!.id).not.toBe(gone);
    expect(await exists(first.id)).toBe(false);
    const writers = await aep.listTargetConnections('prod', [
      { path: 'params.dataSetId', value: retried.dataset!.id },
    ]);
    expect(writers.map((t) => t.id)).toEqual([retried.id]);
  });
});
