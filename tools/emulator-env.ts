import { resolveOptions } from '../emulator';

/**
 * The AEP_* settings that point a worker at an emulator (in-process or a child process started
 * with default credentials). Used by the demo, the test stack and the tools.
 */
export function emulatorEnv(
  url: string,
  credentials: { clientId: string; clientSecret: string; orgId: string } = resolveOptions(),
): Record<string, string> {
  return {
    AEP_PLATFORM_URL: url,
    AEP_IMS_URL: url,
    AEP_CLIENT_ID: credentials.clientId,
    AEP_CLIENT_SECRET: credentials.clientSecret,
    AEP_ORG_ID: credentials.orgId,
  };
}
