import { Client, Connection } from '@temporalio/client';
import { createActivities, type Activities } from '../../src/activities';
import { createAepClient, type AepClient } from '../../src/aep/client';
import { parseConfig } from '../../src/config';
import { startEmulator, type RunningEmulator } from '../../emulator';

/**
 * The activities as the worker builds them, over the real AEP client, against an in-process
 * emulator of their own (`extraEnv`: more configuration, e.g. AEP_REQUEST_TIMEOUT_MS). Their
 * Temporal client (dataset updates) reaches the test run's dev server, connecting on first use.
 */
export async function activitiesOnEmulator(
  extraEnv: Record<string, string> = {},
): Promise<{ emu: RunningEmulator; activities: Activities; aep: AepClient }> {
  const emu = await startEmulator({ port: 0 });
  const config = parseConfig({
    AEP_PLATFORM_URL: emu.url,
    AEP_IMS_URL: emu.url,
    AEP_CLIENT_ID: emu.credentials.clientId,
    AEP_CLIENT_SECRET: emu.credentials.clientSecret,
    AEP_ORG_ID: emu.credentials.orgId,
    ...extraEnv,
  });
  const aep = createAepClient({ config });
  const temporal = new Client({
    connection: Connection.lazy({ address: process.env.TEMPORAL_TEST_ADDRESS ?? '127.0.0.1:7233' }),
    namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
  });
  return {
    emu,
    aep,
    activities: createActivities({
      aep,
      place: { imsOrg: emu.credentials.orgId, sandbox: 'prod' },
      temporal,
    }),
  };
}
