/**
 * Lookups against an AEP whose lists lie for a while, at the activity level, on the emulator:
 * what a list still shows after a delete is read again by id and dropped; a name filter Flow
 * Service refuses under a stricter quoting reading falls back to listing; the dataset
 * workflow's own activities take an existing dataset only once read by id, and delete one only
 * when it is this project's, this run's when asked, and nothing reads from it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../src/activities';
import type { Owner } from '../../src/activities/types';
import type { AepClient } from '../../src/aep/client';
import { FailureType } from '../../src/shared/names';
import type { RunningEmulator } from '../../emulator';
import { activitiesOnEmulator } from '../harness/activities-on-emulator';
import { EMULATOR_ORG } from '../harness/ids';
import { mockActivityEnvironment } from '../harness/mock-activity';

const SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';

let emu: RunningEmulator;
let activities: Activities;
let aep: AepClient;

beforeAll(async () => {
  ({ emu, activities, aep } = await activitiesOnEmulator());
});
afterAll(async () => {
  await emu.close();
});
afterEach(async () => {
  await emu.control.clearFaults();
  await emu.control.setFilterMode({ quoting: 'literal' });
});

let n = 0;
function owner(runId = 'run-1'): Owner {
  n += 1;
  return { imsOrg: EMULATOR_ORG, sandbox: 'prod', sourceName: `lookups ${n}`, runId };
}

/** Runs one activity as attempt `a` of its activity task. */
function attempt(a: number) {
  return {
    run: <I, R>(fn: (input: I) => Promise<R>, input: I): Promise<R> =>
      mockActivityEnvironment({ attempt: a, startToCloseTimeoutMs: 30_000 }).run<[I], R, typeof fn>(
        fn,
        input,
      ),
  };
}

const dataset = (o: Owner, name: string, extra: Record<string, unknown> = {}) =>
  attempt(1).run(activities.ensureNamedDataset, { owner: o, name, schemaId: SCHEMA_ID, ...extra });

async function newSource(o: Owner) {
  const base = await attempt(1).run(activities.ensureBaseConnection, {
    owner: o,
    found: null,
    dataType: 'raw',
    authenticationRequired: false,
  });
  const source = await attempt(1).run(activities.ensureSourceConnection, {
    owner: o,
    baseConnectionId: base.id,
  });
  const ds = await dataset(o, `${o.sourceName} dataset`);
  const target = await attempt(1).run(activities.ensureTargetConnection, {
    owner: o,
    datasetId: ds.id,
    schemaId: SCHEMA_ID,
  });
  return { base, source, ds, target };
}

/** A source with its flow, made by `o`'s run. */
async function sourceWithFlow(o: Owner) {
  const { source, target } = await newSource(o);
  const flow = await attempt(1).run(activities.ensureFlow, {
    owner: o,
    sourceConnectionId: source.id,
    targetConnectionId: target.id,
  });
  return { source, target, old: flow };
}

test('a retry does not adopt a flow deleted a moment ago that a lagging list still shows', async () => {
  const o = owner();
  const { source, target, old } = await sourceWithFlow(o);
  await emu.control.listLag({ kind: 'flow', ms: 10_000 });
  await aep.deleteFlow('prod', old.id);
  expect(
    (await aep.listFlows('prod', [{ path: 'name', value: o.sourceName }])).map((f) => f.id),
  ).toContain(old.id);
  const again = await attempt(2).run(activities.ensureFlow, {
    owner: o,
    sourceConnectionId: source.id,
    targetConnectionId: target.id,
  });
  // A create run as a retry says so (CREATES): the saga then sweeps for a twin.
  expect(again).toMatchObject({ created: true, retried: true });
  expect(again.id).not.toBe(old.id);
});

test('a replacement flow never takes the flow it replaces, which still exists', async () => {
  const o = owner();
  const { source, target, old } = await sourceWithFlow(o);
  // A retry of the replacement's create: the old flow is this source's and matches.
  const replacement = await attempt(2).run(activities.ensureFlow, {
    owner: { ...o, runId: 'run-2' },
    sourceConnectionId: source.id,
    targetConnectionId: target.id,
    replaces: old.id,
  });
  expect(replacement.id).not.toBe(old.id);
  expect(replacement.created).toBe(true);
});

test('a name filter refused as an invalid query value (1453) is listed without it', async () => {
  const o = owner();
  const { base } = await newSource(o);
  await emu.control.setFilterMode({ quoting: 'strict' });
  // The name has spaces: Flow Service now refuses it unquoted.
  await expect(
    aep.listConnections('prod', [{ path: 'name', value: o.sourceName }]),
  ).rejects.toMatchObject({ type: FailureType.AepBadRequest });
  const found = await attempt(2).run(activities.ensureBaseConnection, {
    owner: o,
    dataType: 'raw',
    authenticationRequired: false,
  });
  expect(found).toMatchObject({ id: base.id, created: true });
  const plan = await attempt(1).run(activities.readSource, {
    sandbox: 'prod',
    name: o.sourceName,
    schemaId: SCHEMA_ID,
    datasetName: `${o.sourceName} dataset`,
  });
  expect(plan.baseConnection?.id).toBe(base.id);
});

describe('the dataset workflow’s activities', () => {
  test('the known dataset is taken when it still exists; otherwise the oldest of the name', async () => {
    const o = owner();
    const name = `${o.sourceName} shared`;
    const first = await dataset(o, name);
    expect(first.created).toBe(true);
    const second = await dataset({ ...o, runId: 'run-2' }, name);
    expect(second).toEqual({ id: first.id, created: false });
    // Deleted, and still listed: read by id, it is not taken; a new one is made.
    await emu.control.listLag({ kind: 'dataset', ms: 10_000 });
    await aep.deleteDataset('prod', first.id);
    const third = await dataset({ ...o, runId: 'run-3' }, name, { knownId: first.id });
    expect(third.created).toBe(true);
    expect(third.id).not.toBe(first.id);
  });

  test('a dataset of another schema or a retired one is not taken; a foreign one is refused', async () => {
    const o = owner();
    const name = `${o.sourceName} schemas`;
    const first = await dataset(o, name);
    const skipped = await dataset({ ...o, runId: 'run-2' }, name, { skip: [first.id] });
    expect(skipped.id).not.toBe(first.id);
    const foreignName = `${o.sourceName} foreign`;
    await aep.createDataset('prod', {
      name: foreignName,
      schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
    });
    const refused = await dataset(o, foreignName).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect((refused as ApplicationFailure).type).toBe(FailureType.ForeignResourceConflict);
  });

  test('deleteDataset keeps one read from, one of another run when asked, one not ours', async () => {
    const o = owner();
    const { ds, target } = await newSource(o);
    const del = (input: { id: string; createdByRun?: string }) =>
      attempt(1).run(activities.deleteDataset, { sandbox: 'prod', ...input });
    expect(await del({ id: ds.id })).toEqual({
      outcome: 'kept',
      reason: `in use by ${target.id}`,
    });
    // The target connection is gone but lists still show it: read by id, it is no writer.
    await emu.control.listLag({ kind: 'targetConnection', ms: 10_000 });
    await aep.deleteTargetConnection('prod', target.id);
    expect(await del({ id: ds.id, createdByRun: 'another run' })).toEqual({
      outcome: 'kept',
      reason: 'not created by this run',
    });
    expect(await del({ id: ds.id, createdByRun: o.runId })).toEqual({ outcome: 'deleted' });
    expect(await del({ id: ds.id })).toEqual({ outcome: 'absent' });
    const foreign = await aep.createDataset('prod', {
      name: `${o.sourceName} not ours`,
      schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
    });
    expect(await del({ id: foreign.id })).toEqual({
      outcome: 'kept',
      reason: 'not created by this project',
    });
  });
});

test('the plan reads the oldest of several datasets of a name, as the dataset workflow picks', async () => {
  const o = owner();
  const name = `${o.sourceName} twice`;
  const older = await dataset(o, name);
  // A second dataset of the name, newer (Catalog keeps names unique only by convention).
  const newer = await dataset({ ...o, runId: 'run-2' }, name, { skip: [older.id] });
  expect(newer.id).not.toBe(older.id);
  for (const _ of [1, 2, 3]) {
    const plan = await attempt(1).run(activities.readSource, {
      sandbox: 'prod',
      name: o.sourceName,
      schemaId: SCHEMA_ID,
      datasetName: name,
    });
    expect(plan.dataset?.id).toBe(older.id);
  }
});

test('updateMappingSet puts a new version only when the latest one differs', async () => {
  const o = owner();
  const one = [{ sourceAttribute: 'id', destinationXdmPath: '_id', identity: false }];
  const two = [{ sourceAttribute: 'id', destinationXdmPath: '_id', identity: true }];
  const set = await attempt(1).run(activities.ensureMappingSet, {
    owner: o,
    found: null,
    schemaId: SCHEMA_ID,
    mappings: one,
  });
  const update = (mappings: typeof one) =>
    attempt(1).run(activities.updateMappingSet, {
      owner: o,
      id: set.id,
      schemaId: SCHEMA_ID,
      mappings,
    });
  expect((await update(one)).version).toBe(set.version);
  const changed = await update(two);
  expect(changed.version).toBeGreaterThan(set.version);
  // A retry after its PUT landed: the latest version already holds these mappings.
  expect((await update(two)).version).toBe(changed.version);
});
