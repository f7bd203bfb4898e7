import { reconcileScheduleId } from '../../src/shared/names';
import { KEYS, startApi, type ApiStack } from './helpers';

/**
 * PUT /v1/sandboxes/{sandbox}/reconcile-schedule: created, then updated by the same call
 * (idempotent), refused for a bad interval or a sandbox the key may not touch. What the
 * scheduled runs do is test/workflows/reconcile.test.ts's.
 */

let api: ApiStack;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const PATH = '/v1/sandboxes/dev/reconcile-schedule';

test('PUT creates the sandbox`s reconcile schedule, then updates it', async () => {
  const handle = api.stack.env.client.schedule.getHandle(
    reconcileScheduleId({ imsOrg: api.config.AEP_ORG_ID, sandbox: 'dev' }),
  );
  try {
    const created = await api.call('PUT', PATH, { key: KEYS.dev, body: { every: '15m' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sandbox: 'dev', everyMs: 900_000, repair: false });
    const updated = await api.call('PUT', PATH, {
      key: KEYS.dev,
      body: { every: '1h', repair: true, concurrency: 2 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ created: false, everyMs: 3_600_000, repair: true });
    const described = await handle.describe();
    expect(described.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
    expect(described.action.args).toEqual([
      { imsOrg: api.config.AEP_ORG_ID, sandbox: 'dev', repair: true, concurrency: 2 },
    ]);
    expect(described.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 3_600_000 });
  } finally {
    await handle.delete().catch(() => undefined);
  }
});

test('PUT refuses a bad interval, an unknown field, and a sandbox the key may not touch', async () => {
  const short = await api.call('PUT', PATH, { key: KEYS.dev, body: { every: '30s' } });
  expect([short.status, short.body.errors]).toEqual([
    422,
    ['every: the interval must be at least 60s'],
  ]);
  const junk = await api.call('PUT', PATH, { key: KEYS.dev, body: { every: 'soon', at: 1 } });
  expect(junk.status).toBe(422);
  expect(junk.body.errors).toEqual([expect.stringMatching(/unrecognized key.*"at"/i)]);
  const notADuration = await api.call('PUT', PATH, { key: KEYS.dev, body: { every: 'soon' } });
  expect(notADuration.body.errors).toEqual(['every: "soon" is not a duration (e.g. 15m, 1h)']);
  const forbidden = await api.call('PUT', PATH, { key: KEYS.prod, body: { every: '15m' } });
  expect(forbidden.status).toBe(403);
});
