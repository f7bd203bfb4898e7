import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { HISTORIES, releaseDir, SCENARIOS } from '../../scripts/record-histories';
import { Patches } from '../../src/shared/names';
import { workflowBundle } from '../harness/stack';

/**
 * Replays the histories of every released workflow version (test/fixtures/histories/<release>/,
 * recorded from real runs by scripts/record-histories.ts and never overwritten) against today's
 * workflow code: a change that would break runs still open when it is deployed fails here, in CI,
 * not in production (docs/versioning.md).
 */
const releases = readdirSync(HISTORIES).sort();
const files = releases.flatMap((r) =>
  readdirSync(path.join(HISTORIES, r))
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join(r, f)),
);
const load = (file: string) =>
  historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8')));

test('every release is kept; the newest covers every scenario', () => {
  expect(releases).toEqual(expect.arrayContaining(['v1', 'v2-lifecycle']));
  expect(readdirSync(path.join(HISTORIES, 'v1')).sort()).toEqual([
    'deprovision.json',
    'provision-compensated.json',
    'provision-success.json',
  ]);
  const newest = releases[releases.length - 1]!;
  expect(
    readdirSync(path.join(HISTORIES, newest))
      .map((f) => f.replace(/\.json$/, ''))
      .sort(),
  ).toEqual([...SCENARIOS].sort());
});

test.each(files)('%s replays without non-determinism', async (file) => {
  const history = load(file);
  expect(history.events?.length).toBeGreaterThan(10);
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history);
});

test('v1 provisionings carry no patch marker (they replay through provision-v1.ts); v2 ones do', () => {
  const marked = (file: string) =>
    (load(file).events ?? []).some(
      (e) =>
        e.markerRecordedEventAttributes?.markerName === 'core_patch' &&
        JSON.stringify(e.markerRecordedEventAttributes.details).length > 0,
    );
  expect(marked('v1/provision-success.json')).toBe(false);
  expect(marked('v2-lifecycle/provision-success.json')).toBe(true);
  expect(Patches.lifecycle).toBe('lifecycle-v2');
});

test('every patch has its new path in the corpus: some recorded run took it', () => {
  const patchIds = new Set(
    files.flatMap((file) =>
      (load(file).events ?? []).flatMap((e) => {
        const a = e.markerRecordedEventAttributes;
        if (a?.markerName !== 'core_patch') return [];
        const data = a.details?.['patch-data']?.payloads?.[0]?.data;
        return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
      }),
    ),
  );
  expect([...patchIds].sort()).toEqual(Object.values(Patches).sort());
});

test('the newest release asks for its patches before its first local activity', () => {
  // A patch asked for after a local activity's result can land in the next workflow task when
  // the task is heartbeated while the activity runs, and a replay then answers it differently
  // (CI, once, with v4-local-plan-read's order). Every provisioning of the newest release records
  // its first patches before any local-activity marker.
  const newest = releases[releases.length - 1]!;
  const provisionings = files.filter((f) => f.startsWith(`${newest}/provision-`));
  expect(provisionings.length).toBeGreaterThan(5);
  for (const file of provisionings) {
    const markers = (load(file).events ?? []).flatMap(
      (e) => e.markerRecordedEventAttributes?.markerName ?? [],
    );
    const firstLocal = markers.indexOf('core_local_activity');
    const patchesBefore = markers.slice(0, firstLocal).filter((m) => m === 'core_patch').length;
    expect([file, patchesBefore]).toEqual([file, 2]);
  }
});

test('an incompatible workflow change is detected', async () => {
  await expect(
    Worker.runReplayHistory(
      { workflowsPath: require.resolve('../fixtures/replay/changed-workflow') },
      load('v1/provision-success.json'),
    ),
  ).rejects.toBeInstanceOf(DeterminismViolationError);
});

test('recording never overwrites a release', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'histories-'));
  try {
    expect(() => releaseDir('v1')).toThrow(/never overwritten/);
    expect(releaseDir('v9-next', root)).toBe(path.join(root, 'v9-next'));
    expect(() => releaseDir('../escape', root)).toThrow(/release must look like/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
