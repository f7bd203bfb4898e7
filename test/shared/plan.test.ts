import { parseProvisionRequest } from '../../src/request';
import { type ActualSource, formatPlan } from '../../src/shared/model';
import { planSource } from '../../src/shared/plan-source';
import { PROD } from '../harness/ids';

/** planSource is pure: every rule of docs/lifecycle.md, case by case. */

const SCHEMA = 'https://ns.adobe.com/acme/schemas/one';
const OTHER_SCHEMA = 'https://ns.adobe.com/acme/schemas/two';
const req = (extra: object = {}) =>
  parseProvisionRequest(
    {
      name: 'Orders',
      dataType: 'raw',
      target: { schemaId: SCHEMA, dataset: { name: 'Orders' } },
      ...extra,
    },
    PROD,
  );

const existing = (over: Partial<ActualSource> = {}): ActualSource => ({
  schemaFound: true,
  baseConnection: {
    id: 'b',
    dataType: 'raw',
    authenticationRequired: false,
    description: '',
    inletUrl: 'u',
    inletId: 'i',
  },
  sourceConnection: { id: 's' },
  dataset: { id: 'd', schemaId: SCHEMA, owned: true },
  targetConnection: { id: 't', dataSetId: 'd', schemaId: SCHEMA },
  mappingSet: null,
  flow: {
    id: 'f',
    flowSpec: 'streaming',
    sourceConnectionIds: ['s'],
    targetConnectionIds: ['t'],
    state: 'enabled',
  },
  foreign: [],
  ...over,
});

const action = (plan: ReturnType<typeof planSource>, kind: string) =>
  plan.resources.find((r) => r.kind === kind);

test('a provisioned source that matches: every resource kept, no change', () => {
  const plan = planSource(req(), existing());
  expect(plan.changes).toBe(false);
  expect(plan.resources.map((r) => r.action)).toEqual(Array(5).fill('keep'));
});

test('data type, authentication and schema need replace; with replace: true the source is replaced', () => {
  const changed = req({
    dataType: 'xdm',
    authentication: { required: true },
    target: { schemaId: OTHER_SCHEMA, dataset: { name: 'Orders' } },
  });
  const plan = planSource(changed, existing());
  expect(plan.needsReplace.map((c) => c.field)).toEqual([
    'dataType',
    'authentication.required',
    'target.schemaId',
  ]);
  expect(plan.replaceSource).toBe(false);
  const replacing = planSource({ ...changed, replace: true }, existing());
  expect(replacing.replaceSource).toBe(true);
  expect(new Set(replacing.resources.map((r) => r.action))).toEqual(new Set(['replace']));
});

test('another dataset for the same source moves data: refused', () => {
  const plan = planSource(
    req({ target: { schemaId: SCHEMA, dataset: { name: 'Other' } } }),
    existing({ dataset: null }),
  );
  expect(plan.needsReplace).toEqual([
    { field: 'target.dataset', from: 'd', to: 'new dataset "Other"' },
  ]);
});

test('mappings added replace the flow only; changed mappings update set and flow', () => {
  const mappings = [{ sourceAttribute: 'id', destinationXdmPath: '_id' }];
  const added = planSource(req({ mappings }), existing());
  expect(action(added, 'mappingSet')?.action).toBe('create');
  expect(action(added, 'flow')).toMatchObject({
    action: 'replace',
    reason: expect.stringMatching(/mappings added/),
  });
  expect(action(added, 'baseConnection')?.action).toBe('keep');
  expect(added.needsReplace).toEqual([]);

  const withSet = existing({
    mappingSet: {
      id: 'm',
      version: 2,
      schemaId: SCHEMA,
      mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id', identity: false }],
    },
    flow: {
      id: 'f',
      flowSpec: 'streamingWithMapping',
      sourceConnectionIds: ['s'],
      targetConnectionIds: ['t'],
      mapping: { id: 'm', version: 2 },
      state: 'enabled',
    },
  });
  expect(planSource(req({ mappings }), withSet).changes).toBe(false);
  const changed = planSource(
    req({ mappings: [{ sourceAttribute: 'key', destinationXdmPath: '_id' }] }),
    withSet,
  );
  expect(action(changed, 'mappingSet')).toMatchObject({
    action: 'update',
    changes: [{ field: 'mappings', from: ['id→_id'], to: ['key→_id'] }],
  });
  expect(action(changed, 'flow')?.action).toBe('update');
  const removed = planSource(req(), withSet);
  expect(action(removed, 'mappingSet')?.action).toBe('delete');
  expect(action(removed, 'flow')?.action).toBe('replace');
});

test('drift: a disabled flow, a description edited outside, a deleted source connection', () => {
  const disabled = planSource(
    req(),
    existing({ flow: { ...existing().flow!, state: 'disabled' } }),
  );
  expect(action(disabled, 'flow')).toMatchObject({
    action: 'update',
    changes: [{ field: 'state', from: 'disabled', to: 'enabled' }],
  });
  const described = planSource(req({ description: 'new' }), existing());
  expect(action(described, 'baseConnection')).toMatchObject({
    action: 'update',
    changes: [{ field: 'description', from: '', to: 'new' }],
  });
  const noSource = planSource(req(), existing({ sourceConnection: null }));
  expect(action(noSource, 'sourceConnection')?.action).toBe('create');
  expect(action(noSource, 'flow')?.action).toBe('replace');
});

test('foreign resources are conflicts and are left out of the resources to touch; a missing schema is said', () => {
  const plan = planSource(req(), {
    ...existing({ baseConnection: null }),
    foreign: [{ kind: 'baseConnection', id: 'x' }],
    schemaFound: false,
  });
  expect(plan.conflicts).toEqual([
    expect.objectContaining({ kind: 'baseConnection', action: 'conflict', id: 'x' }),
  ]);
  expect(action(plan, 'baseConnection')).toBeUndefined();
  expect(plan.schemaMissing).toBe(true);
  expect(formatPlan(plan).join('\n')).toMatch(/baseConnection +conflict +x[\s\S]*schema not found/);
});
