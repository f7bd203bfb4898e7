/**
 * Records the workflow histories that test/replay/ replays (`npm run record-histories -- --release
 * <name>`), from real runs on the Temporal dev server against the AEP emulator, into
 * test/fixtures/histories/<release>/. A release's folder is written once and never overwritten:
 * histories of every released workflow version are kept forever, so CI proves that today's code
 * still replays runs that were open when each version shipped (docs/versioning.md).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { ProvisioningClient } from '../src/client';
import { datasetWorkflowId, rateBudgetWorkflowId } from '../src/shared/names';
import { parseConfigWith } from '../src/config';
import { startEmulator } from '../emulator';
import { REPO_ROOT, startDevServer } from '../tools/dev-server';
import { buildWorker } from '../src/worker';
import { emulatorEnv } from '../tools/emulator-env';

const SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';
export const HISTORIES = path.join(REPO_ROOT, 'test', 'fixtures', 'histories');

/** The scenarios every release records (test/replay checks the newest release has them all). */
export const SCENARIOS = [
  'provision-success',
  'provision-compensated',
  'provision-cancelled',
  'provision-dataset-by-id',
  'provision-updated-in-place',
  'provision-unchanged',
  'provision-retry-heavy',
  'provision-twin-swept',
  'provision-flow-replaced',
  'provision-replaced',
  'dataset-shared',
  'dataset-call-failed',
  'rate-budget',
  'deprovision',
  'deprovision-delete-dataset',
  'provision-own-dataset',
  'provision-own-dataset-compensated',
  'deprovision-own-dataset',
] as const;

/** The folder of a new release; refuses one that exists (histories are never overwritten). */
export function releaseDir(release: string, root = HISTORIES): string {
  if (!/^v\d+\.\d+\.\d+$/.test(release)) {
    throw new Error(`release must look like v1.2.0 (the package version), not "${release}"`);
  }
  const dir = path.join(root, release);
  if (existsSync(dir)) {
    throw new Error(
      `${path.relative(process.cwd(), dir)} exists: histories of a release are never overwritten; record a new release`,
    );
  }
  return dir;
}

async function record(release: string): Promise<void> {
  const dir = releaseDir(release);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = await startDevServer();
  const emulator = await startEmulator({ port: 0 });
  const config = parseConfigWith({
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: 'record-histories',
    ...emulatorEnv(emulator.url, emulator.credentials),
  });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const worker = await buildWorker({ config, connection: nativeConnection });
  const connection = await Connection.connect({ address: server.address });
  const client = new ProvisioningClient(new Client({ connection }), config);
  const histories = new Map<string, string>();
  const keep = async (name: (typeof SCENARIOS)[number], handle: WorkflowHandle) => {
    // A dataset's workflow and the request budget's stay open: their history so far replays.
    if (!/^(dataset|rate)-/.test(name)) await handle.result().catch(() => undefined);
    histories.set(name, historyToJSON(await handle.fetchHistory()));
  };
  const base = {
    dataType: 'raw' as const,
    target: { schemaId: SCHEMA_ID, dataset: { name: 'Replay dataset' } },
    mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
  };
  const flows = { method: 'POST', path: '/data/foundation/flowservice/flows' };
  try {
    await worker.runUntil(async () => {
      const success = {
        ...base,
        name: 'Replay success',
        authentication: { required: true },
        smokeTest: { activationWaitSeconds: 1, record: { id: 'r1' } },
      };
      await keep('provision-success', (await client.startProvision(success)).handle);
      await keep('provision-unchanged', (await client.startProvision(success)).handle);
      const changed = {
        ...success,
        description: 'changed',
        mappings: [
          ...base.mappings,
          { sourceAttribute: 'firstName', destinationXdmPath: 'person.name.firstName' },
        ],
      };
      await keep('provision-updated-in-place', (await client.startProvision(changed)).handle);

      await emulator.control.addFault({ ...flows, action: { type: 'status', status: 400 } });
      const failed = await client.startProvision({
        ...base,
        name: 'Replay compensated',
        target: { schemaId: SCHEMA_ID, dataset: { name: 'Replay dataset 2' } },
      });
      await keep('provision-compensated', failed.handle);
      await emulator.control.clearFaults();

      const cancelled = await client.startProvision({
        ...base,
        name: 'Replay cancelled',
        target: { schemaId: SCHEMA_ID, dataset: { name: 'Replay dataset 3' } },
        smokeTest: { activationWaitSeconds: 60 },
      });
      await waitForStatus(cancelled.handle, 'WAITING_FOR_ACTIVATION');
      await cancelled.handle.cancel();
      await keep('provision-cancelled', cancelled.handle);

      const owner = await client.provision({
        ...base,
        name: 'Replay dataset owner',
        mappings: undefined,
      });
      const byId = await client.startProvision({
        dataType: 'xdm',
        name: 'Replay dataset by id',
        target: { schemaId: SCHEMA_ID, datasetId: owner.datasetId },
      });
      await keep('provision-dataset-by-id', byId.handle);

      // 503s on the first attempts of every create: the retried calls land in history.
      await emulator.control.addFault({
        method: 'POST',
        path: '/data/foundation/**',
        action: { type: 'status', status: 503 },
        count: 6,
      });
      await keep(
        'provision-retry-heavy',
        (
          await client.startProvision({
            ...base,
            name: 'Replay retries',
            target: { schemaId: SCHEMA_ID, dataset: { name: 'Replay dataset 4' } },
          })
        ).handle,
      );
      await emulator.control.clearFaults();

      // The target connection commits, answers 504 and shows in lists late: the retry creates a
      // twin, which the run deletes after success.
      // (listLag first: the first deciding rule that fires stops the draw.)
      const targets = { method: 'POST', path: '/data/foundation/flowservice/targetConnections' };
      await emulator.control.addFault({
        ...targets,
        action: { type: 'listLag', ms: 3_000 },
        count: 1,
      });
      await emulator.control.addFault({ ...targets, action: { type: 'commitThen504' }, count: 1 });
      await keep(
        'provision-twin-swept',
        (
          await client.startProvision({
            ...base,
            name: 'Replay twin',
            target: { schemaId: SCHEMA_ID, dataset: { name: 'Replay dataset 5' } },
          })
        ).handle,
      );
      await emulator.control.clearFaults();

      // Every attempt of the dataset workflow's call creates the dataset and answers 500, and
      // lists show each 9 s late: the call fails, the ask is retried, and the twins are swept.
      await emulator.control.listLag({ kind: 'dataset', ms: 9_000 });
      await emulator.control.addFault({
        kind: 'dataset',
        method: 'POST',
        count: 4,
        action: { type: 'commitThenFail', mode: 'status500' },
      });
      await client.provision({
        ...base,
        name: 'Replay dataset call failed',
        target: { schemaId: SCHEMA_ID, dataset: { name: 'Replay dataset 7' } },
      });
      await emulator.control.clearFaults();
      const failedCall = client.client.workflow.getHandle(
        datasetWorkflowId({
          imsOrg: emulator.credentials.orgId,
          sandbox: 'prod',
          name: 'Replay dataset 7',
        }),
      );
      await waitForActivity(failedCall, 'sweepTwins');
      await keep('dataset-call-failed', failedCall);

      // Mappings added: the flow is replaced make-before-break, and the run, cancelled in its
      // activation wait, rolls forward (the new flow stays).
      const plain = { ...base, name: 'Replay flow replaced', mappings: undefined };
      await client.provision({
        ...plain,
        target: { schemaId: SCHEMA_ID, dataset: { name: 'Replay dataset 6' } },
      });
      const replacing = await client.startProvision({
        ...base,
        name: 'Replay flow replaced',
        target: { schemaId: SCHEMA_ID, dataset: { name: 'Replay dataset 6' } },
        smokeTest: { activationWaitSeconds: 60 },
      });
      await waitForStatus(replacing.handle, 'WAITING_FOR_ACTIVATION');
      await replacing.handle.cancel();
      await keep('provision-flow-replaced', replacing.handle);

      // Two sources write to one dataset; one leaves: the dataset's workflow keeps it.
      await client.provision({
        ...base,
        name: 'Replay second writer',
        target: { schemaId: SCHEMA_ID, dataset: { name: 'Replay dataset 6' } },
      });
      await client.deprovision({ name: 'Replay second writer', deleteDataset: true });

      // replace: true (authentication off): a new inlet, the same dataset.
      await keep(
        'provision-replaced',
        (await client.startProvision({ ...success, authentication: undefined, replace: true }))
          .handle,
      );
      await keep('deprovision', (await client.startDeprovision({ name: 'Replay success' })).handle);
      await keep(
        'deprovision-delete-dataset',
        (await client.startDeprovision({ name: 'Replay flow replaced', deleteDataset: true }))
          .handle,
      );
      // A request naming no dataset: the source's own, made, compensated and deleted by its runs.
      const own = {
        ...base,
        name: 'Replay own dataset',
        target: { schemaId: SCHEMA_ID, dataset: {} },
      };
      await keep('provision-own-dataset', (await client.startProvision(own)).handle);
      await keep(
        'deprovision-own-dataset',
        (await client.startDeprovision({ name: own.name, deleteDataset: true })).handle,
      );
      await emulator.control.addFault({ ...flows, action: { type: 'status', status: 400 } });
      const ownFailed = await client.startProvision({ ...own, name: 'Replay own compensated' });
      await keep('provision-own-dataset-compensated', ownFailed.handle);
      await emulator.control.clearFaults();
      // The org's request budget, leased by this process's workers since they started.
      await keep(
        'rate-budget',
        client.client.workflow.getHandle(
          rateBudgetWorkflowId(emulator.credentials.orgId, 'record-histories'),
        ),
      );
      await keep(
        'dataset-shared',
        client.client.workflow.getHandle(
          datasetWorkflowId({
            imsOrg: emulator.credentials.orgId,
            sandbox: 'prod',
            name: 'Replay dataset 6',
          }),
        ),
      );
    });
  } finally {
    await connection.close();
    await nativeConnection.close();
    await emulator.close();
    await server.stop();
  }
  mkdirSync(dir, { recursive: true });
  for (const [name, json] of histories) writeFileSync(path.join(dir, `${name}.json`), json);
  process.stdout.write(
    `${histories.size} histories written to ${path.relative(process.cwd(), dir)}\n`,
  );
}

async function waitForStatus(handle: WorkflowHandle, status: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const desc = await handle.describe();
    const value = desc.searchAttributes.AepProvisioningStatus?.[0];
    if (value === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the run never reached ${status}`);
}

if (require.main === module) {
  const opts = new Command('record-histories')
    .requiredOption(
      '--release <name>',
      'the release these histories belong to: v<package version>, e.g. v1.1.0',
    )
    .parse()
    .opts<{ release: string }>();
  record(opts.release).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}

/** Until `type` has completed in the workflow's history (at most 60 s). */
async function waitForActivity(handle: WorkflowHandle, type: string): Promise<void> {
  for (const until = Date.now() + 60_000; Date.now() < until;) {
    const { events } = await handle.fetchHistory();
    const scheduled = new Set(
      (events ?? [])
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type)
        .map((e) => String(e.eventId)),
    );
    const done = (events ?? []).some((e) =>
      scheduled.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)),
    );
    if (done) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${type} did not complete in ${handle.workflowId} within 60 s`);
}
