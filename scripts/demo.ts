/**
 * `make demo`: the whole product on one box, offline. Starts the Temporal dev server (SQLite file
 * under .data/, Web UI on), the AEP emulator and a worker, provisions an example source through
 * the client library, prints its inlet URL, flow id and Temporal UI link, sends one record to the
 * inlet, and stops what it started.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { newApiKey } from '../src/api/auth';
import { buildApi } from '../src/api/server';
import { ProvisioningClient, summarizeFailure } from '../src/client';
import { parseApiConfig, parseConfigWith } from '../src/config';
import { startEmulator } from '../emulator';
import { REPO_ROOT, startDevServer } from '../tools/dev-server';
import { buildWorker } from '../src/worker';
import { emulatorEnv } from '../tools/emulator-env';

const program = new Command('demo')
  .option(
    '--request <file>',
    'request file to provision',
    path.join(REPO_ROOT, 'examples', 'raw-with-mapping.json'),
  )
  .option('--keep', 'keep everything running after the provisioning (Ctrl-C to stop)')
  .option('--ui-port <port>', 'Temporal Web UI port (0 = any free port)', '0')
  .parse();
const opts = program.opts<{ request: string; keep?: boolean; uiPort: string }>();

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  say('Starting the Temporal dev server (SQLite in .data/, Web UI on)...');
  const server = await startDevServer({
    ui: true,
    uiPort: Number(opts.uiPort),
    dbFile: path.join(REPO_ROOT, '.data', 'temporal-demo.db'),
  });
  say(`  Temporal frontend ${server.address}`);
  say(`  Temporal UI       ${server.uiUrl}`);
  const emulator = await startEmulator({ port: 0 });
  say(`  AEP emulator      ${emulator.url}`);

  const config = parseConfigWith({
    TEMPORAL_ADDRESS: server.address,
    ...emulatorEnv(emulator.url, emulator.credentials),
  });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const worker = await buildWorker({ config, connection: workerConnection });
  const connection = await Connection.connect({ address: server.address });
  const client = new ProvisioningClient(
    new Client({ connection, namespace: server.namespace }),
    config,
  );

  /**
   * The same request through the HTTP API (in this process, loopback, a fresh key): the source
   * exists already, so the PUT converges without creating anything. Prints the curl line.
   */
  const throughTheApi = async (request: unknown, name: string, sandbox: string) => {
    const { key, entry } = newApiKey('demo', [sandbox]);
    const apiConfig = parseApiConfig({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      AEP_ORG_ID: config.AEP_ORG_ID,
      API_PORT: '0',
      API_KEYS: entry,
    });
    const api = await buildApi({ config: apiConfig, client, logStream: new PassThrough() });
    try {
      await api.listen({ host: '127.0.0.1', port: 0 });
      const { port } = api.server.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/v1/sandboxes/${sandbox}/sources/${encodeURIComponent(name)}`;
      say(`\nThe same request through the HTTP API (PUT ${url}) ...`);
      const res = await fetch(url, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          prefer: 'wait=30',
        },
        body: JSON.stringify(request),
      });
      const body = (await res.json()) as { created?: string[]; inletUrl?: string };
      say(
        `  HTTP ${res.status}: inlet ${body.inletUrl ?? '?'}, created: ${body.created?.join(', ') || 'nothing'}`,
      );
      say('  by hand (npm run api with API_KEYS, then):');
      say(
        `  curl -X PUT -H 'Authorization: Bearer <key>' -H 'Content-Type: application/json' -H 'Prefer: wait=30' --data @${path.relative(process.cwd(), opts.request)} '${url}'`,
      );
      return res.ok;
    } finally {
      await api.close();
    }
  };

  let exitCode = 0;
  try {
    await worker.runUntil(async () => {
      const request = JSON.parse(readFileSync(opts.request, 'utf8')) as unknown;
      say(`\nProvisioning ${path.relative(process.cwd(), opts.request)} ...`);
      const started = await client.startProvision(request);
      const link = `${server.uiUrl}/namespaces/${server.namespace}/workflows/${encodeURIComponent(started.workflowId)}/${started.runId}/history`;
      try {
        const result = await client.follow(started.handle, (step) => say(`  ✓ ${step}`));
        say('');
        say(`inlet URL   ${result.inletUrl}`);
        say(`flow id     ${result.flowId}`);
        say(`dataset id  ${result.datasetId}`);
        if (result.smokeTest)
          say(
            `smoke test  HTTP ${result.smokeTest.status}, xactionId ${result.smokeTest.xactionId}`,
          );
        say(`Temporal UI ${link}`);

        // One record, the way a producer would send it (a token only for authenticated inlets).
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'x-adobe-flow-id': result.flowId,
        };
        if (result.authenticationRequired) {
          const form = new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: config.AEP_CLIENT_ID,
            client_secret: config.AEP_CLIENT_SECRET.reveal(),
            scope: config.AEP_SCOPES,
          });
          const token = (await (
            await fetch(`${config.AEP_IMS_URL}/ims/token/v3`, { method: 'POST', body: form })
          ).json()) as {
            access_token: string;
          };
          headers.authorization = `Bearer ${token.access_token}`;
        }
        const record =
          result.dataType === 'raw'
            ? { id: 'demo-1', firstName: 'Ada', lastName: 'Lovelace' }
            : {
                header: { flowId: result.flowId, datasetId: result.datasetId },
                body: {
                  xdmEntity: {
                    _id: 'demo-1',
                    person: { name: { firstName: 'Ada', lastName: 'Lovelace' } },
                  },
                },
              };
        const res = await fetch(result.inletUrl, {
          method: 'POST',
          headers,
          body: JSON.stringify(record),
        });
        say(`record sent HTTP ${res.status} ${await res.text()}`);
        if (!res.ok) exitCode = 1;
        if (!(await throughTheApi(request, result.name, result.sandbox))) exitCode = 1;
      } catch (err) {
        const f = summarizeFailure(err);
        say(`\nProvisioning failed: ${f.type} (${f.rootType}): ${f.message}`);
        say(`Temporal UI ${link}`);
        exitCode = 1;
      }
      if (opts.keep) {
        say('\nEverything keeps running; press Ctrl-C to stop.');
        await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      }
    });
  } finally {
    await connection.close();
    await workerConnection.close();
    await emulator.close();
    await server.stop();
  }
  say(
    exitCode === 0 ? '\nDemo finished: dev server, emulator and worker stopped.' : '\nDemo failed.',
  );
  process.exitCode = exitCode;
}

main().catch((err: unknown) => {
  process.stderr.write(
    `demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
