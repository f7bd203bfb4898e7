import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { sha256Hex } from '../../src/api/auth';
import { buildApi } from '../../src/api/server';
import { ProvisioningClient } from '../../src/client';
import { parseApiConfig, parseConfig } from '../../src/config';
import { clientOn, connectClient } from '../../src/connection';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { progressQuery } from '../../src/shared/names';
import { freePort, startDevServer, TEMPORAL_BIN, type DevServer } from '../../tools/dev-server';
import { emulatorEnv } from '../../tools/emulator-env';
import { buildWorker, type Workers } from '../../src/worker';
import { SCHEMA_ID, workflowBundle } from '../harness/stack';
import { freshTaskQueue } from '../harness/temporal';
import { ARTIFACTS, eventually, run } from './helpers';
import { EMULATOR_ORG, sourceIdOf } from '../harness/ids';

/**
 * "Inspect it in the Temporal UI", checked in a real browser: Debian's headless Chromium driven by
 * playwright-core (never a downloaded browser) opens the dev server's Web UI on a provisioning
 * that is waiting for its dataflow to activate, and finds there what the workflow and the client
 * put in Temporal: the static summary and details, the current step, the custom search
 * attributes, and the workflow when the list is filtered by source name. Screenshots go to
 * artifacts/operate/. Without Chromium the suite is skipped and says so.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(
    `test/operate/ui.test.ts SKIPPED: no Chromium at ${CHROMIUM}. Run scripts/install-chromium.sh (make test does, as root with apt) or set CHROMIUM_PATH.`,
  );
}
const describeUi = haveChromium ? describe : describe.skip;
const title = haveChromium
  ? 'the Temporal UI in headless Chromium'
  : `the Temporal UI in headless Chromium — SKIPPED: no Chromium at ${CHROMIUM} (scripts/install-chromium.sh)`;

describeUi(title, () => {
  let server: DevServer;
  let emulator: RunningEmulator;
  let workerConnection: NativeConnection;
  let connection: Connection;
  let worker: Workers;
  let running: Promise<void>;
  let client: ProvisioningClient;
  let browser: Browser;
  let page: Page;
  let waiting: Awaited<ReturnType<ProvisioningClient['startProvision']>>;
  const stamp = Date.now().toString(36);
  const name = `ACME Orders ${stamp}`;
  const other = `ACME Returns ${stamp}`;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startDevServer({ ui: true });
    emulator = await startEmulator({ port: 0 });
    const taskQueue = freshTaskQueue('ui');
    const config = parseConfig({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ...emulatorEnv(emulator.url, emulator.credentials),
    });
    workerConnection = await NativeConnection.connect({ address: server.address });
    worker = await buildWorker({
      config,
      connection: workerConnection,
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();
    connection = await Connection.connect({ address: server.address });
    client = new ProvisioningClient(
      new Client({ connection, namespace: server.namespace }),
      config,
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });

    // One source provisioned to the end, one waiting (durable timer) for its dataflow to activate.
    await client.provision({
      name: other,
      dataType: 'xdm',
      target: { schemaId: SCHEMA_ID, dataset: { name: other } },
    });
    waiting = await client.startProvision({
      name,
      dataType: 'raw',
      authentication: { required: true },
      target: { schemaId: SCHEMA_ID, dataset: { name } },
      mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
      smokeTest: { activationWaitSeconds: 600 },
    });
    await eventually(async () => {
      const p = await waiting.handle.query(progressQuery);
      return p.status === 'WAITING_FOR_ACTIVATION' ? p : undefined;
    }, 'the provisioning to wait for activation');
  }, 180_000);

  afterAll(async () => {
    if (waiting) {
      await waiting.handle.cancel();
      await waiting.handle.result().catch(() => undefined); // compensation deletes what it made
    }
    await closeInOrder({ browser, worker, running, connection, workerConnection });
    await emulator?.close();
    await server?.stop();
  }, 60_000);

  const workflowUrl = (tab: string) =>
    `${server.uiUrl}/namespaces/${server.namespace}/workflows/${encodeURIComponent(waiting.workflowId)}/${waiting.runId}/${tab}`;

  const pageText = () => framesText(page);

  async function pageShows(expected: string[], what: string): Promise<string> {
    return eventually(
      async () => {
        const text = await pageText();
        return expected.every((e) => text.includes(e)) ? text : undefined;
      },
      `${what}: ${expected.join(' | ')}`,
      30_000,
    ).catch(async (err: unknown) => {
      await page.screenshot({ path: path.join(ARTIFACTS, 'ui-failure.png'), fullPage: true });
      throw new Error(`${String(err)}\n--- page text ---\n${await pageText()}`, { cause: err });
    });
  }

  test('the workflow page shows its summary, details and current step', async () => {
    const description = await waiting.handle.describe();
    const summary = await description.staticSummary();
    const details = await description.staticDetails();
    const metadata = await waiting.handle.query<{ currentDetails?: string }>(
      '__temporal_workflow_metadata',
    );
    // What Temporal holds, as written by the client (summary, details) and the workflow (step).
    expect(summary).toBe(`Provision HTTP API streaming source "${name}" in sandbox prod`);
    expect(details).toContain(`**Source** ${name} (raw, authenticated inlet)`);
    expect(metadata.currentDetails).toBe(
      '**WAITING_FOR_ACTIVATION** — Waiting 600s for the dataflow to activate',
    );

    await page.goto(workflowUrl('user-metadata'));
    const text = await pageShows(
      [
        waiting.workflowId,
        'ProvisionStreamingSource',
        'Running',
        'Summary',
        summary!,
        'Current Details',
        // Markdown is rendered: the bold markers are gone, the words stay.
        'WAITING_FOR_ACTIVATION — Waiting 600s for the dataflow to activate',
        `Source ${name} (raw, authenticated inlet)`,
        'Mapping 1 field(s)',
      ],
      'summary, details and current step',
    );
    expect(text).not.toContain('**WAITING_FOR_ACTIVATION**');
    // Activity summaries set by the workflow name each step it ran.
    for (const step of [
      `Base connection "${name}"`,
      'Data Prep mapping set (1 mappings)',
      'Dataflow',
    ]) {
      expect(text).toContain(step);
    }
    await page.screenshot({
      path: path.join(ARTIFACTS, 'ui-workflow-summary.png'),
      fullPage: true,
    });
  });

  test('the workflow page shows the custom search attributes', async () => {
    await page.goto(workflowUrl('search-attributes'));
    await pageShows(
      [
        `"AepSourceName": "${name}"`,
        '"AepSandbox": "prod"',
        '"AepProvisioningStatus": "WAITING_FOR_ACTIVATION"',
      ],
      'search attributes',
    );
    await page.screenshot({
      path: path.join(ARTIFACTS, 'ui-search-attributes.png'),
      fullPage: true,
    });
  });

  test('the workflow list filtered by AepSourceName finds that provisioning only', async () => {
    const query = `AepSourceName = "${name}"`;
    await page.goto(
      `${server.uiUrl}/namespaces/${server.namespace}/workflows?query=${encodeURIComponent(query)}`,
    );
    const text = await pageShows([waiting.workflowId, 'Running'], 'the filtered list');
    expect(text).not.toContain(sourceIdOf(other));
    // Control: the same list unfiltered holds the other source too.
    await page.goto(`${server.uiUrl}/namespaces/${server.namespace}/workflows`);
    await pageShows([waiting.workflowId, sourceIdOf(other)], 'the unfiltered list');
    await page.goto(
      `${server.uiUrl}/namespaces/${server.namespace}/workflows?query=${encodeURIComponent(query)}`,
    );
    await pageShows([waiting.workflowId], 'the filtered list again');
    await page.screenshot({
      path: path.join(ARTIFACTS, 'ui-search-by-source.png'),
      fullPage: true,
    });
  });
});

/**
 * Payload encryption, seen from the UI (docs/encryption.md): a dev server whose Web UI is pointed
 * at the HTTP API's codec endpoint (`--ui-codec-endpoint`, the dev server's spelling of the UI's
 * TEMPORAL_CODEC_ENDPOINT), a worker and a client with a key. What Temporal holds is encrypted;
 * the browser asks the codec endpoint (CORS, no API key: API_CODEC_ANONYMOUS, UI and API on one
 * machine's loopback) and shows the workflow's input decrypted.
 */
const codecTitle = haveChromium
  ? 'the Temporal UI with the codec endpoint, in headless Chromium'
  : `the Temporal UI with the codec endpoint — SKIPPED: no Chromium at ${CHROMIUM}`;

describeUi(codecTitle, () => {
  const stamp = Date.now().toString(36);
  const name = `Sealed Orders ${stamp}`;
  const datasetName = `Vault ledger ${stamp}`;
  const description = `encrypted description ${stamp}`;
  const keys = `ui-2026:${randomBytes(32).toString('base64')}`;
  let devServer: DevServer;
  let emulator: RunningEmulator;
  let address: string;
  let uiUrl: string;
  let api: FastifyInstance;
  let apiClient: ProvisioningClient;
  let workerConnection: NativeConnection;
  let connection: Connection;
  let worker: Workers;
  let running: Promise<void>;
  let client: ProvisioningClient;
  let started: Awaited<ReturnType<ProvisioningClient['startProvision']>>;
  let browser: Browser;
  let page: Page;
  const codecCalls: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const [port, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    address = `127.0.0.1:${port}`;
    uiUrl = `http://127.0.0.1:${uiPort}`;
    emulator = await startEmulator({ port: 0 });
    const taskQueue = freshTaskQueue('ui-codec');
    const common = {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      PAYLOAD_ENCRYPTION_KEYS: keys,
      AEP_ORG_ID: EMULATOR_ORG,
    };

    // The API first: the UI is started pointing at its codec endpoint.
    const apiConfig = parseApiConfig({
      ...common,
      LOG_LEVEL: 'warn',
      API_KEYS: `ops:${sha256Hex(`aeps_${stamp}`)}:*`,
      API_CODEC_ANONYMOUS: 'true',
      API_CODEC_ORIGINS: uiUrl,
    });
    apiClient = new ProvisioningClient(await connectClient(apiConfig, { lazy: true }), apiConfig);
    api = await buildApi({ config: apiConfig, client: apiClient, logStream: new PassThrough() });
    api.addHook('onResponse', async (request, reply) => {
      if (request.url.startsWith('/codec/'))
        codecCalls.push(`${request.method} ${request.url} ${reply.statusCode}`);
    });
    await api.listen({ host: '127.0.0.1', port: apiPort });

    devServer = await startDevServer({
      port,
      ui: true,
      uiPort,
      uiCodecEndpoint: `${api.listeningOrigin}/codec`,
    });
    const config = parseConfig({ ...common, ...emulatorEnv(emulator.url, emulator.credentials) });
    workerConnection = await NativeConnection.connect({ address });
    worker = await buildWorker({
      config,
      connection: workerConnection,
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();
    connection = await Connection.connect({ address });
    // The client as the library, the CLI and the API build it: the configuration's converter.
    client = new ProvisioningClient(clientOn(connection, config), config);
    started = await client.startProvision({
      name,
      description,
      dataType: 'xdm',
      target: { schemaId: SCHEMA_ID, dataset: { name: datasetName } },
    });
    await started.handle.result();

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  }, 180_000);

  afterAll(async () => {
    await closeInOrder({ browser, worker, running, connection, workerConnection });
    await api?.close();
    await apiClient?.close();
    await emulator?.close();
    await devServer?.stop();
  }, 60_000);

  test('Temporal holds the input encrypted: without the key it is unreadable', async () => {
    const plain = new Client({ connection, namespace: 'default' });
    const history = await plain.workflow
      .getHandle(started.workflowId, started.runId)
      .fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    expect(Buffer.from(input.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(input.metadata!['encryption-key-id']!).toString()).toBe('ui-2026');
    for (const secret of [datasetName, description, SCHEMA_ID]) {
      expect(Buffer.from(input.data!).includes(secret)).toBe(false);
    }
  });

  test('the workflow page shows the input decoded, through the codec endpoint', async () => {
    await page.goto(
      `${uiUrl}/namespaces/default/workflows/${encodeURIComponent(started.workflowId)}/${started.runId}/history`,
    );
    const text = await eventually(
      async () => {
        const t = await framesText(page);
        return [datasetName, description, SCHEMA_ID].every((s) => t.includes(s)) ? t : undefined;
      },
      'the decoded input on the workflow page',
      30_000,
    ).catch(async (err: unknown) => {
      await page.screenshot({ path: path.join(ARTIFACTS, 'ui-codec-failure.png'), fullPage: true });
      throw new Error(
        `${String(err)}\n--- page text ---\n${await framesText(page)}\n--- codec calls ---\n${codecCalls.join('\n')}`,
        { cause: err },
      );
    });
    expect(text).not.toContain('binary/encrypted');
    // The browser did call the codec endpoint (preflight and decode), and it answered.
    expect(codecCalls).toEqual(
      expect.arrayContaining(['OPTIONS /codec/decode 204', 'POST /codec/decode 200']),
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-codec-input.png'), fullPage: true });
  });

  test('the Temporal CLI decodes through the same endpoint (--codec-endpoint, --codec-auth)', async () => {
    const show = (extra: string[]) =>
      run(TEMPORAL_BIN, [
        'workflow',
        'show',
        '--address',
        address,
        '--namespace',
        'default',
        '-w',
        started.workflowId,
        '-r',
        started.runId,
        '--output',
        'json',
        ...extra,
      ]);
    const decoded = await show([
      '--codec-endpoint',
      `${api.listeningOrigin}/codec`,
      '--codec-auth',
      `Bearer aeps_${stamp}`,
    ]);
    expect(decoded.code).toBe(0);
    expect(payloadText(decoded.output)).toContain(datasetName);
    expect(payloadText(decoded.output)).toContain(description);
    expect(decoded.output).not.toContain(ENCRYPTED_B64);
    // Control: the same command without the codec shows only ciphertext.
    const raw = await show([]);
    expect(raw.code).toBe(0);
    expect(raw.output).toContain(ENCRYPTED_B64);
    expect(payloadText(raw.output)).not.toContain(datasetName);
  });
});

/** `binary/encrypted` as `temporal workflow show --output json` prints a metadata value. */
const ENCRYPTED_B64 = Buffer.from('binary/encrypted').toString('base64');

/** Every payload's data in `temporal workflow show --output json` output, base64-decoded. */
function payloadText(json: string): string {
  return [...json.matchAll(/"data": "([A-Za-z0-9+/=]*)"/g)]
    .map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'))
    .join('\n');
}

/**
 * The text of a page, iframes included (the UI renders markdown in sandboxed frames), with the
 * typographic quotes markdown rendering makes turned back into straight ones.
 */
async function framesText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((f) =>
      f
        .locator('body')
        .innerText({ timeout: 5000 })
        .catch(() => ''),
    ),
  );
  return texts.join('\n').replace(/[“”]/g, '"').replace(/[‘’]/g, "'");
}

/** What both blocks stop first, in order: the browser, the worker (awaiting its run), connections. */
async function closeInOrder(parts: {
  browser?: Browser;
  worker?: Workers;
  running?: Promise<void>;
  connection?: Connection;
  workerConnection?: NativeConnection;
}): Promise<void> {
  await parts.browser?.close();
  if (parts.worker) {
    parts.worker.shutdown();
    await parts.running;
  }
  await parts.connection?.close();
  await parts.workerConnection?.close();
}
