import { runCli, type CliRun } from '../harness/cli';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseMarker } from '../../src/activities/ownership';
import { SCHEMA_ID, startStack, type Stack } from '../harness/stack';

/**
 * `apply --prune` and `plan --prune` (issue #27, part 1) as a user runs them, against the real dev
 * server and the emulator with lagging lists: the set is marked on each source's base connection,
 * a source removed from the input is listed as `delete`, then torn down with its dataset kept;
 * sources outside the set are never touched; the guard refuses more than 10 % without --force.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  // Writes show in lists 1 s later, as Platform's do.
  await stack.emulator.control.listLag({ path: '/^\\/data\\//', ms: 1000 });
});
afterAll(async () => {
  await stack?.close();
});

const cli = (args: string[]): Promise<CliRun> =>
  runCli(args, {
    TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    AEP_ORG_ID: stack.config.AEP_ORG_ID,
    AEP_SANDBOX: 'prod',
  });

const run = Date.now().toString(36);
const request = (name: string) => ({
  name: `${run} ${name}`,
  dataType: 'raw',
  target: { schemaId: SCHEMA_ID, dataset: {} },
});

/** A directory holding one request file per name. */
function dirOf(names: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'aep-prune-'));
  for (const n of names) writeFileSync(path.join(dir, `${n}.json`), JSON.stringify(request(n)));
  return dir;
}

/** The emulator's store (not its lagging lists): each source's base connection marker, datasets. */
async function stored() {
  const all = await stack.emulator.control.resources({ sandbox: 'prod' });
  const mine = all.filter((r) => r.name?.startsWith(run));
  const bases = new Map(
    mine
      .filter((r) => r.kind === 'connection')
      .map((r) => [r.name!.slice(run.length + 1), parseMarker(r.description)?.applySet ?? null]),
  );
  const datasets = mine
    .filter((r) => r.kind === 'dataset')
    .map((r) => r.name!.slice(run.length + 1));
  return { bases: Object.fromEntries(bases), datasets: datasets.sort() };
}

test('apply --prune: marks the set, plans and prunes what the input dropped, guards, keeps datasets', async () => {
  await stack.withWorker(async () => {
    // Outside the set: applied without one, and in another set.
    const outside = await cli(['apply', dirOf(['loner'])]);
    expect(outside.code).toBe(0);
    const other = await cli(['apply', dirOf(['other']), '--apply-set', 'other']);
    expect(other.code).toBe(0);

    const all = ['a', 'b', 'c', 'd', 'e'];
    const first = await cli(['--json', 'apply', dirOf(all), '--prune', '--apply-set', 'web']);
    expect([first.code, first.stderr]).toEqual([0, expect.any(String)]);
    const applied = JSON.parse(first.stdout) as { applied: unknown[]; pruned: unknown[] };
    expect([applied.applied.length, applied.pruned]).toEqual([5, []]);
    expect((await stored()).bases).toEqual({
      loner: null,
      other: 'other',
      a: 'web',
      b: 'web',
      c: 'web',
      d: 'web',
      e: 'web',
    });

    // c dropped: the plan lists it as delete (its dataset kept), and nothing else.
    const four = dirOf(['a', 'b', 'd', 'e']);
    const plan = await cli(['--json', 'plan', four, '--prune', '--apply-set', 'web']);
    expect(plan.code).toBe(4);
    type Plan = {
      name: string;
      changes: boolean;
      resources: Array<{ kind: string; action: string }>;
    };
    const plans = JSON.parse(plan.stdout) as Plan[];
    expect(plans.filter((p) => p.changes).map((p) => p.name)).toEqual([`${run} c`]);
    const c = plans.find((p) => p.name === `${run} c`)!;
    expect(c.resources.map((r) => `${r.kind} ${r.action}`).sort()).toEqual([
      'baseConnection delete',
      'dataset keep',
      'flow delete',
      'sourceConnection delete',
      'targetConnection delete',
    ]);

    const pruned = await cli(['--json', 'apply', four, '--prune', '--apply-set', 'web']);
    expect([pruned.code, pruned.stderr]).toEqual([0, expect.any(String)]);
    const out = JSON.parse(pruned.stdout) as {
      pruned: Array<{ name: string; outcome: string; teardown: { kept: unknown[] } }>;
    };
    expect(out.pruned.map((p) => [p.name, p.outcome])).toEqual([[`${run} c`, 'deleted']]);
    expect(out.pruned[0]!.teardown.kept).toEqual([
      expect.objectContaining({ kind: 'dataset', reason: 'retained' }),
    ]);
    const after = await stored();
    expect(after.bases).toEqual({
      loner: null,
      other: 'other',
      a: 'web',
      b: 'web',
      d: 'web',
      e: 'web',
    });
    expect(after.datasets).toEqual(['a', 'b', 'c', 'd', 'e', 'loner', 'other']);

    // Two of four dropped: more than 10 % (at least 1): refused, nothing torn down.
    const two = dirOf(['a', 'b']);
    const refused = await cli(['--json', 'apply', two, '--prune', '--apply-set', 'web']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      error: 'PruneRefused',
    });
    expect(refused.stderr).toMatch(
      /2 of 4 source\(s\) to prune, more than 1 .*nothing was torn down/,
    );
    expect(Object.keys((await stored()).bases)).toHaveLength(6);

    const forced = await cli([
      'apply',
      two,
      '--prune',
      '--apply-set',
      'web',
      '--force',
      '--delete-dataset',
    ]);
    expect([forced.code, forced.stderr]).toEqual([0, expect.any(String)]);
    expect(forced.stdout).toContain('2 pruned source(s): 2 deleted, 0 skipped, 0 failed');
    const end = await stored();
    expect(end.bases).toEqual({ loner: null, other: 'other', a: 'web', b: 'web' });
    // --delete-dataset: d's and e's own datasets went with them; c's was kept before.
    expect(end.datasets).toEqual(['a', 'b', 'c', 'loner', 'other']);
    for (const d of [four, two]) rmSync(d, { recursive: true, force: true });
  });
}, 240_000);

test('a source moves to another set in place: same inlet, the old set no longer prunes it', async () => {
  await stack.withWorker(async () => {
    const dir = dirOf(['mover']);
    const first = await cli(['--json', 'apply', dir, '--apply-set', 'one']);
    expect(first.code).toBe(0);
    const [{ inletUrl }] = JSON.parse(first.stdout) as [{ inletUrl: string }];
    const plan = await cli(['--json', 'plan', dir, '--apply-set', 'two']);
    expect(plan.code).toBe(4);
    expect(JSON.parse(plan.stdout)).toMatchObject({
      resources: expect.arrayContaining([
        {
          kind: 'baseConnection',
          action: 'update',
          id: expect.any(String),
          changes: [{ field: 'applySet', from: 'one', to: 'two' }],
        },
      ]),
    });
    const moved = await cli(['--json', 'apply', dir, '--apply-set', 'two']);
    expect(moved.code).toBe(0);
    expect(JSON.parse(moved.stdout)).toMatchObject([{ inletUrl, created: [] }]);
    expect((await stored()).bases.mover).toBe('two');
    // Set "one" is empty now, whatever its input: nothing of it to prune.
    const empty = await cli([
      '--json',
      'apply',
      dirOf(['newcomer']),
      '--prune',
      '--apply-set',
      'one',
    ]);
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout)).toMatchObject({ pruned: [] });
  });
}, 180_000);

test('--prune without an apply set id is refused, not guessed from the directory: nothing starts', async () => {
  const dir = dirOf(['unnamed']);
  for (const verb of ['apply', 'plan']) {
    const run = await cli([verb, dir, '--prune']);
    expect([run.code, run.stderr]).toEqual([
      2,
      expect.stringMatching(/--prune needs --apply-set <id>, .*so it is never guessed/),
    ]);
  }
  expect(Object.keys((await stored()).bases)).not.toContain('unnamed');
  rmSync(dir, { recursive: true, force: true });
});
