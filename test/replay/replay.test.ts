import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { HISTORIES, releaseDir, SCENARIOS } from '../../scripts/record-histories';
import { workflowBundle } from '../harness/stack';

/**
 * Replays the histories of every released workflow version (test/fixtures/histories/<release>/,
 * recorded from real runs by scripts/record-histories.ts and never overwritten) against today's
 * workflow code: a change that would break runs still open when it is deployed fails here, in CI,
 * not in production (docs/versioning.md).
 */
// Oldest first, by version (v1.10.0 after v1.9.0).
const releases = readdirSync(HISTORIES).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
const files = releases.flatMap((r) =>
  readdirSync(path.join(HISTORIES, r))
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join(r, f)),
);
const load = (file: string) =>
  historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8')));

test('the newest release covers every scenario', () => {
  expect(releases.length).toBeGreaterThan(0);
  const newest = releases[releases.length - 1]!;
  expect(
    readdirSync(path.join(HISTORIES, newest))
      .map((f) => f.replace(/\.json$/, ''))
      .sort(),
  ).toEqual([...SCENARIOS].sort());
});

test.each(files)('%s replays without non-determinism', async (file) => {
  const history = load(file);
  expect(history.events?.length).toBeGreaterThan(5);
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history);
});

test('an incompatible workflow change is detected', async () => {
  await expect(
    Worker.runReplayHistory(
      { workflowsPath: require.resolve('../fixtures/replay/changed-workflow') },
      load(`${releases[0]}/provision-success.json`),
    ),
  ).rejects.toBeInstanceOf(DeterminismViolationError);
});

test('recording never overwrites a release', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'histories-'));
  try {
    expect(() => releaseDir(releases[0]!)).toThrow(/never overwritten/);
    expect(releaseDir('v9.0.0', root)).toBe(path.join(root, 'v9.0.0'));
    expect(() => releaseDir('v9-next', root)).toThrow(/release must look like/);
    expect(() => releaseDir('../escape', root)).toThrow(/release must look like/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
