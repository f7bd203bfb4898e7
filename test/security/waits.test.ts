import { SCHEMA_ID } from '../harness/stack';
import { uniqueName } from '../harness/sources';
import { sourceIdOf } from '../harness/ids';
import { startApi, type ApiStack } from '../api/helpers';

/**
 * Every wait of a request ends within API_MAX_WAIT_SECONDS, with no worker running: a PUT whose
 * source's last run must be queried, a DELETE over an open provisioning (it waits for the
 * compensation), a plan, a GET of a queued run. Before, each waited for a worker: a plan and such
 * a DELETE forever, a query as long as Temporal lets it (about 30 s).
 */

const MAX_WAIT = 3;
/** What a bounded answer may take: the wait, and the calls around it on a shared machine. */
const BOUND = (MAX_WAIT + 4) * 1000;

let api: ApiStack;
beforeAll(async () => {
  api = await startApi({
    API_MAX_WAIT_SECONDS: String(MAX_WAIT),
  });
});
afterAll(async () => {
  await api?.close();
});

const body = (name: string) => ({
  dataType: 'raw',
  target: { schemaId: SCHEMA_ID, dataset: { name: `${name} dataset` } },
});
const path = (name: string) => `/v1/sandboxes/prod/sources/${encodeURIComponent(name)}`;
const wait = { Prefer: 'wait=60' };

async function timed<T>(call: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const out = await call();
  return [out, Date.now() - started];
}

describe('with no worker running, every answer comes within API_MAX_WAIT_SECONDS', () => {
  test('PUT with Prefer: wait over a closed run (its progress is a query a worker answers): 202', async () => {
    const name = uniqueName('bounded put');
    expect((await api.call('PUT', path(name), { body: body(name) })).status).toBe(202);
    const handle = api.stack.env.client.workflow.getHandle(sourceIdOf(name));
    await handle.terminate('the test closes the run');

    const [res, ms] = await timed(() =>
      api.call('PUT', path(name), { body: body(name), headers: wait }),
    );
    expect([res.status, res.body.started]).toEqual([202, true]);
    expect(res.body.warning).toMatch(/no worker is polling/);
    expect(ms).toBeLessThan(BOUND);
    await api.stack.env.client.workflow.getHandle(sourceIdOf(name)).terminate();
  });

  test('GET of a queued run (its progress is a query a worker answers): 200', async () => {
    const name = uniqueName('bounded get');
    expect((await api.call('PUT', path(name), { body: body(name) })).status).toBe(202);
    const [res, ms] = await timed(() => api.call('GET', path(name)));
    expect([res.status, res.body.execution, res.body.status]).toEqual([200, 'RUNNING', 'QUEUED']);
    expect(ms).toBeLessThan(BOUND);
    await api.stack.env.client.workflow.getHandle(sourceIdOf(name)).terminate();
  });

  test('DELETE over an open provisioning: 503 CompensationPending, then the teardown once it ended', async () => {
    const name = uniqueName('bounded delete');
    const put = await api.call('PUT', path(name), { body: body(name) });
    expect(put.status).toBe(202);

    for (const headers of [{}, wait]) {
      const [res, ms] = await timed(() => api.call('DELETE', path(name), { headers }));
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('10');
      expect(res.body).toMatchObject({
        type: 'urn:aep-stream:problem:CompensationPending',
        workflowId: sourceIdOf(name),
        runId: put.body.runId,
      });
      expect(res.body.detail).toMatch(/no worker is polling/);
      expect(ms).toBeLessThan(BOUND);
    }
    // The cancellation stands; nothing else was started.
    const desc = await api.stack.env.client.workflow.getHandle(sourceIdOf(name)).describe();
    expect([desc.runId, desc.type, desc.status.name]).toEqual([
      put.body.runId,
      'ProvisionStreamingSource',
      'RUNNING',
    ]);

    // A worker comes: the cancelled run ends (it had created nothing), and the same DELETE
    // starts the teardown, which finds nothing left.
    await api.stack.withWorker(async () => {
      const run = api.stack.env.client.workflow.getHandle(sourceIdOf(name), put.body.runId);
      await expect(run.result()).rejects.toThrow(/cancel/i);
      const res = await api.call('DELETE', path(name), { headers: wait });
      expect([res.status, res.body.type]).toEqual([404, 'urn:aep-stream:problem:SourceNotFound']);
    });
  });

  test('plan: 503 PlanTimedOut (a plan has no resource to poll); its run timed out', async () => {
    const name = uniqueName('bounded plan');
    const [res, ms] = await timed(() =>
      api.call('POST', `${path(name)}/plan`, { body: body(name) }),
    );
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('10');
    expect(res.body.type).toBe('urn:aep-stream:problem:PlanTimedOut');
    // Whether it adds "no worker is polling" depends on the server's poller list, which keeps
    // the worker of the test before for a minute: the PUT test checks that hint.
    expect(res.body.detail).toMatch(/^No plan within 3 s/);
    expect(ms).toBeLessThan(BOUND);
  });
});
