/**
 * Records the workflow histories that test/replay/ replays (`npm run record-histories`), from real
 * runs on the Temporal dev server against the AEP emulator: one successful provisioning (with a
 * mapping set and a smoke test) and one that fails at the flow and compensates. Re-record only
 * when a workflow change is meant to be incompatible (and then version it with patched()).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ProvisioningClient } from '../src/client';
import { parseConfigWith } from '../src/config';
import { startEmulator } from '../emulator';
import { REPO_ROOT, startDevServer } from '../tools/dev-server';
import { buildWorker } from '../src/worker';
import { emulatorEnv } from '../tools/emulator-env';

const SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';
const out = path.join(REPO_ROOT, 'test', 'fixtures', 'histories');

async function main(): Promise<void> {
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
  const base = {
    dataType: 'raw' as const,
    target: { schemaId: SCHEMA_ID, dataset: { name: 'Replay dataset' } },
    mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
  };
  try {
    await worker.runUntil(async () => {
      const ok = await client.startProvision({
        ...base,
        name: 'Replay success',
        authentication: { required: true },
        smokeTest: { activationWaitSeconds: 1, record: { id: 'r1' } },
      });
      await ok.handle.result();
      writeFileSync(
        path.join(out, 'provision-success.json'),
        historyToJSON(await ok.handle.fetchHistory()),
      );

      await emulator.control.addFault({
        method: 'POST',
        path: '/data/foundation/flowservice/flows',
        action: { type: 'status', status: 400 },
      });
      const failed = await client.startProvision({
        ...base,
        name: 'Replay compensated',
        target: { schemaId: SCHEMA_ID, dataset: { name: 'Replay dataset 2' } },
      });
      await failed.handle.result().catch(() => undefined);
      writeFileSync(
        path.join(out, 'provision-compensated.json'),
        historyToJSON(await failed.handle.fetchHistory()),
      );
      await emulator.control.clearFaults();

      const teardown = await client.startDeprovision({ name: 'Replay success' });
      await teardown.handle.result();
      writeFileSync(
        path.join(out, 'deprovision.json'),
        historyToJSON(await teardown.handle.fetchHistory()),
      );
    });
  } finally {
    await connection.close();
    await nativeConnection.close();
    await emulator.close();
    await server.stop();
  }
  process.stdout.write(`histories written to ${path.relative(process.cwd(), out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
