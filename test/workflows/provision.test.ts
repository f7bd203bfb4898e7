import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { summarizeFailure } from '../../src/client';
import type { ProvisionRequestInput } from '../../src/request';
import { progressQuery, WorkflowType } from '../../src/shared/names';
import { SCHEMA_ID, startStack, type Stack } from '../harness/stack';
import { uniqueName, sourceRequest, resourcesOf as resourcesOfSource } from '../harness/sources';
import { sourceIdOf } from '../harness/ids';

/**
 * ProvisionStreamingSource end to end: the real Temporal dev server, the worker from
 * src/worker.ts, and the AEP emulator. Each test uses its own source name; the stack gives the
 * file its own task queue.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  await stack.emulator.control.clearFaults();
});

const request = (name: string, extra: Partial<ProvisionRequestInput> = {}) =>
  sourceRequest(name, 'xdm', extra);

const resourcesOf = (name: string) => resourcesOfSource(stack.emulator, name);

/** Every string of a value, with byte arrays decoded as UTF-8. */
function textOf(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) textOf(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) textOf(v, out);
  return out;
}

async function provision(input: ProvisionRequestInput) {
  return stack.withWorker(() => stack.client.provision(input));
}

async function provisionExpectingFailure(input: ProvisionRequestInput) {
  try {
    await provision(input);
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowFailedError);
    return err as WorkflowFailedError;
  }
  throw new Error('provisioning unexpectedly succeeded');
}

/** One record as a producer sends it: an XDM envelope for xdm inlets, plain JSON for raw ones. */
async function ingest(
  url: string,
  flowId: string,
  token?: string,
  dataType: 'xdm' | 'raw' = 'raw',
) {
  const record = { id: 'r1', firstName: 'Ada', lastName: 'Lovelace' };
  const body =
    dataType === 'raw'
      ? record
      : {
          header: { schemaRef: { id: SCHEMA_ID, contentType: XDM_FULL }, flowId },
          body: {
            xdmMeta: { schemaRef: { id: SCHEMA_ID, contentType: XDM_FULL } },
            xdmEntity: { _id: record.id, person: { name: { firstName: record.firstName } } },
          },
        };
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-adobe-flow-id': flowId,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

const XDM_FULL = 'application/vnd.adobe.xed-full+json;version=1.0';

async function imsToken(): Promise<string> {
  const { url, credentials } = stack.emulator;
  const res = await fetch(`${url}/ims/token/v3`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      scope: 'openid,AdobeID',
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('the four variants and the mapping variant', () => {
  const variants: Array<[string, Partial<ProvisionRequestInput>]> = [
    ['xdm open', { dataType: 'xdm' }],
    ['xdm authenticated', { dataType: 'xdm', authentication: { required: true } }],
    ['raw open', { dataType: 'raw' }],
    ['raw authenticated', { dataType: 'raw', authentication: { required: true } }],
    [
      'raw with mapping',
      {
        dataType: 'raw',
        mappings: [
          { sourceAttribute: 'id', destinationXdmPath: '_id' },
          { sourceAttribute: 'firstName', destinationXdmPath: 'person.name.firstName' },
        ],
      },
    ],
  ];

  test.each(variants)('%s provisions and every returned id exists', async (label, extra) => {
    const name = uniqueName(label);
    const result = await provision(request(name, extra));

    const held = await stack.emulator.control.resources({ sandbox: 'prod' });
    const ids = new Set(held.map((r) => r.id));
    for (const id of [
      result.baseConnectionId,
      result.sourceConnectionId,
      result.targetConnectionId,
      result.flowId,
      result.datasetId,
      ...(result.mappingSetId ? [result.mappingSetId] : []),
    ]) {
      expect(ids).toContain(id);
    }
    expect(result.inletUrl).toBe(`${stack.emulator.url}/collection/${result.inletId}`);
    expect(result.dataType).toBe(extra.dataType);
    expect(result.created.sort()).toEqual(
      [
        'baseConnection',
        'sourceConnection',
        'targetConnection',
        'dataset',
        'flow',
        ...(extra.mappings ? ['mappingSet'] : []),
      ].sort(),
    );
    expect(result.reused).toEqual([]);
    const flow = held.find((r) => r.id === result.flowId)!;
    expect((flow.body as { flowSpec: { id: string } }).flowSpec.id).toBe(
      extra.mappings
        ? 'c1a19761-d2c7-4702-b9fa-fe91f0613e81'
        : 'd8a6f005-7eaf-4153-983e-e8574508b877',
    );

    if (extra.authentication?.required) {
      expect(result.authenticationRequired).toBe(true);
      const anonymous = await ingest(result.inletUrl, result.flowId, undefined, result.dataType);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { status: unknown }).status).toBe('401');
      const authed = await ingest(
        result.inletUrl,
        result.flowId,
        await imsToken(),
        result.dataType,
      );
      expect(authed.status).toBe(200);
    } else {
      expect(result.authenticationRequired).toBe(false);
      expect(
        (await ingest(result.inletUrl, result.flowId, undefined, result.dataType)).status,
      ).toBe(200);
    }
  });
});

test('running the same request again returns the same ids and creates nothing', async () => {
  const input = request(uniqueName('rerun'), {
    mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
    dataType: 'raw',
  });
  const first = await provision(input);
  await stack.emulator.control.resetStats();
  const second = await provision(input);

  expect(second).toEqual({ ...first, created: [], reused: expect.any(Array) });
  expect(second.reused.sort()).toEqual(first.created.sort());
  const stats = await stack.emulator.control.stats();
  expect(Object.values(stats.creates).reduce((a, b) => a + b, 0)).toBe(0);
});

describe('commit-then-fail on each create endpoint', () => {
  const endpoints: Array<[string, string]> = [
    ['base connection', '/data/foundation/flowservice/connections'],
    ['source connection', '/data/foundation/flowservice/sourceConnections'],
    ['target connection', '/data/foundation/flowservice/targetConnections'],
    ['flow', '/data/foundation/flowservice/flows'],
    ['dataset', '/data/foundation/catalog/dataSets'],
    ['mapping set', '/data/foundation/conversion/mappingSets'],
  ];
  test.each(endpoints)('%s: succeeds with exactly one of each resource', async (_label, path) => {
    const name = uniqueName('ctf');
    await stack.emulator.control.addFault({
      method: 'POST',
      path,
      count: 1,
      action: { type: 'commitThenFail', mode: 'status500' },
    });
    const result = await provision(
      request(name, {
        dataType: 'raw',
        mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
      }),
    );
    const mine = await resourcesOf(name);
    const kinds = mine.map((r) => r.kind).sort();
    expect(kinds).toEqual([
      'connection',
      'dataset',
      'flow',
      'mappingSet',
      'sourceConnection',
      'targetConnection',
    ]);
    expect(mine.map((r) => r.id)).toContain(result.flowId);
    const faults = await stack.emulator.control.faults();
    expect(faults.every((f) => (f.fired ?? 1) >= 1)).toBe(true);
  });

  test('a dropped connection after commit also leaves exactly one', async () => {
    const name = uniqueName('drop');
    await stack.emulator.control.addFault({
      method: 'POST',
      path: '/data/foundation/flowservice/connections',
      count: 1,
      action: { type: 'commitThenFail', mode: 'drop' },
    });
    await provision(request(name));
    const mine = await resourcesOf(name);
    expect(mine.filter((r) => r.kind === 'connection')).toHaveLength(1);
  });
});

describe('a permanent failure at each step', () => {
  const steps: Array<[string, string, string]> = [
    ['schema check', 'GET', '/data/foundation/schemaregistry/**'],
    ['dataset', 'POST', '/data/foundation/catalog/dataSets'],
    ['base connection', 'POST', '/data/foundation/flowservice/connections'],
    ['inlet read', 'GET', '/data/foundation/flowservice/connections/*'],
    ['source connection', 'POST', '/data/foundation/flowservice/sourceConnections'],
    ['target connection', 'POST', '/data/foundation/flowservice/targetConnections'],
    ['mapping set', 'POST', '/data/foundation/conversion/mappingSets'],
    ['flow', 'POST', '/data/foundation/flowservice/flows'],
  ];
  test.each(steps)(
    '%s: fails with a named type and leaves nothing',
    async (_label, method, path) => {
      const name = uniqueName('perm');
      await stack.emulator.control.addFault({
        method,
        path,
        action: { type: 'status', status: 400 },
      });
      const err = await provisionExpectingFailure(
        request(name, {
          dataType: 'raw',
          mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
        }),
      );
      const summary = summarizeFailure(err);
      expect(summary.type).toBe('ProvisioningFailed');
      expect(summary.rootType).toBe('AepBadRequest');
      expect(err.cause).toBeInstanceOf(ApplicationFailure);
      await stack.emulator.control.clearFaults();
      expect(await resourcesOf(name)).toEqual([]);
    },
  );

  test('a missing schema fails with SchemaNotFound before anything is created', async () => {
    const name = uniqueName('noschema');
    const err = await provisionExpectingFailure({
      ...request(name),
      target: {
        schemaId: 'https://ns.adobe.com/acme/schemas/doesnotexist',
        dataset: { name: `${name} dataset` },
      },
    });
    expect(summarizeFailure(err).rootType).toBe('SchemaNotFound');
    expect(await resourcesOf(name)).toEqual([]);
  });
});

test('a request for another IMS org is refused by the client, and by the worker, which holds no credentials for it', async () => {
  const name = uniqueName('other org');
  const imsOrg = 'OTHER00000000000000000000@AdobeOrg';
  await expect(stack.client.startProvision({ ...request(name), imsOrg })).rejects.toThrow(
    /not an org of this deployment/,
  );
  // A run started past the client (another client, the Temporal CLI) meets the worker's check.
  const workflowId = `aep-stream/${imsOrg}/prod/${name}`;
  const err = await stack.withWorker(() =>
    stack.env.client.workflow
      .execute(WorkflowType.provision, {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [{ ...request(name), imsOrg }],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      ),
  );
  expect(summarizeFailure(err)).toMatchObject({
    rootType: 'InvalidRequest',
    message: expect.stringContaining(`imsOrg: ${imsOrg} is not the org this worker serves`),
  });
  expect(await resourcesOf(name)).toEqual([]);
});

test('cancelling mid-run compensates everything created so far', async () => {
  const name = uniqueName('cancel');
  // Slow the flow creation so the cancellation lands while connections already exist.
  await stack.emulator.control.addFault({
    method: 'POST',
    path: '/data/foundation/flowservice/flows',
    action: { type: 'latency', ms: 3000 },
  });
  await stack.withWorker(async () => {
    const { handle } = await stack.client.startProvision(request(name));
    for (let i = 0; i < 100; i++) {
      const p = await handle.query(progressQuery);
      if (p.resources.sourceConnection && p.resources.targetConnection) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await resourcesOf(name)).length).toBeGreaterThan(0);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const desc = await handle.describe();
    expect(desc.status.name).toBe('CANCELLED');
    const p = await handle.query(progressQuery);
    expect(p.status).toBe('CANCELLED');
    expect(p.compensation.filter((c) => c.outcome === 'deleted').length).toBeGreaterThanOrEqual(4);
  });
  expect(await resourcesOf(name)).toEqual([]);
});

test('a foreign resource with the same name is neither adopted nor deleted', async () => {
  const name = uniqueName('foreign');
  const token = await imsToken();
  const res = await fetch(`${stack.emulator.url}/data/foundation/flowservice/connections`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'x-api-key': stack.emulator.credentials.clientId,
      'x-gw-ims-org-id': stack.emulator.credentials.orgId,
      'x-sandbox-name': 'prod',
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      name,
      description: 'made by hand in the UI',
      connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' },
      auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } },
    }),
  });
  expect(res.status).toBe(201);
  const foreignId = ((await res.json()) as { id: string }).id;

  const err = await provisionExpectingFailure(request(name));
  expect(summarizeFailure(err).rootType).toBe('ForeignResourceConflict');
  const left = await resourcesOf(name);
  expect(left.map((r) => r.id)).toEqual([foreignId]);
});

test('the history holds neither the client secret nor any access token', async () => {
  const name = uniqueName('secrets');
  await provision(
    request(name, { authentication: { required: true }, smokeTest: { activationWaitSeconds: 0 } }),
  );
  const handle = stack.client.client.workflow.getHandle(sourceIdOf(name));
  // Payloads (activity inputs and results) are bytes holding JSON: decode every byte array, or
  // the search would only see failure messages and other plain strings.
  const history = textOf(await handle.fetchHistory()).join('\n');
  // The source name travels in activity inputs: proof that payloads are searched.
  expect(history).toContain(`"sourceName":"${name}"`);
  expect(history).not.toContain(stack.emulator.credentials.clientSecret);
  const tokens = await stack.emulator.control.tokens();
  expect(tokens.length).toBeGreaterThan(0);
  for (const t of tokens) expect(history).not.toContain(t);
});

test('transient 5xx and 429 faults are retried to success', async () => {
  const name = uniqueName('transient');
  await stack.emulator.control.addFault({
    method: 'POST',
    path: '/data/foundation/flowservice/connections',
    count: 2,
    action: { type: 'status', status: 503 },
  });
  await stack.emulator.control.addFault({
    method: 'POST',
    path: '/data/foundation/flowservice/flows',
    count: 1,
    action: { type: 'status', status: 429, retryAfterSeconds: 1 },
  });
  const result = await provision(request(name));
  const mine = await resourcesOf(name);
  expect(mine.filter((r) => r.kind === 'connection')).toHaveLength(1);
  expect(mine.find((r) => r.kind === 'flow')?.id).toBe(result.flowId);
});

test('a refused smoke-test record fails with SmokeTestFailed and compensates', async () => {
  const name = uniqueName('smoke');
  await stack.emulator.control.addFault({
    method: 'POST',
    path: '/collection/*',
    action: { type: 'status', status: 400 },
  });
  const err = await provisionExpectingFailure(
    request(name, {
      dataType: 'raw',
      smokeTest: { activationWaitSeconds: 0, record: { id: 'x' } },
    }),
  );
  const summary = summarizeFailure(err);
  expect(summary.type).toBe('ProvisioningFailed');
  expect(summary.rootType).toBe('SmokeTestFailed');
  expect(summary.message).toContain('smoke-test record');
  await stack.emulator.control.clearFaults();
  expect(await resourcesOf(name)).toEqual([]);
});
