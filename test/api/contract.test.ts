import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { CONTRACT_DIR, renderContract } from '../../scripts/generate-contract';
import { TEMPORAL_BIN } from '../../tools/dev-server';
import { SCHEMA_ID, startStack, type Stack } from '../harness/stack';
import { sourceIdOf } from '../harness/ids';

/**
 * The cross-language contract: contract/ holds JSON Schema files generated from the zod schemas
 * (stale files fail here), the examples satisfy them, and a provisioning started with nothing but
 * the Temporal CLI and a JSON file (the command docs/api.md shows) succeeds and returns a result
 * that satisfies the result schema.
 */

const root = path.resolve(__dirname, '..', '..');
const ajv = new Ajv2020({ strict: false, allErrors: true });
const schemaOf = (file: string) => {
  const { $id: _id, ...schema } = JSON.parse(
    readFileSync(path.join(CONTRACT_DIR, file), 'utf8'),
  ) as Record<string, unknown>;
  return schema;
};

test('contract/ is what the zod schemas generate (npm run contract)', async () => {
  const expected = await renderContract();
  const committed = readdirSync(CONTRACT_DIR).sort();
  expect(committed).toEqual(Object.keys(expected).sort());
  for (const [file, text] of Object.entries(expected)) {
    const actual = readFileSync(path.join(CONTRACT_DIR, file), 'utf8');
    // A stale file names itself: run `npm run contract` and commit.
    expect([file, actual === text]).toEqual([file, true]);
  }
});

test('every example satisfies the request schema; malformed requests do not', () => {
  const validate = ajv.compile(schemaOf('provision-request.schema.json'));
  const examples = readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.json'));
  expect(examples.length).toBeGreaterThanOrEqual(4);
  for (const f of examples) {
    const ok = validate(JSON.parse(readFileSync(path.join(root, 'examples', f), 'utf8')));
    expect([f, ok, ajv.errorsText(validate.errors)]).toEqual([f, true, 'No errors']);
  }
  for (const bad of [
    { name: 'x', dataType: 'csv', target: { schemaId: SCHEMA_ID, dataset: { name: 'x' } } },
    {
      name: 'x'.repeat(129),
      dataType: 'raw',
      target: { schemaId: SCHEMA_ID, dataset: { name: 'x' } },
    },
    { name: 'x', dataType: 'raw', target: { schemaId: SCHEMA_ID }, extra: 1 },
  ]) {
    expect(validate(bad)).toBe(false);
  }
});

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('without TypeScript', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  test('temporal workflow start --input-file provisions a source; the result satisfies the schema', async () => {
    const name = `cli-contract ${Date.now().toString(36)}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'aep-contract-'));
    const file = path.join(dir, 'request.json');
    const request = {
      name,
      sandbox: 'prod',
      dataType: 'raw',
      target: { schemaId: SCHEMA_ID, dataset: { name: `${name} dataset` } },
      mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
    };
    expect(ajv.validate(schemaOf('provision-request.schema.json'), request)).toBe(true);
    writeFileSync(file, JSON.stringify(request));
    const workflowId = sourceIdOf(name);
    const address = stack.config.TEMPORAL_ADDRESS;

    await stack.withWorker(async () => {
      // The command of docs/api.md, as a shell script or a CI job would run it.
      const start = await run(TEMPORAL_BIN, [
        'workflow',
        'start',
        '--type',
        'ProvisionStreamingSource',
        '--task-queue',
        stack.taskQueue,
        '--workflow-id',
        workflowId,
        '--input-file',
        file,
        '--search-attribute',
        'AepSandbox="prod"',
        '--search-attribute',
        `AepSourceName=${JSON.stringify(name)}`,
        '--address',
        address,
      ]);
      expect([start.code, start.out]).toEqual([0, expect.stringContaining(workflowId)]);
      const result = await run(TEMPORAL_BIN, [
        'workflow',
        'result',
        '--workflow-id',
        workflowId,
        '--address',
        address,
        '--output',
        'json',
      ]);
      expect(result.code).toBe(0);
      const parsed = JSON.parse(result.out) as { status: string; result: unknown };
      expect(parsed.status).toMatch(/COMPLETED/);
      expect(parsed.result).toMatchObject({
        name,
        sandbox: 'prod',
        inletUrl: expect.stringMatching(/\/collection\/[0-9a-f]{64}$/),
      });
    });
    // The payload itself (what any SDK decodes; the CLI prints an empty list as null) satisfies
    // the result schema, and the TypeScript client finds the run by name.
    const status = await stack.client.status(name, 'prod');
    expect(status.execution).toBe('COMPLETED');
    const validateResult = ajv.compile(schemaOf('provision-result.schema.json'));
    expect([validateResult(status.result), ajv.errorsText(validateResult.errors)]).toEqual([
      true,
      'No errors',
    ]);
  });
});
