import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { IMS_ORG_ID, InvalidRequestError, sandboxName } from '../request';
import { orgTaskQueue } from '../shared/names';
import { Secret } from './fields';

/**
 * The orgs a deployment serves besides AEP_ORG_ID's (AEP_ORGS_FILE, docs/operating.md "Several
 * IMS orgs"). A secret is named by its file (a secret mount), never written in the list, so the
 * client, the CLI and the HTTP API read the list without holding any org's secret.
 */
const orgEntry = z.strictObject({
  org: z.string().regex(IMS_ORG_ID, 'org must look like 5C1328435BF324E90A49402A@AdobeOrg'),
  clientId: z.string().trim().min(1, 'clientId is empty'),
  clientSecretFile: z.string().trim().min(1, 'clientSecretFile is empty'),
  scopes: z.string().trim().min(1, 'scopes is empty').optional(),
  sandbox: sandboxName.optional(),
});
type OrgEntry = z.infer<typeof orgEntry>;

/** The entries of the file at `path`, or every problem of it (each naming the entry). */
export function readOrgsFile(path: string): { entries: OrgEntry[]; problems: string[] } {
  const what = `AEP_ORGS_FILE (${path})`;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const problem = `${what}: cannot read it as JSON: ${(err as Error).message}`;
    return { entries: [], problems: [problem] };
  }
  const parsed = z.array(orgEntry).safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(({ path: [entry, ...field], message }) => {
      const where = `entry ${String(entry)}${field.length ? `.${field.join('.')}` : ''}: `;
      return `${what}: ${entry === undefined ? '' : where}${message}`;
    });
    return { entries: [], problems };
  }
  const orgs = parsed.data.map((e) => e.org);
  const problems = orgs
    .filter((org, i) => orgs.indexOf(org) !== i)
    .map((org) => `${what}: org ${org} is listed twice`);
  return { entries: parsed.data, problems };
}

type OrgsConfig = {
  AEP_ORG_ID: string;
  AEP_SANDBOX: string;
  TEMPORAL_TASK_QUEUE: string;
  AEP_ORGS_FILE?: { entries: OrgEntry[] };
};

/** An org of the deployment, its default sandbox, its task queue and entry (none: AEP_ORG_ID's). */
export type ServedOrg = { imsOrg: string; sandbox: string; taskQueue: string; entry?: OrgEntry };

/**
 * Every org the configuration serves, AEP_ORG_ID's first (on the task queue itself, so a
 * single-org deployment is unchanged), then AEP_ORGS_FILE's, on queues of their own.
 */
export function servedOrgs(
  config: OrgsConfig,
  taskQueue = config.TEMPORAL_TASK_QUEUE,
): ServedOrg[] {
  const others = (config.AEP_ORGS_FILE?.entries ?? [])
    .filter((e) => e.org !== config.AEP_ORG_ID)
    .map((entry) => ({
      imsOrg: entry.org,
      sandbox: entry.sandbox ?? config.AEP_SANDBOX,
      taskQueue: orgTaskQueue(taskQueue, entry.org),
      entry,
    }));
  return [{ imsOrg: config.AEP_ORG_ID, sandbox: config.AEP_SANDBOX, taskQueue }, ...others];
}

/** The served org `imsOrg` (default AEP_ORG_ID's); another is an InvalidRequestError. */
export function servedOrg(config: OrgsConfig, imsOrg = config.AEP_ORG_ID): ServedOrg {
  const orgs = servedOrgs(config);
  const org = orgs.find((o) => o.imsOrg === imsOrg);
  if (org) return org;
  const known = orgs.map((o) => o.imsOrg).join(', ');
  throw new InvalidRequestError([`imsOrg: ${imsOrg} is not an org of this deployment (${known})`]);
}

/**
 * The configuration as AEP_ORG_ID's org alone would have it for `org` (credentials, scopes,
 * default sandbox, task queue): what the worker builds that org's workers and AEP client from.
 */
export function orgConfig<C extends OrgsConfig & Record<string, unknown>>(
  config: C,
  org: ServedOrg,
): C {
  if (!org.entry) return { ...config, TEMPORAL_TASK_QUEUE: org.taskQueue };
  return {
    ...config,
    AEP_ORG_ID: org.imsOrg,
    AEP_SANDBOX: org.sandbox,
    TEMPORAL_TASK_QUEUE: org.taskQueue,
    AEP_CLIENT_ID: org.entry.clientId,
    AEP_CLIENT_SECRET: readSecret(org.entry.clientSecretFile),
    ...(org.entry.scopes ? { AEP_SCOPES: org.entry.scopes } : {}),
  };
}

/** A secret file's content (a trailing newline is not part of it). */
function readSecret(path: string): Secret {
  return new Secret(readFileSync(path, 'utf8').replace(/\r?\n$/, ''));
}

/** The worker's check that every org's secret file is readable, reported with the rest. */
export function checkOrgSecrets(c: OrgsConfig, ctx: z.RefinementCtx): void {
  for (const e of c.AEP_ORGS_FILE?.entries ?? []) {
    try {
      if (readSecret(e.clientSecretFile).reveal() === '') throw new Error('it is empty');
    } catch (err) {
      const message = `AEP_ORGS_FILE: the client secret of ${e.org} (${e.clientSecretFile}): ${(err as Error).message}`;
      ctx.addIssue({ code: 'custom', message });
    }
  }
}
