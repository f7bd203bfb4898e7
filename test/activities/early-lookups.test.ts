/**
 * The target side's lookups run early (inspectTarget, beside the base connection) and the creates
 * take what it found instead of looking up again — on their first attempt only: a retry always
 * looks up, since an earlier attempt may have been committed by AEP before its answer was lost.
 * Against the emulator, counting the calls each activity makes.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../src/activities';
import type { Owner } from '../../src/activities/types';
import type { RunningEmulator } from '../../emulator';
import { activitiesOnEmulator } from '../harness/activities-on-emulator';
import { FailureType } from '../../src/shared/names';
import { mockActivityEnvironment } from '../harness/mock-activity';

const SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';
const TARGET_LIST = 'GET /data/foundation/flowservice/targetConnections';
const TARGET_CREATE = 'POST /data/foundation/flowservice/targetConnections';

let emu: RunningEmulator;
let activities: Activities;

beforeAll(async () => {
  ({ emu, activities } = await activitiesOnEmulator());
});

afterAll(async () => {
  await emu.close();
});

let n = 0;
function owner(runId = 'run-1'): Owner {
  n += 1;
  return { sandbox: 'prod', sourceName: `early lookups ${n}`, runId };
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

async function calls(key: string): Promise<number> {
  return (await emu.control.stats()).requests[key] ?? 0;
}

/** A dataset created by `o`'s run (first attempt, no lookup), named `name`. */
async function newDataset(o: Owner, name = `${o.sourceName} dataset`): Promise<string> {
  const r = await attempt(1).run(activities.ensureDataset, {
    owner: o,
    lookupFirst: false,
    schemaId: SCHEMA_ID,
    dataset: { name },
  });
  return r.id;
}

test('a new source: inspectTarget finds nothing, and the first create makes no lookup', async () => {
  const o = owner();
  const found = await attempt(1).run(activities.inspectTarget, {
    owner: o,
    schemaId: SCHEMA_ID,
    datasetName: `${o.sourceName} dataset`,
    mappingSet: true,
  });
  expect(found).toEqual({
    schemaTitle: expect.any(String),
    dataset: null,
    targetConnection: null,
    mappingSet: null,
  });

  const datasetId = await newDataset(o);
  const lists = await calls(TARGET_LIST);
  const target = await attempt(1).run(activities.ensureTargetConnection, {
    owner: o,
    lookupFirst: true,
    datasetId,
    schemaId: SCHEMA_ID,
    found: found.targetConnection,
  });
  expect(target.created).toBe(true);
  expect(await calls(TARGET_LIST)).toBe(lists);
});

test('a retried create looks up even when the early lookup found nothing: no duplicate', async () => {
  const o = owner();
  const datasetId = await newDataset(o);
  // Attempt 1 created the target connection, but its answer was lost.
  const first = await attempt(1).run(activities.ensureTargetConnection, {
    owner: o,
    lookupFirst: true,
    datasetId,
    schemaId: SCHEMA_ID,
    found: null,
  });
  const creates = await calls(TARGET_CREATE);
  const retry = await attempt(2).run(activities.ensureTargetConnection, {
    owner: o,
    lookupFirst: true,
    datasetId,
    schemaId: SCHEMA_ID,
    found: null,
  });
  expect(retry).toEqual({ id: first.id, created: true, retried: true });
  expect(await calls(TARGET_CREATE)).toBe(creates);
});

test('a re-run: inspectTarget finds the earlier run’s resources, the ensures reuse them', async () => {
  const earlier = owner('run-1');
  const datasetName = `${earlier.sourceName} dataset`;
  const datasetId = await newDataset(earlier);
  const target = await attempt(1).run(activities.ensureTargetConnection, {
    owner: earlier,
    lookupFirst: false,
    datasetId,
    schemaId: SCHEMA_ID,
  });
  const mapping = await attempt(1).run(activities.ensureMappingSet, {
    owner: earlier,
    lookupFirst: false,
    schemaId: SCHEMA_ID,
    mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id', identity: false }],
  });

  const again: Owner = { ...earlier, runId: 'run-2' };
  const found = await attempt(1).run(activities.inspectTarget, {
    owner: again,
    schemaId: SCHEMA_ID,
    datasetName,
    mappingSet: true,
  });
  expect(found.dataset).toEqual({ id: datasetId, createdByThisRun: false, schemaId: SCHEMA_ID });
  expect(found.targetConnection).toEqual({
    id: target.id,
    createdByThisRun: false,
    dataSetId: datasetId,
  });
  expect(found.mappingSet).toMatchObject({ id: mapping.id, createdByThisRun: false });

  const before = (await emu.control.stats()).total;
  const dataset = await attempt(1).run(activities.ensureDataset, {
    owner: again,
    lookupFirst: true,
    schemaId: SCHEMA_ID,
    dataset: { name: datasetName },
    found: found.dataset,
  });
  const reused = await attempt(1).run(activities.ensureTargetConnection, {
    owner: again,
    lookupFirst: true,
    datasetId: dataset.id,
    schemaId: SCHEMA_ID,
    found: found.targetConnection,
  });
  expect(dataset).toEqual({ id: datasetId, created: false });
  expect(reused).toEqual({ id: target.id, created: false });
  expect((await emu.control.stats()).total).toBe(before);
});

test('an earlier source writing to another dataset is refused, as with a lookup of its own', async () => {
  const earlier = owner('run-1');
  const datasetId = await newDataset(earlier);
  await attempt(1).run(activities.ensureTargetConnection, {
    owner: earlier,
    lookupFirst: false,
    datasetId,
    schemaId: SCHEMA_ID,
  });
  const again: Owner = { ...earlier, runId: 'run-2' };
  const found = await attempt(1).run(activities.inspectTarget, {
    owner: again,
    schemaId: SCHEMA_ID,
    mappingSet: false,
  });
  const err = await attempt(1)
    .run(activities.ensureTargetConnection, {
      owner: again,
      lookupFirst: true,
      datasetId: 'another-dataset',
      schemaId: SCHEMA_ID,
      found: found.targetConnection,
    })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe(FailureType.ExistingSourceDiffers);
});

test('inspectTarget: an unknown schema is SchemaNotFound; a foreign dataset of that name is refused', async () => {
  const o = owner();
  const missing = await attempt(1)
    .run(activities.inspectTarget, {
      owner: o,
      schemaId: 'https://ns.adobe.com/acme/schemas/does-not-exist',
      mappingSet: false,
    })
    .catch((e: unknown) => e);
  expect((missing as ApplicationFailure).type).toBe(FailureType.SchemaNotFound);

  const foreignName = `${o.sourceName} foreign`;
  await emu.control.resetStats();
  const res = await fetch(`${emu.url}/ims/token/v3`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.credentials.clientId,
      client_secret: emu.credentials.clientSecret,
      scope: 'openid',
    }),
  });
  const { access_token: token } = (await res.json()) as { access_token: string };
  const created = await fetch(`${emu.url}/data/foundation/catalog/dataSets`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'x-api-key': emu.credentials.clientId,
      'x-gw-ims-org-id': emu.credentials.orgId,
      'x-sandbox-name': 'prod',
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      name: foreignName,
      schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
    }),
  });
  expect(created.status).toBe(201);
  const foreign = await attempt(1)
    .run(activities.inspectTarget, {
      owner: o,
      schemaId: SCHEMA_ID,
      datasetName: foreignName,
      mappingSet: false,
    })
    .catch((e: unknown) => e);
  expect((foreign as ApplicationFailure).type).toBe(FailureType.ForeignResourceConflict);
});

describe('a dataset two sources created at once under one name settles on the oldest', () => {
  const held = async (kind: 'dataset' | 'targetConnection') =>
    (await emu.control.resources({ kind, sandbox: 'prod' })).map((r) => ({
      id: r.id,
      name: r.name,
      dataSetId: (r.body as { params?: { dataSetId?: string } }).params?.dataSetId,
    }));
  const settle = (o: Owner, datasetId: string, name: string, a = 1) =>
    attempt(a).run(activities.ensureTargetConnection, {
      owner: o,
      lookupFirst: a > 1,
      datasetId,
      schemaId: SCHEMA_ID,
      found: null,
      settleDataset: { name },
    });

  test('the winner keeps its own; the loser deletes its own and writes to the winner’s', async () => {
    const [a, b] = [owner('run-a'), owner('run-b')];
    const name = `${a.sourceName} shared`;
    const older = await newDataset(a, name);
    const newer = await newDataset(b, name);
    const won = await settle(a, older, name);
    expect(won.dataset).toBeUndefined();
    const lost = await settle(b, newer, name);
    expect(lost.dataset).toEqual({ id: older, created: false });
    expect((await held('dataset')).filter((d) => d.name === name).map((d) => d.id)).toEqual([
      older,
    ]);
    const targets = (await held('targetConnection')).filter((t) =>
      [won.id, lost.id].includes(t.id),
    );
    expect(targets.map((t) => t.dataSetId)).toEqual([older, older]);
    // The target connection it made into its own dataset first is gone too.
    expect((await held('targetConnection')).filter((t) => t.dataSetId === newer)).toEqual([]);
  });

  test('a retry after the move was cut short finishes it, with one target connection', async () => {
    const [a, b] = [owner('run-a'), owner('run-b')];
    const name = `${a.sourceName} shared`;
    const older = await newDataset(a, name);
    const newer = await newDataset(b, name);
    // Attempt 1 made the target connection into its own dataset, then its worker died.
    await attempt(1).run(activities.ensureTargetConnection, {
      owner: b,
      lookupFirst: false,
      datasetId: newer,
      schemaId: SCHEMA_ID,
      found: null,
    });
    const retry = await settle(b, newer, name, 2);
    expect(retry.dataset).toEqual({ id: older, created: false });
    const mine = (await held('targetConnection')).filter((t) => t.name === b.sourceName);
    expect(mine).toEqual([{ id: retry.id, name: b.sourceName, dataSetId: older }]);
    expect((await held('dataset')).some((d) => d.id === newer)).toBe(false);
  });

  test('a dataset another source adopted already stays where it is', async () => {
    const [a, b, c] = [owner('run-a'), owner('run-b'), owner('run-c')];
    const name = `${a.sourceName} shared`;
    const older = await newDataset(a, name);
    const newer = await newDataset(b, name);
    // c saw only b's dataset and writes to it.
    await attempt(1).run(activities.ensureTargetConnection, {
      owner: c,
      lookupFirst: false,
      datasetId: newer,
      schemaId: SCHEMA_ID,
    });
    const stayed = await settle(b, newer, name);
    expect(stayed.dataset).toBeUndefined();
    expect((await held('dataset')).map((d) => d.id)).toEqual(
      expect.arrayContaining([older, newer]),
    );
  });
});

test('a twin of this run’s own dataset (a create that committed late) does not move the source', async () => {
  const b = owner('run-b');
  const name = `${b.sourceName} own twin`;
  // The same run created two datasets of the name: the older one is a late-committed twin.
  const twin = await newDataset(b, name);
  const ours = await newDataset(b, name);
  const target = await attempt(1).run(activities.ensureTargetConnection, {
    owner: b,
    lookupFirst: false,
    datasetId: ours,
    schemaId: SCHEMA_ID,
    found: null,
    settleDataset: { name },
  });
  expect(target.dataset).toBeUndefined();
  const datasets = (await emu.control.resources({ kind: 'dataset', sandbox: 'prod' })).map(
    (d) => d.id,
  );
  // Both stay for the run's twin sweep, which keeps the one the target connection writes to.
  expect(datasets).toEqual(expect.arrayContaining([twin, ours]));
});
