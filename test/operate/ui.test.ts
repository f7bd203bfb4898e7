import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ProvisioningClient } from '../../src/client';
import { parseConfig } from '../../src/config';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { progressQuery } from '../../src/shared/names';
import { startDevServer, type DevServer } from '../../tools/dev-server';
import { emulatorEnv } from '../../tools/emulator-env';
import { buildWorker } from '../../src/worker';
import { SCHEMA_ID, workflowBundle } from '../harness/stack';
import { freshTaskQueue } from '../harness/temporal';
import { ARTIFACTS, eventually } from './helpers';

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
  let worker: Worker;
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
    await browser?.close();
    if (worker) {
      worker.shutdown();
      await running;
    }
    await connection?.close();
    await workerConnection?.close();
    await emulator?.close();
    await server?.stop();
  }, 60_000);

  const workflowUrl = (tab: string) =>
    `${server.uiUrl}/namespaces/${server.namespace}/workflows/${encodeURIComponent(waiting.workflowId)}/${waiting.runId}/${tab}`;

  /** The page's text, iframes included (the UI renders markdown in sandboxed frames). */
  async function pageText(): Promise<string> {
    const texts = await Promise.all(
      page.frames().map((f) =>
        f
          .locator('body')
          .innerText({ timeout: 5000 })
          .catch(() => ''),
      ),
    );
    // Markdown rendering turns straight quotes into typographic ones.
    return texts.join('\n').replace(/[“”]/g, '"').replace(/[‘’]/g, "'");
  }

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
    expect(text).not.toContain(`aep-stream/prod/${other}`);
    // Control: the same list unfiltered holds the other source too.
    await page.goto(`${server.uiUrl}/namespaces/${server.namespace}/workflows`);
    await pageShows([waiting.workflowId, `aep-stream/prod/${other}`], 'the unfiltered list');
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
