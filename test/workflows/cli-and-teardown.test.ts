import { runCli, type CliRun } from '../harness/cli';
import { summarizeFailure } from '../../src/client';
import { progressQuery } from '../../src/shared/names';
import { TEARDOWN_ORDER } from '../../src/shared/model';
import { SCHEMA_ID, startStack, type Stack } from '../harness/stack';
import { uniqueName } from '../harness/sources';
import { sourceIdOf } from '../harness/ids';

/**
 * The CLI as a provisioning system runs it (a child process, config from the environment), the
 * teardown workflow, idempotent triggering, and what the Temporal UI shows (search attributes,
 * summary, details, progress query).
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const request = (name: string) => ({
  name,
  dataType: 'raw',
  target: { schemaId: SCHEMA_ID, dataset: { name: `${name} dataset` } },
  mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
});

const cli = (args: string[], stdin?: string): Promise<CliRun> =>
  runCli(
    args,
    {
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      AEP_ORG_ID: stack.config.AEP_ORG_ID,
      AEP_SANDBOX: 'prod',
    },
    stdin,
  );

const resourcesNamed = async (name: string) =>
  (await stack.emulator.control.resources({ sandbox: 'prod' })).filter(
    (r) => r.name === name || r.name === `${name} dataset`,
  );

test('CLI: provision from stdin with --json, then status, then deprovision', async () => {
  const name = uniqueName('cli');
  await stack.withWorker(async () => {
    const run = await cli(['--json', 'provision', '-'], JSON.stringify(request(name)));
    expect(run.stderr).toContain('✓ baseConnection created');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(result.inletUrl).toMatch(/\/collection\/[0-9a-f]{64}$/);
    expect(result.created).toContain('flow');

    const status = await cli(['--json', 'status', name]);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s.execution).toBe('COMPLETED');
    expect(s.result.flowId).toBe(result.flowId);
    expect(s.progress.status).toBe('SUCCEEDED');

    const teardown = await cli(['--json', 'deprovision', name]);
    expect(teardown.code).toBe(0);
    const t = JSON.parse(teardown.stdout);
    expect(t.deleted.map((d: { kind: string }) => d.kind)).toEqual(
      TEARDOWN_ORDER.filter((k) => k !== 'dataset'),
    );
    expect(t.kept).toEqual([{ kind: 'dataset', id: result.datasetId, reason: 'retained' }]);
    const again = await cli(['--json', 'deprovision', name, '--delete-dataset']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).deleted).toEqual([{ kind: 'dataset', id: result.datasetId }]);
  });
  expect(await resourcesNamed(name)).toEqual([]);
});

test('CLI: invalid input exits 2 naming the fields, and starts nothing', async () => {
  const run = await cli(
    ['provision', '-'],
    JSON.stringify({ name: 'a\u0000b', dataType: 'csv', target: {} }),
  );
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(
    /^\s+- name may contain only printable characters: character 2 is U\+0000/m,
  );
  expect(run.stderr).toMatch(/^\s+- dataType must be "xdm" or "raw"/m);
  expect(run.stderr).toMatch(/^\s+- target.schemaId /m);
  const bad = await cli(['provision', '-'], '{not json');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('not valid JSON');
});

test('CLI: a failed provisioning exits 1 with its failure type', async () => {
  const name = uniqueName('clifail');
  await stack.emulator.control.addFault({
    method: 'POST',
    path: '/data/foundation/flowservice/flows',
    action: { type: 'status', status: 403 },
  });
  try {
    await stack.withWorker(async () => {
      const run = await cli(['provision', '-'], JSON.stringify(request(name)));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('ProvisioningFailed (cause: AepForbidden)');
    });
  } finally {
    await stack.emulator.control.clearFaults();
  }
  expect(await resourcesNamed(name)).toEqual([]);
});

test('teardown by flow id keeps a dataset the request named by id', async () => {
  const name = uniqueName('keepds');
  await stack.withWorker(async () => {
    const first = await stack.client.provision(request(name));
    // A second source writing into the first one's dataset, named by id.
    const otherName = uniqueName('byid');
    const second = await stack.client.provision({
      name: otherName,
      dataType: 'xdm',
      target: { schemaId: SCHEMA_ID, datasetId: first.datasetId },
    });
    expect(second.datasetId).toBe(first.datasetId);
    expect(second.reused).toContain('dataset');
    const result = await stack.client.deprovision({ flowId: second.flowId });
    expect(result.kept).toEqual([
      { kind: 'dataset', id: first.datasetId, reason: 'named by id in the request' },
    ]);
    expect(result.deleted.map((d) => d.kind)).not.toContain('dataset');
    const held = new Set(
      (await stack.emulator.control.resources({ sandbox: 'prod' })).map((r) => r.id),
    );
    expect(held.has(first.datasetId)).toBe(true);
    expect(held.has(second.flowId)).toBe(false);
    expect(held.has(first.flowId)).toBe(true);
  });
});

test('teardown of an unknown source fails with SourceNotFound', async () => {
  await stack.withWorker(async () => {
    const err = await stack.client
      .deprovision({ name: uniqueName('ghost') })
      .catch((e: unknown) => e);
    expect(summarizeFailure(err).type).toBe('SourceNotFound');
  });
});

test('starting while a run is open attaches to it; the UI sees search attributes, summary and details', async () => {
  const name = uniqueName('ui');
  await stack.emulator.control.addFault({
    method: 'POST',
    path: '/data/foundation/flowservice/flows',
    action: { type: 'latency', ms: 1500 },
  });
  try {
    await stack.withWorker(async () => {
      const a = await stack.client.startProvision(request(name));
      const b = await stack.client.startProvision(request(name));
      expect(a.started).toBe(true);
      expect(b.started).toBe(false);
      expect(b.runId).toBe(a.runId);
      expect(a.workflowId).toBe(sourceIdOf(name));

      const result = await a.handle.result();
      const desc = await a.handle.describe();
      expect(
        desc.typedSearchAttributes.get({ name: 'AepSourceName', type: 'KEYWORD' } as never),
      ).toBe(name);
      expect(desc.searchAttributes).toMatchObject({
        AepSandbox: ['prod'],
        AepSourceName: [name],
        AepProvisioningStatus: ['SUCCEEDED'],
      });
      expect(await desc.staticSummary()).toContain(name);
      expect(await desc.staticDetails()).toContain('- **Mapping** 1 field(s)');
      const progress = await a.handle.query(progressQuery);
      expect(progress.completedSteps).toContain(`flow created: ${result.flowId}`);

      // Visibility: operators find the provisioning by source name.
      let found = 0;
      for (let i = 0; i < 50 && found === 0; i++) {
        for await (const wf of stack.client.client.workflow.list({
          query: `AepSourceName = "${name}" AND AepProvisioningStatus = "SUCCEEDED"`,
        })) {
          if (wf.workflowId === a.workflowId) found++;
        }
        if (!found) await new Promise((r) => setTimeout(r, 100));
      }
      expect(found).toBe(1);
    });
  } finally {
    await stack.emulator.control.clearFaults();
  }
});
