/**
 * `make stack` (`npx tsx tools/stack-main.ts`): the compose stack's production shape without
 * containers — PostgreSQL, the Temporal server on it (4 history shards), the setup jobs, the
 * Temporal UI and the worker from dist/ with the prebuilt workflow bundle — in the foreground
 * until Ctrl-C. The worker's settings come from the environment or .env, as with
 * `docker compose up`; without AEP credentials it runs against the AEP emulator (the compose
 * file's `emulator` profile). `--once` provisions examples/ once and stops (a smoke test).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { ProvisioningClient } from '../src/client';
import { parseClientConfig } from '../src/config';
import { resolveOptions } from '../emulator';
import { composeService, readCompose, serviceEnv } from './compose-env';
import { freePort, REPO_ROOT } from './dev-server';
import { freeServerPort, startPgStack, TEMPORAL_UI_BIN } from './pg-stack';
import { startEmulatorProcess, type EmulatorProcess } from './processes';
import { startProductionWorker } from './prod-worker';

const opts = new Command('stack')
  .description('PostgreSQL + Temporal server + UI + worker, without containers')
  .option('--once', 'provision --request once against the emulator, print the result, stop')
  .option('--request <file>', 'request file for --once', 'examples/xdm-authenticated.json')
  .option('--ui-port <n>', 'Temporal UI port (default 8080 when free, else any)')
  .option('--port <n>', 'Temporal frontend port (default 7233 when free, else any)')
  .option('--keep', 'keep .data/pg-stack/<run>/ (database, logs) after stopping')
  .option('--emulator', 'run against the AEP emulator even when AEP credentials are set')
  .parse()
  .opts<{
    once?: boolean;
    request: string;
    uiPort?: string;
    port?: string;
    keep?: boolean;
    emulator?: boolean;
  }>();

const log = (line: string) => process.stderr.write(`${line}\n`);

function dotenv(): Record<string, string> {
  const file = path.join(REPO_ROOT, '.env');
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#') && l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** The port when it is free, else a free one (from `fallback`). */
async function preferred(port: number, fallback = freePort): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => void fallback().then(resolve));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(port)));
  });
}

async function main(): Promise<number> {
  // Compose variables: the shell's, then .env's (compose's own precedence).
  const shell: Record<string, string | undefined> = { ...dotenv(), ...process.env };
  const useEmulator = opts.emulator || opts.once || !shell.AEP_CLIENT_ID;
  const started = Date.now();
  log('Starting the production shape without containers (docs/production-shape.md)');
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    while (stops.length > 0) await stops.pop()!().catch(() => undefined);
  };
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    log('Stopping...');
    void stopAll().finally(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const stack = await startPgStack({
      ui: existsSync(TEMPORAL_UI_BIN),
      uiPort: await preferred(Number(opts.uiPort ?? 8080)),
      port: await preferred(Number(opts.port ?? 7233), () => freeServerPort()),
      keep: opts.keep,
      shell,
      log,
    });
    stops.push(() => stack.stop());
    if (!stack.uiUrl)
      log('  (no Temporal UI: `bash scripts/install-temporal-server.sh --ui` builds it)');

    let emulator: EmulatorProcess | undefined;
    const workerShell = { ...shell };
    if (useEmulator) {
      emulator = await startEmulatorProcess({ logFile: path.join(stack.dir, 'emulator.log') });
      stops.push(() => emulator!.stop());
      const d = resolveOptions();
      Object.assign(workerShell, {
        AEP_PLATFORM_URL: emulator.url,
        AEP_IMS_URL: emulator.url,
        AEP_CLIENT_ID: d.clientId,
        AEP_CLIENT_SECRET: d.clientSecret,
        AEP_ORG_ID: d.orgId,
      });
      log(`  AEP emulator ${emulator.url} (no AEP credentials set, or --emulator/--once)`);
    }
    const metricsPort = await preferred(9464);
    const workerEnv: Record<string, string> = {
      ...serviceEnv(composeService(readCompose(), 'worker'), workerShell),
      TEMPORAL_ADDRESS: stack.address,
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
    };
    const worker = await startProductionWorker({
      env: workerEnv,
      logFile: path.join(stack.dir, 'worker.log'),
    });
    stops.push(() => worker.stop());
    log(
      `  worker node dist/worker.js (pid ${worker.pid}), metrics http://127.0.0.1:${metricsPort}/metrics`,
    );
    log(`Ready in ${Math.round((Date.now() - started) / 1000)} s.`);
    log(`  TEMPORAL_ADDRESS=${stack.address} TEMPORAL_NAMESPACE=${stack.namespace}`);
    if (stack.uiUrl) log(`  Temporal UI: ${stack.uiUrl}/namespaces/${stack.namespace}/workflows`);
    log(`  logs and database: ${path.relative(REPO_ROOT, stack.dir)}/`);

    if (opts.once) {
      const connection = await Connection.connect({ address: stack.address });
      stops.push(() => connection.close());
      const client = new ProvisioningClient(
        new Client({ connection, namespace: stack.namespace }),
        parseClientConfig({
          TEMPORAL_ADDRESS: stack.address,
          TEMPORAL_NAMESPACE: stack.namespace,
          TEMPORAL_TASK_QUEUE: workerEnv.TEMPORAL_TASK_QUEUE,
          AEP_ORG_ID: workerEnv.AEP_ORG_ID,
          AEP_SANDBOX: workerEnv.AEP_SANDBOX,
        }),
      );
      const request = JSON.parse(
        readFileSync(path.resolve(REPO_ROOT, opts.request), 'utf8'),
      ) as unknown;
      const result = await client.provision(request);
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      await stopAll();
      return 0;
    }
    log('Ctrl-C stops everything.');
    await worker.exited;
    log('the worker exited; stopping');
    await stopAll();
    return 1;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`stack: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
