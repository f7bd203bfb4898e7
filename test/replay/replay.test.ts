import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../harness/stack';

/**
 * Replays histories recorded from real runs (scripts/record-histories.ts) against today's
 * workflow code: a change that would break running workflows fails here, in CI, not in
 * production.
 */
const dir = path.resolve(__dirname, '..', 'fixtures', 'histories');
const histories = readdirSync(dir).filter((f) => f.endsWith('.json'));
const load = (file: string) =>
  historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));

test('the committed histories cover success, compensation and teardown', () => {
  expect(histories.sort()).toEqual([
    'deprovision.json',
    'provision-compensated.json',
    'provision-success.json',
  ]);
});

test.each(histories)('%s replays without non-determinism', async (file) => {
  const history = load(file);
  expect(history.events?.length).toBeGreaterThan(20);
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history);
});

test('an incompatible workflow change is detected', async () => {
  await expect(
    Worker.runReplayHistory(
      { workflowsPath: require.resolve('../fixtures/replay/changed-workflow') },
      load('provision-success.json'),
    ),
  ).rejects.toBeInstanceOf(DeterminismViolationError);
});
