import { createActivities, type Activities } from '../../src/activities';
import type { OpenRuns } from '../../src/activities/types';
import { createAepClient, type AepClient } from '../../src/aep/client';
import { parseConfig } from '../../src/config';
import { startEmulator, type RunningEmulator } from '../../emulator';

/** No run is open: every dataset's creator has closed (the usual state outside a workflow). */
export const NO_OPEN_RUNS: OpenRuns = { isOpen: async () => false };

/**
 * The activities as the worker builds them, over the real AEP client, against an in-process
 * emulator of their own (`extraEnv`: more configuration, e.g. AEP_REQUEST_TIMEOUT_MS; `runs`: which
 * workflow runs count as open).
 */
export async function activitiesOnEmulator(
  extraEnv: Record<string, string> = {},
  runs: OpenRuns = NO_OPEN_RUNS,
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
  return { emu, aep, activities: createActivities({ aep, defaultSandbox: 'prod', runs }) };
}
