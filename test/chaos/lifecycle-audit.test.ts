import {
  emptyDataLog,
  emptyDataWatch,
  observe,
  teardownRuns,
  type DataLog,
  type DatasetReport,
  type TeardownRecord,
} from '../../chaos/data-safety';
import { auditLifecycle, lifecycleSources, type SourceFinal } from '../../chaos/lifecycle';
import { parseArgs } from '../../chaos/run';
import { SCHEMA_ID } from '../../chaos/sources';
import type { StoredResource } from '../../emulator/control';
import { SPEC } from '../../src/aep/constants';
import { parseProvisionRequest, type ProvisionRequestInput } from '../../src/request';
import { PROD } from '../harness/ids';

/** The lifecycle audit on hand-made emulator state: it must see what it claims to count. */

const marker = (source: string, run = 'run-1') =>
  `[aep-stream-provisioner org=EMULATOR0000000000000000@AdobeOrg sandbox=prod source=${JSON.stringify(source)} run=${run}]`;
const res = (
  kind: StoredResource['kind'],
  id: string,
  source: string | undefined,
  body: Record<string, unknown>,
  extra: Partial<StoredResource> = {},
): StoredResource => ({
  kind,
  sandbox: 'prod',
  id,
  name: source ?? 'hand made',
  ...(source ? { description: marker(source) } : {}),
  body,
  ...extra,
});

const request = (over: Partial<ProvisionRequestInput> = {}) =>
  parseProvisionRequest(
    {
      name: 'A',
      sandbox: 'prod',
      description: 'desc',
      dataType: 'raw',
      target: { schemaId: SCHEMA_ID, dataset: { name: 'shared ds' } },
      mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
      ...over,
    },
    PROD,
  );

/** What AEP holds for source `name` provisioned with request(): one of each, consistent. */
function sourceGraph(name: string, datasetId = 'ds1', suffix = name): StoredResource[] {
  return [
    res(
      'connection',
      `b${suffix}`,
      name,
      {
        auth: { params: { dataType: 'raw', authenticationRequired: false } },
      },
      { description: `desc ${marker(name)}` },
    ),
    res('sourceConnection', `s${suffix}`, name, { baseConnectionId: `b${suffix}` }),
    res('targetConnection', `t${suffix}`, name, { params: { dataSetId: datasetId } }),
    res('mappingSet', `m${suffix}`, name, {
      version: 1,
      mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id', identity: false }],
    }),
    res('flow', `f${suffix}`, name, {
      flowSpec: { id: SPEC.streamingFlowWithMapping.id },
      state: 'enabled',
      sourceConnectionIds: [`s${suffix}`],
      targetConnectionIds: [`t${suffix}`],
      transformations: [
        { name: 'Mapping', params: { mappingId: `m${suffix}`, mappingVersion: 1 } },
      ],
    }),
  ];
}
const dataset = (id = 'ds1', creator = 'A') =>
  res('dataset', id, creator, { schemaRef: { id: SCHEMA_ID } }, { name: 'shared ds' });

const finalA: SourceFinal = { sandbox: 'prod', name: 'A', desired: request() };
const goneB: SourceFinal = { sandbox: 'prod', name: 'B', desired: null, lastCompleted: 'teardown' };

test('a source that matches its request, and one torn down, give all zeros', () => {
  const a = auditLifecycle([...sourceGraph('A'), dataset()], [finalA, goneB]);
  expect(a).toMatchObject({
    duplicates: 0,
    orphans: 0,
    datasetsDeletedInUse: 0,
    stateMismatches: 0,
  });
});

test('each field that differs from the last completed request is a mismatch', () => {
  const held = [...sourceGraph('A'), dataset()];
  const want = request({
    description: 'other',
    dataType: 'xdm',
    authentication: { required: true },
    mappings: [{ sourceAttribute: 'x', destinationXdmPath: '_id' }],
  });
  const a = auditLifecycle(held, [{ sandbox: 'prod', name: 'A', desired: want }]);
  expect(a.stateMismatches).toBe(1);
  expect(Object.keys(a.mismatchesByField).sort()).toEqual(
    ['authentication', 'dataType', 'description', 'mappings'].sort(),
  );
  // The flow pointing at an old mapping-set version, a disabled flow, the other flow spec.
  const stale = sourceGraph('A').map((r) =>
    r.kind === 'flow'
      ? {
          ...r,
          body: {
            ...r.body,
            state: 'disabled',
            flowSpec: { id: SPEC.streamingFlow.id },
            transformations: [{ name: 'Mapping', params: { mappingId: 'mA', mappingVersion: 0 } }],
          },
        }
      : r,
  );
  const b = auditLifecycle([...stale, dataset()], [finalA]);
  expect(Object.keys(b.mismatchesByField).sort()).toEqual(
    ['flow.mappingVersion', 'flow.state', 'flowSpec'].sort(),
  );
});

test('a source that should be gone but is not is a mismatch and its resources orphans', () => {
  const a = auditLifecycle([...sourceGraph('A'), dataset()], [{ ...finalA, desired: null }]);
  expect(a.stateMismatches).toBe(1);
  // five resources of A, and the dataset nobody wants or writes to... is still written to by A's
  // target connection, so it is not counted
  expect(a.orphans).toBe(5);
});

test('a missing resource is a mismatch; a second one of a kind is a duplicate', () => {
  const held = sourceGraph('A').filter((r) => r.kind !== 'sourceConnection');
  const a = auditLifecycle([...held, dataset()], [finalA]);
  expect(a.mismatchesByField).toMatchObject({ 'sourceConnection missing': 1 });
  const twice = auditLifecycle(
    [...sourceGraph('A'), res('flow', 'f2', 'A', {}), dataset(), dataset('ds2')],
    [finalA],
  );
  expect(twice.duplicates).toBe(2); // a flow and a dataset of the same name
});

test('a shared dataset stays while another source writes to it; deleted under it is counted', () => {
  // A (torn down) created the dataset, B writes to it: kept, not an orphan.
  const finals: SourceFinal[] = [
    { sandbox: 'prod', name: 'A', desired: null },
    { sandbox: 'prod', name: 'B', desired: request({ name: 'B' }) },
  ];
  const kept = auditLifecycle([...sourceGraph('B'), dataset('ds1', 'A')], finals);
  expect(kept).toMatchObject({ orphans: 0, datasetsDeletedInUse: 0, stateMismatches: 0 });
  // The dataset deleted although B's target connection writes to it.
  const gone = auditLifecycle(sourceGraph('B'), finals);
  expect(gone.datasetsDeletedInUse).toBe(1);
  expect(gone.mismatchesByField).toMatchObject({ 'dataset missing': 1 });
  // Nobody writes to it and nobody wants it: an orphan.
  const left = auditLifecycle([dataset('ds1', 'A')], [finals[0]!]);
  expect(left.orphans).toBe(1);
});

test('an unmarked resource is an orphan', () => {
  const a = auditLifecycle([res('flow', 'x', undefined, {})], []);
  expect(a.orphans).toBe(1);
});

test('the sources: half share a dataset, within one sandbox; every version validates', () => {
  const specs = lifecycleSources(16, { prefix: 'lc', activationWaitSeconds: () => 2 });
  const byDataset = new Map<string, string[]>();
  for (const s of specs) {
    const k = `${s.sandbox}/${s.datasetName}`;
    byDataset.set(k, [...(byDataset.get(k) ?? []), s.name]);
    for (const v of s.versions) expect(() => parseProvisionRequest(v.request, PROD)).not.toThrow();
  }
  const shared = [...byDataset.values()].filter((names) => names.length > 1);
  expect(shared).toHaveLength(4);
  expect(shared.flat()).toHaveLength(8);
});

// ---------------------------------------------------------------------------------------------
// Data safety (chaos/data-safety.ts): dataLost, sourcesWithoutFlow, retained datasets

const T0 = 1_000_000;
/** A data log whose samples are the given observations (resources at a time). */
function dataLog(
  over: Partial<Omit<DataLog, 'watch'>> = {},
  samples: Array<[number, StoredResource[]]> = [],
): DataLog {
  const watch = emptyDataWatch();
  for (const [at, resources] of samples) observe(watch, resources, at);
  return { ...emptyDataLog(T0), ...over, watch };
}
const reported = (name: string, datasetId = 'ds1', at = T0 + 5_000): DatasetReport => ({
  sandbox: 'prod',
  name,
  datasetId,
  at,
});
const teardownOf = (
  name: string,
  over: Partial<TeardownRecord> = {},
  runId = `td-${name}`,
): TeardownRecord => ({
  sandbox: 'prod',
  name,
  deleteDataset: true,
  askedAt: T0 + 10_000,
  runId,
  started: true,
  outcome: 'succeeded',
  closedAt: T0 + 11_000,
  datasetsDeleted: ['ds1'],
  datasetsKept: [],
  ...over,
});
/** The dataset as Catalog stores it, created at `created`. */
const datasetAt = (id: string, creator: string, created: number) =>
  res('dataset', id, creator, { schemaRef: { id: SCHEMA_ID }, created }, { name: 'shared ds' });
const gone = (name = 'A'): SourceFinal => ({ sandbox: 'prod', name, desired: null });

describe('dataLost, rule 1: a dataset holding data gone without a teardown asking deleteDataset', () => {
  test('counts: A succeeded onto ds1, ds1 is gone, A was torn down without deleteDataset', () => {
    const log = dataLog(
      {
        reported: [reported('A')],
        teardowns: [teardownOf('A', { deleteDataset: false, datasetsDeleted: [] })],
      },
      [
        [T0 + 1_000, [...sourceGraph('A'), datasetAt('ds1', 'A', T0 + 500)]],
        [T0 + 12_000, []],
      ],
    );
    const a = auditLifecycle([], [gone()], log, T0 + 20_000);
    expect(a.dataLost).toBe(1);
    expect(a.dataLostExamples[0]).toMatch(/ds1 .*seen gone at \+12\.0 s.*without a teardown/);
    expect(a.datasetsWithDataGone).toBe(1);
  });

  test('does not count: the teardown of a writer asked deleteDataset while ds1 existed', () => {
    const log = dataLog({ reported: [reported('A')], teardowns: [teardownOf('A')] }, [
      [T0 + 1_000, [...sourceGraph('A'), datasetAt('ds1', 'A', T0 + 500)]],
      [T0 + 12_000, []],
    ]);
    const a = auditLifecycle([], [gone()], log, T0 + 20_000);
    expect(a).toMatchObject({ dataLost: 0, teardownsDeletingDataset: 1, orphans: 0 });
  });

  test('does not count: a failed run deleting the dataset its own run created (nothing succeeded onto it)', () => {
    // Seen with A's target connection, then gone: A's compensation. No provisioning reported it.
    const log = dataLog({}, [
      [T0 + 1_000, [...sourceGraph('A'), datasetAt('ds1', 'A', T0 + 500)]],
      [T0 + 2_000, []],
    ]);
    expect(auditLifecycle([], [gone()], log, T0 + 3_000).dataLost).toBe(0);
  });

  test('counts: the only deleteDataset teardown came from a source that never wrote to it', () => {
    const log = dataLog({ reported: [reported('A')], teardowns: [teardownOf('B')] }, [
      [T0 + 1_000, [...sourceGraph('A'), datasetAt('ds1', 'A', T0 + 500)]],
    ]);
    expect(auditLifecycle([], [gone()], log, T0 + 20_000).dataLost).toBe(1);
  });

  test('counts: a deleteDataset teardown asked before the dataset existed, or after it was gone', () => {
    const samples: Array<[number, StoredResource[]]> = [
      [T0 + 1_000, [...sourceGraph('A'), datasetAt('ds1', 'A', T0 + 500)]],
      [T0 + 8_000, []],
    ];
    const before = dataLog(
      { reported: [reported('A')], teardowns: [teardownOf('A', { askedAt: T0 + 100 })] },
      samples,
    );
    expect(auditLifecycle([], [gone()], before, T0 + 20_000).dataLost).toBe(1);
    const after = dataLog(
      { reported: [reported('A')], teardowns: [teardownOf('A', { askedAt: T0 + 9_000 })] },
      samples,
    );
    expect(auditLifecycle([], [gone()], after, T0 + 20_000).dataLost).toBe(1);
  });

  test('counts: the deleteDataset teardown kept it (in use), and it went later anyway', () => {
    const log = dataLog(
      {
        reported: [reported('A')],
        teardowns: [
          teardownOf('A', { datasetsDeleted: [], datasetsKept: [{ id: 'ds1', reason: 'in use' }] }),
        ],
      },
      [[T0 + 1_000, [...sourceGraph('A'), datasetAt('ds1', 'A', T0 + 500)]]],
    );
    expect(auditLifecycle([], [gone()], log, T0 + 20_000).dataLost).toBe(1);
  });

  test('counts: a call with deleteDataset that attached to a teardown started without it', () => {
    const log = dataLog(
      {
        reported: [reported('A')],
        teardowns: [
          teardownOf('A', { deleteDataset: false }, 'run-1'),
          teardownOf('A', { deleteDataset: true, started: false, askedAt: T0 + 10_100 }, 'run-1'),
        ],
      },
      [[T0 + 1_000, [...sourceGraph('A'), datasetAt('ds1', 'A', T0 + 500)]]],
    );
    expect(teardownRuns(log.teardowns)).toEqual([
      expect.objectContaining({ runId: 'run-1', deleteDataset: false }),
    ]);
    expect(auditLifecycle([], [gone()], log, T0 + 20_000).dataLost).toBe(1);
  });

  test('does not count: the dataset is still there', () => {
    const log = dataLog({ reported: [reported('A')] });
    const a = auditLifecycle([...sourceGraph('A'), dataset()], [finalA], log, T0 + 20_000);
    expect(a).toMatchObject({ dataLost: 0, datasetsWithData: 1, datasetsWithDataGone: 0 });
  });
});

describe('dataLost, rule 2: a dataset deleted while a live source still wrote to it', () => {
  test('counts: a sample shows B’s enabled flow writing to a deleted dataset, although A asked deleteDataset', () => {
    // A and B share ds1; A's teardown asked deleteDataset and the dataset went while B's flow ran.
    const log = dataLog(
      { reported: [reported('A'), reported('B')], teardowns: [teardownOf('A')] },
      [
        [T0 + 1_000, [...sourceGraph('A'), ...sourceGraph('B'), datasetAt('ds1', 'A', T0 + 500)]],
        [T0 + 12_000, sourceGraph('B')],
        [T0 + 13_000, []],
      ],
    );
    const a = auditLifecycle([], [gone('A'), gone('B')], log, T0 + 20_000);
    expect(a.dataLost).toBe(1);
    expect(a.dataLostExamples[0]).toMatch(/deleted at \+12\.0 s while flow fB of "B"/);
  });

  test('does not count: a target connection on a deleted dataset with no flow through it (mid-teardown)', () => {
    const noFlow = sourceGraph('B').filter((r) => r.kind !== 'flow');
    const log = dataLog({}, [[T0 + 1_000, noFlow]]);
    expect(auditLifecycle([], [gone('B')], log, T0 + 2_000).dataLost).toBe(0);
    // …nor with a disabled flow.
    const disabled = sourceGraph('B').map((r) =>
      r.kind === 'flow' ? { ...r, body: { ...r.body, state: 'disabled' } } : r,
    );
    const log2 = dataLog({}, [[T0 + 1_000, disabled]]);
    expect(auditLifecycle([], [gone('B')], log2, T0 + 2_000).dataLost).toBe(0);
  });

  test('at the end: a source that should exist writing to a missing dataset counts; one that should be gone does not', () => {
    const noFlow = sourceGraph('A').filter((r) => r.kind !== 'flow');
    const live = auditLifecycle(noFlow, [finalA], dataLog(), T0);
    expect(live.dataLost).toBe(1);
    expect(live.dataLostExamples[0]).toMatch(/missing at the end under target connection tA/);
    const dead = auditLifecycle(noFlow, [gone('A')], dataLog(), T0);
    expect(dead.dataLost).toBe(0);
    expect(dead.datasetsDeletedInUse).toBe(1); // still counted there
  });
});

describe('sourcesWithoutFlow: an inlet without an enabled flow into an existing dataset', () => {
  test('does not count: the whole graph, flow enabled, dataset present', () => {
    const a = auditLifecycle([...sourceGraph('A'), dataset()], [finalA], dataLog(), T0);
    expect(a.sourcesWithoutFlow).toBe(0);
  });

  test('counts: no flow, a disabled flow, or a flow into a missing dataset', () => {
    const noFlow = sourceGraph('A').filter((r) => r.kind !== 'flow');
    expect(auditLifecycle([...noFlow, dataset()], [finalA], dataLog(), T0)).toMatchObject({
      sourcesWithoutFlow: 1,
      sourcesWithoutFlowExamples: [expect.stringMatching(/bA of "A" in prod: no flow reads/)],
    });
    const disabled = sourceGraph('A').map((r) =>
      r.kind === 'flow' ? { ...r, body: { ...r.body, state: 'disabled' } } : r,
    );
    expect(
      auditLifecycle([...disabled, dataset()], [finalA], dataLog(), T0).sourcesWithoutFlow,
    ).toBe(1);
    expect(auditLifecycle(sourceGraph('A'), [finalA], dataLog(), T0).sourcesWithoutFlow).toBe(1);
  });

  test('counts: the flow reads from another base connection’s source connection', () => {
    // B's base connection left over next to A's graph: A's flow does not read from it.
    const bBase = sourceGraph('B').filter((r) => r.kind === 'connection');
    const a = auditLifecycle(
      [...sourceGraph('A'), ...bBase, dataset()],
      [finalA, gone('B')],
      dataLog(),
      T0,
    );
    expect(a.sourcesWithoutFlow).toBe(1);
    expect(a.sourcesWithoutFlowExamples[0]).toMatch(/bB of "B"/);
  });
});

describe('a dataset nobody writes to: retained when it holds data, an orphan when asked to go', () => {
  test('retained: A succeeded onto it and was torn down without deleteDataset', () => {
    const log = dataLog({
      reported: [reported('A')],
      teardowns: [
        teardownOf('A', {
          deleteDataset: false,
          datasetsDeleted: [],
          datasetsKept: [{ id: 'ds1', reason: 'retained' }],
        }),
      ],
    });
    const a = auditLifecycle([dataset()], [gone()], log, T0 + 20_000);
    expect(a).toMatchObject({ orphans: 0, datasetsRetained: 1, dataLost: 0 });
  });

  test('orphan: the last teardown of a source that succeeded onto it asked deleteDataset and did not keep it', () => {
    const log = dataLog({ reported: [reported('A')], teardowns: [teardownOf('A')] });
    const a = auditLifecycle([dataset()], [gone()], log, T0 + 20_000);
    expect(a.orphans).toBe(1);
    expect(a.examples.join('\n')).toMatch(/asked deleteDataset and did not keep it/);
  });

  test('retained: that teardown kept it (another source wrote to it), and the other left without deleteDataset', () => {
    const log = dataLog({
      reported: [reported('A'), reported('B')],
      teardowns: [
        teardownOf('A', { datasetsDeleted: [], datasetsKept: [{ id: 'ds1', reason: 'in use' }] }),
        teardownOf('B', {
          deleteDataset: false,
          closedAt: T0 + 15_000,
          datasetsDeleted: [],
          datasetsKept: [{ id: 'ds1', reason: 'retained' }],
        }),
      ],
    });
    const a = auditLifecycle([dataset()], [gone('A'), gone('B')], log, T0 + 20_000);
    expect(a).toMatchObject({ orphans: 0, datasetsRetained: 1 });
  });
});

test('observe: first and last sightings, when a dataset went, who wrote to it', () => {
  const watch = emptyDataWatch();
  observe(watch, [...sourceGraph('A'), datasetAt('ds1', 'A', T0)], T0 + 1_000);
  observe(watch, [...sourceGraph('A'), datasetAt('ds1', 'A', T0)], T0 + 2_000);
  observe(watch, [], T0 + 3_000);
  expect(watch.datasets[`prod\u0000ds1`]).toMatchObject({
    creator: 'A',
    created: T0,
    firstSeen: T0 + 1_000,
    lastSeen: T0 + 2_000,
    goneAt: T0 + 3_000,
  });
  expect(watch.writers[`prod\u0000ds1`]).toEqual({ A: T0 + 1_000 });
  expect(watch.deletedUnderFlow).toEqual({});
  expect(watch.observations).toBe(3);
});

test('the lifecycle preset: lists lag 2 s and a third of the teardowns ask deleteDataset; both options override', () => {
  expect(parseArgs(['--preset', 'lifecycle'])).toMatchObject({
    listLagMs: 2000,
    deleteDatasetShare: 1 / 3,
  });
  expect(
    parseArgs(['--preset', 'lifecycle', '--list-lag-ms', '0', '--delete-dataset', '0.5']),
  ).toMatchObject({ listLagMs: 0, deleteDatasetShare: 0.5 });
});
