import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { ProvisioningClient } from '../../src/client';
import { parseClientConfig, parseConfig } from '../../src/config';
import { buildWorker } from '../../src/worker';
import { emulatorEnv } from '../../tools/emulator-env';
import { OTHER_ORG as OTHER, otherOrgFile } from '../harness/orgs';
import { sourceRequest, uniqueName } from '../harness/sources';
import { workflowBundle } from '../harness/stack';
import { connectTestEnv, freshTaskQueue } from '../harness/temporal';

/**
 * One org's slow calls do not hold another org back (docs/operating.md, "Several IMS orgs"):
 * each org has its own task queue and its own workers, so its own activity slots. With every
 * slot of the home org held by a base-connection create that AEP answers slowly, a source of
 * the other org provisions to the end, while a source of the home org waits for a slot.
 */

/** Activity slots of each org's main worker. */
const SLOTS = 2;
/** How long AEP takes to answer each of the first SLOTS base-connection creates. */
const SLOW_MS = 15_000;

let env: TestWorkflowEnvironment;
let emulator: RunningEmulator;
let vars: Record<string, string | undefined>;
const taskQueue = freshTaskQueue('orgisolation');

beforeAll(async () => {
  env = await connectTestEnv();
  emulator = await startEmulator({ port: 0, otherOrgs: [OTHER] });
  const orgsFile = otherOrgFile();
  vars = {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ...emulatorEnv(emulator.url, emulator.credentials),
    AEP_ORGS_FILE: orgsFile,
    AEP_REQUEST_TIMEOUT_MS: '25000',
    AEP_MAX_REQUESTS_PER_SECOND: '10000',
    WORKER_MAX_CONCURRENT_ACTIVITIES: String(SLOTS),
  };
});
afterAll(async () => {
  await emulator?.close();
  await env?.teardown();
});

/** The base connections of `org` AEP holds now. */
async function basesOf(org: string): Promise<number> {
  const all = await emulator.control.resources({ kind: 'connection', sandbox: 'prod' });
  return all.filter((r) => r.body.imsOrgId === org).length;
}

test(`every slot of one org held by a slow create: the other org's source still provisions`, async () => {
  const home = emulator.credentials.orgId;
  const client = new ProvisioningClient(env.client, parseClientConfig(vars));
  const worker = await buildWorker({
    config: parseConfig(vars),
    connection: env.nativeConnection,
    workflowBundle: await workflowBundle(),
  });
  const slow = await emulator.control.addFault({
    method: 'POST',
    path: '/data/foundation/flowservice/connections',
    count: SLOTS,
    action: { type: 'latency', ms: SLOW_MS },
  });
  const fired = async () =>
    (await emulator.control.faults()).find((f) => f.id === slow.id)?.fired ?? 0;

  await worker.runUntil(async () => {
    const held = await Promise.all(
      Array.from({ length: SLOTS }, () =>
        client.startProvision(sourceRequest(uniqueName('held'), 'raw')),
      ),
    );
    // Both of the home org's slots now hold a create AEP answers SLOW_MS later.
    while ((await fired()) < SLOTS) await new Promise((r) => setTimeout(r, 100));

    const waiting = await client.startProvision(sourceRequest(uniqueName('same org'), 'raw'));
    const other = await client.provision(
      sourceRequest(uniqueName('other org'), 'raw', { imsOrg: OTHER.orgId }),
    );
    expect(other.flowId).toBeTruthy();
    // The other org finished before any slow create of the home org was answered...
    expect(await basesOf(home)).toBe(0);
    expect(await basesOf(OTHER.orgId)).toBe(1);
    // ...while the home org's next source still waits for one of its slots.
    expect((await waiting.handle.describe()).status.name).toBe('RUNNING');

    // Once AEP answers, the home org's sources finish too.
    for (const run of [...held, waiting]) expect((await run.handle.result()).flowId).toBeTruthy();
    expect(await basesOf(home)).toBe(SLOTS + 1);
  });
}, 90_000);
