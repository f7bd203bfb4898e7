import { SearchAttributes } from '../../src/shared/names';
import { SCHEMA_ID } from '../harness/stack';
import { uniqueName } from '../harness/sources';
import { KEYS, startApi, type ApiStack } from './helpers';

/**
 * API keys on the real stack (the jest dev server, no worker: runs stay open): which key started
 * a run.
 */

let api: ApiStack;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const body = (name: string) => ({
  dataType: 'raw',
  target: { schemaId: SCHEMA_ID, dataset: { name: `${name} dataset` } },
  mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
});
const path = (name: string, sandbox = 'prod') =>
  `/v1/sandboxes/${sandbox}/sources/${encodeURIComponent(name)}`;

describe('the key on the run', () => {
  test('a run started through the API records its key as AepApiKeyId', async () => {
    const name = uniqueName('keyed');
    const put = await api.call('PUT', path(name), { body: body(name) });
    expect(put.status).toBe(202);
    const handle = api.stack.env.client.workflow.getHandle(put.body.workflowId, put.body.runId);
    const keyOf = async (h: typeof handle) =>
      (await h.describe()).typedSearchAttributes.get(SearchAttributes.apiKeyId);
    expect(await keyOf(handle)).toBe('ci-prod');
    // No worker: the provisioning is ended here, then a teardown by another key is its own.
    await handle.terminate('test');
    const del = await api.call('DELETE', path(name), { key: KEYS.all });
    expect(del.status).toBe(202);
    const teardown = api.stack.env.client.workflow.getHandle(del.body.workflowId, del.body.runId);
    expect(await keyOf(teardown)).toBe('admin');
    await teardown.terminate('test');
  });
});
