import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A second IMS org the emulator can know (`startEmulator({ otherOrgs: [OTHER_ORG] })`). */
export const OTHER_ORG = {
  orgId: 'OTHERORG0000000000000000@AdobeOrg',
  clientId: 'other-client-id',
  clientSecret: 'other-client-secret',
};

/** An org no deployment of the tests serves. */
export const UNKNOWN_ORG = 'UNKNOWN00000000000000000@AdobeOrg';

/**
 * An AEP_ORGS_FILE listing OTHER_ORG, its secret in a file beside it as a secret mount holds it
 * (docs/operating.md, "Several IMS orgs"). `secretSuffix` is written after the secret (a mount's
 * trailing newline, which is not part of it). Returns the list's path.
 */
export function otherOrgFile(secretSuffix = ''): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'aep-orgs-'));
  const secretFile = path.join(dir, 'other-secret');
  writeFileSync(secretFile, `${OTHER_ORG.clientSecret}${secretSuffix}`);
  const file = path.join(dir, 'orgs.json');
  const entry = {
    org: OTHER_ORG.orgId,
    clientId: OTHER_ORG.clientId,
    clientSecretFile: secretFile,
  };
  writeFileSync(file, JSON.stringify([entry]));
  return file;
}
