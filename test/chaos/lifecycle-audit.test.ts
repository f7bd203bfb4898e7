import { auditLifecycle, lifecycleSources, type SourceFinal } from '../../chaos/lifecycle';
import { SCHEMA_ID } from '../../chaos/sources';
import type { StoredResource } from '../../emulator/control';
import { SPEC } from '../../src/aep/constants';
import { parseProvisionRequest, type ProvisionRequestInput } from '../../src/request';

/** The lifecycle audit on hand-made emulator state: it must see what it claims to count. */

const marker = (source: string) => `[aep-stream-provisioner source=${source} run=run-1]`;
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
    'prod',
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
    for (const v of s.versions)
      expect(() => parseProvisionRequest(v.request, 'prod')).not.toThrow();
  }
  const shared = [...byDataset.values()].filter((names) => names.length > 1);
  expect(shared).toHaveLength(4);
  expect(shared.flat()).toHaveLength(8);
});
