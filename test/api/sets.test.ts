import { parseMarker } from '../../src/activities/ownership';
import { KEYS, sourceBody, startApi, type ApiStack } from './helpers';

/**
 * PUT /v1/sandboxes/{sandbox}/sets/{set} and its plan (issue #27, part 1) on the real stack: the
 * whole set applied with Prefer: wait, a source the body drops planned as delete and pruned, the
 * guard's 409, and the body checked before anything starts. Responses are checked against the
 * OpenAPI document (helpers.ts).
 */

let api: ApiStack;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const run = Date.now().toString(36);
const names = ['a', 'b', 'c'].map((n) => `set ${run} ${n}`);
const source = (name: string) => ({ ...sourceBody(name), name });
const setPath = '/v1/sandboxes/prod/sets/api-set';
const wait = { Prefer: 'wait=60' };

const basesOf = async () =>
  (await api.stack.emulator.control.resources({ sandbox: 'prod', kind: 'connection' }))
    .filter((r) => r.name?.startsWith(`set ${run}`))
    .map((r) => [r.name, parseMarker(r.description)?.applySet])
    .sort();

test('PUT a set applies every source, then prunes the one the body drops; plan says delete', async () => {
  await api.stack.withWorker(async () => {
    const first = await api.call('PUT', setPath, {
      key: KEYS.prod,
      headers: wait,
      body: { sources: names.map(source) },
    });
    expect(first.status).toBe(200);
    expect(first.body.applied).toHaveLength(3);
    expect(first.body.pruned).toEqual([]);
    expect(await basesOf()).toEqual(names.map((n) => [n, 'api-set']));

    const two = { sources: names.slice(0, 2).map(source) };
    const plan = await api.call('POST', `${setPath}/plan`, { key: KEYS.prod, body: two });
    expect(plan.status).toBe(200);
    const deletes = (
      plan.body.sources as Array<{ name: string; resources: Array<{ action: string }> }>
    )
      .filter((p) => p.resources.some((r) => r.action === 'delete'))
      .map((p) => p.name);
    expect(deletes).toEqual([names[2]]);
    expect(plan.body.prune).toEqual({ size: 3, limit: 1, count: 1, refused: false });

    const pruned = await api.call('PUT', setPath, { key: KEYS.prod, headers: wait, body: two });
    expect(pruned.status).toBe(200);
    expect(pruned.body.pruned).toMatchObject([{ name: names[2], outcome: 'deleted' }]);
    expect(await basesOf()).toEqual(names.slice(0, 2).map((n) => [n, 'api-set']));

    // Both dropped: 2 of 2, more than 1: refused, nothing torn down.
    const refused = await api.call('PUT', setPath, {
      key: KEYS.prod,
      headers: wait,
      body: { sources: [source(`set ${run} d`)] },
    });
    expect([refused.status, refused.body.type]).toEqual([
      409,
      'urn:aep-stream:problem:PruneRefused',
    ]);
    expect((await basesOf()).map(([n]) => n)).toEqual([names[0], names[1], `set ${run} d`]);
  });
}, 240_000);

test('PUT a set: every problem of the body at once, nothing started', async () => {
  const res = await api.call('PUT', '/v1/sandboxes/prod/sets/Bad_Set', {
    key: KEYS.prod,
    body: {
      sources: [
        { ...source(`set ${run} x`), sandbox: 'dev' },
        { ...source(`set ${run} x`) },
        { ...source(`set ${run} y`), dataType: 'csv' },
      ],
    },
  });
  expect(res.status).toBe(422);
  const errors = (res.body.errors as string[]).join('\n');
  expect(errors).toMatch(/applySet must be/);
  expect(errors).toMatch(/sources\[0\]\.sandbox: the body names "dev", the path prod/);
  expect(errors).toMatch(/sources\[1\]: source set \S+ x is named twice/);
  expect(errors).toMatch(/sources\[2\]: dataType/);
  const forbidden = await api.call('PUT', '/v1/sandboxes/dev/sets/s', {
    key: KEYS.prod,
    body: { sources: [] },
  });
  expect(forbidden.status).toBe(403);
});
