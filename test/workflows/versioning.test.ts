import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { temporal } from '@temporalio/proto';
import { REPO_ROOT } from '../../tools/dev-server';
import { buildWorker, promoteFirstVersion } from '../../src/worker';
import { progressQuery } from '../../src/shared/names';
import { startStack, workflowBundle, type Stack } from '../harness/stack';
import { sourceRequest, uniqueName } from '../harness/sources';
import { sourceIdOf, datasetIdOf } from '../harness/ids';

/**
 * The release procedure of docs/versioning.md on the dev server, with Worker Deployment
 * Versioning: build A runs; a provisioning starts on it and waits for activation; build B's
 * workers start and B is made current with the Temporal CLI; the waiting run finishes on A (it
 * is pinned), while a new provisioning goes to B.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const run = promisify(execFile);

test('a pinned run finishes on its build after the next build is made current', async () => {
  const deployment = `aep-stream-test-${randomUUID().slice(0, 8)}`;
  const worker = async (buildId: string) =>
    buildWorker({
      config: { ...stack.config, WORKER_DEPLOYMENT_NAME: deployment, WORKER_BUILD_ID: buildId },
      connection: stack.env.nativeConnection,
      taskQueue: stack.taskQueue,
      workflowBundle: await workflowBundle(),
    });
  const config = (buildId: string) => ({
    ...stack.config,
    WORKER_DEPLOYMENT_NAME: deployment,
    WORKER_BUILD_ID: buildId,
  });
  const [a, b] = [await worker('A'), await worker('B')];
  const buildOf = async (handle: { describe(): Promise<unknown> }) =>
    (
      (await handle.describe()) as {
        raw: {
          workflowExecutionInfo?: {
            versioningInfo?: { deploymentVersion?: { buildId?: string }; behavior?: unknown };
          };
        };
      }
    ).raw.workflowExecutionInfo?.versioningInfo;

  await a.runUntil(async () => {
    // The deployment's first version makes itself current (a first install needs no step).
    expect(await promoteFirstVersion(stack.env.client, config('A'))).toBe('promoted');
    const waiting = await stack.client.startProvision(
      sourceRequest(uniqueName('pinned'), 'raw', { smokeTest: { activationWaitSeconds: 8 } }),
    );
    for (let i = 0; i < 200; i++) {
      const p = await waiting.handle.query(progressQuery).catch(() => undefined);
      if (p?.status === 'WAITING_FOR_ACTIVATION') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await buildOf(waiting.handle)).toMatchObject({
      deploymentVersion: { buildId: 'A' },
      behavior: temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
    });

    await b.runUntil(async () => {
      // B is not first: it waits for the release procedure.
      expect(await promoteFirstVersion(stack.env.client, config('B'), 10_000)).toBe('not first');
      // Once B's workers poll every task queue A's do (workflow and activity tasks), as the
      // release procedure waits for before making a build current.
      await setCurrentVersion(deployment, 'B');
      const fresh = await stack.client.provision(sourceRequest(uniqueName('on B'), 'raw'));
      const freshHandle = stack.env.client.workflow.getHandle(sourceIdOf(fresh.name));
      expect((await buildOf(freshHandle))?.deploymentVersion?.buildId).toBe('B');

      const result = await waiting.handle.result();
      expect(result.smokeTest?.status).toBe(200);
      expect((await buildOf(waiting.handle))?.deploymentVersion?.buildId).toBe('A');
      // Every workflow task of the waiting run, before and after B became current, ran on A.
      const completed = ((await waiting.handle.fetchHistory()).events ?? []).flatMap((e) => {
        const attrs = e.workflowTaskCompletedEventAttributes as
          { deploymentVersion?: { buildId?: string } } | undefined;
        return attrs ? [attrs.deploymentVersion?.buildId] : [];
      });
      expect(completed.length).toBeGreaterThan(2);
      expect(new Set(completed)).toEqual(new Set(['A']));
      // A dataset's workflow, which lives as long as sources write to it, is not pinned.
      const dataset = stack.env.client.workflow.getHandle(datasetIdOf(`${fresh.name} dataset`));
      expect((await buildOf(dataset))?.behavior).toBe(
        temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE,
      );
    });
  });
}, 120_000);

/** `temporal worker deployment set-current-version`, retried while B registers its queues. */
async function setCurrentVersion(deployment: string, buildId: string): Promise<void> {
  const args = [
    'worker',
    'deployment',
    'set-current-version',
    '--address',
    process.env.TEMPORAL_TEST_ADDRESS!,
    '--namespace',
    process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
    '--deployment-name',
    deployment,
    '--build-id',
    buildId,
    '--yes',
  ];
  for (let i = 0; ; i++) {
    try {
      await run(path.join(REPO_ROOT, '.tools', 'bin', 'temporal'), args);
      return;
    } catch (err) {
      if (i >= 40 || !String(err).includes('missing active task queues')) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
