import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { ProvisioningClient, RequestConflictError } from '../../src/client';
import { parseClientConfig } from '../../src/config';
import { clientOn } from '../../src/connection';
import { WorkflowType } from '../../src/shared/names';
import { SCHEMA_ID } from '../harness/stack';
import { freshTaskQueue } from '../harness/temporal';
import { EMULATOR_ORG, sourceIdOf } from '../harness/ids';

/**
 * The client library with a key, on the jest run's dev server (no worker: the runs stay open).
 * Besides its memo, the library reads an open run's request from the run's first history event
 * (a run started by another client, with no memo) to tell a conflicting request from the same
 * one: with keys, that input is encrypted and must be read through the client's data converter.
 */

const address = process.env.TEMPORAL_TEST_ADDRESS!;
const keys = `lib-2026:${randomBytes(32).toString('base64')}`;
let connection: Connection;
let client: ProvisioningClient;
let taskQueue: string;

beforeAll(async () => {
  taskQueue = freshTaskQueue('codec-client');
  const config = parseClientConfig({
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    AEP_ORG_ID: EMULATOR_ORG,
    PAYLOAD_ENCRYPTION_KEYS: keys,
  });
  connection = await Connection.connect({ address });
  client = new ProvisioningClient(clientOn(connection, config), config);
});

afterAll(async () => {
  await connection?.close();
});

test('an open run started by another client (no memo): its encrypted input is read to compare requests', async () => {
  const name = `Other client ${Date.now().toString(36)}`;
  const req = client.validate({
    name,
    dataType: 'xdm',
    target: { schemaId: SCHEMA_ID, dataset: { name } },
  });
  // As `temporal workflow start` or another SDK would: the workflow's input only, no memo.
  const handle = await client.client.workflow.start(WorkflowType.provision, {
    taskQueue,
    workflowId: sourceIdOf(name),
    args: [req],
  });
  try {
    // What Temporal holds is encrypted.
    const history = await new Client({ connection }).workflow
      .getHandle(handle.workflowId)
      .fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    expect(Buffer.from(input.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect((await handle.describe()).memo?.request).toBeUndefined();

    const conflict = client.startProvision({ ...req, description: 'another one' });
    await expect(conflict).rejects.toBeInstanceOf(RequestConflictError);
    await expect(conflict).rejects.toMatchObject({ fields: ['description'] });
    const same = await client.startProvision(req);
    expect([same.started, same.runId]).toEqual([false, handle.firstExecutionRunId]);
  } finally {
    await handle.terminate('test over');
  }
});
