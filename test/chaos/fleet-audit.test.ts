import { markedDescription } from '../../src/activities/ownership';
import type { StoredResource } from '../../emulator/types';
import { auditFleet, FLEET_SET } from '../../chaos/fleet';
import { sources } from '../../chaos/sources';

/**
 * The fleet preset's audit (chaos/fleet.ts) on hand-made emulator state: a source as its request
 * says counts nothing; each kind of drift, a removed source's leftover, and its kept dataset count.
 */

const [plain, , , , mapped, removed] = sources(6, { prefix: 'fleet', sandboxes: ['prod'] });
const owner = (name: string) => ({
  imsOrg: 'O@AdobeOrg',
  sandbox: 'prod',
  sourceName: name,
  runId: 'r1',
});
const mark = (name: string, opts: { applySet?: string; user?: string } = {}) =>
  markedDescription(owner(name), opts.user, { applySet: opts.applySet });

/** A source's resources as the product leaves them; `edit` changes them. */
function stored(
  spec: NonNullable<typeof plain>,
  edit: { flow?: object; mappings?: object[]; applySet?: string } = {},
): StoredResource[] {
  const n = spec.name;
  const r = (
    kind: StoredResource['kind'],
    id: string,
    body: object = {},
    description = mark(n),
  ) => ({
    kind,
    sandbox: 'prod',
    id: `${id} ${n}`,
    name: n,
    description,
    body: { ...body },
  });
  const ms = spec.request.mappings
    ? [r('mappingSet', 'ms', { version: 1, mappings: edit.mappings ?? spec.request.mappings })]
    : [];
  return [
    r(
      'connection',
      'base',
      {},
      mark(n, { applySet: edit.applySet ?? FLEET_SET, user: spec.request.description }),
    ),
    r('sourceConnection', 'src'),
    r('targetConnection', 'tgt'),
    r('dataset', 'ds'),
    ...ms,
    r('flow', 'flow', {
      state: 'enabled',
      sourceConnectionIds: [`src ${n}`],
      targetConnectionIds: [`tgt ${n}`],
      ...(ms.length
        ? {
            transformations: [
              { name: 'Mapping', params: { mappingId: `ms ${n}`, mappingVersion: 1 } },
            ],
          }
        : {}),
      ...edit.flow,
    }),
  ];
}

test('a fleet as its directory says: nothing counted; the removed source`s dataset kept', () => {
  const kept = stored(removed!).filter((r) => r.kind === 'dataset');
  const audit = auditFleet(
    [...stored(plain!), ...stored(mapped!), ...kept],
    [plain!, mapped!],
    [removed!],
  );
  expect(audit).toMatchObject({ drifted: 0, duplicates: 0, orphans: 0, removedDatasetsKept: 1 });
});

test('each drift, a duplicate and a removed source`s flow are counted', () => {
  const audit = auditFleet(
    [
      ...stored(plain!, { flow: { state: 'disabled' }, applySet: 'other' }),
      ...stored(mapped!, { mappings: [{ sourceAttribute: 'edited', destinationXdmPath: '_id' }] }),
      ...stored(removed!).filter((r) => r.kind === 'flow' || r.kind === 'dataset'),
      { ...stored(plain!)[0]!, id: 'twin' },
    ],
    [plain!, mapped!],
    [removed!],
  );
  expect(audit).toMatchObject({
    drifted: 2,
    duplicates: 1,
    orphans: 1,
    removedDatasetsKept: 1,
    driftByField: { 'flow.state': 1, applySet: 1, mappings: 1 },
  });
});
