import { z } from 'zod';
import { apiFields, checkApiAccess, codecEndpointFields } from './config/api';
import { keysOf } from './config/fields';
import { checkOrgSecrets, orgFields } from './config/orgs';
import {
  loadTemporalConnection,
  payloadKeyFields,
  temporalFields,
  type TemporalConnection,
} from './config/temporal';
import { aepFields, telemetryFields, workerFields } from './config/worker';

export { orgConfig, servedOrg, servedOrgs, type ServedOrg } from './config/orgs';
export { parseApiKeys, parseCodecKeys, readKeyFile, type ApiKeyEntry } from './config/api';

/**
 * The only reader of the process environment: every setting declared once, as ONE schema
 * assembled from src/config/; parsing reports every problem at once, so an operator fixes a bad
 * deployment in one round trip. What each variable means is docs/configuration.md's table (a
 * test holds it to this schema); comments here say only what the table does not.
 */
export const configSchema = z.object({
  ...temporalFields,
  ...payloadKeyFields,
  ...aepFields,
  ...orgFields,
  ...workerFields,
  ...telemetryFields,
  ...apiFields,
  ...codecEndpointFields,
});

/** A parsed configuration, with the Temporal connection resolved by Temporal's conventions. */
type Parsed<S extends z.ZodType> = z.infer<S> & { temporal?: TemporalConnection };
export type Config = Parsed<typeof configSchema>;

/**
 * The subset a provisioning system needs to start workflows: Temporal's settings (envconfig,
 * payload keys) and the default place; no AEP credentials.
 */
const CLIENT_KEYS = {
  ...keysOf({ ...temporalFields, ...payloadKeyFields }),
  AEP_ORG_ID: true,
  AEP_SANDBOX: true,
  AEP_ORGS_FILE: true,
} as const;
export const clientConfigSchema = configSchema.pick(CLIENT_KEYS);
export type ClientConfig = Parsed<typeof clientConfigSchema>;

/** The HTTP API's subset: the client's plus API_*; it needs keys unless anonymous is allowed. */
export const apiConfigSchema = configSchema
  .pick({
    ...CLIENT_KEYS,
    LOG_LEVEL: true,
    ...keysOf(telemetryFields),
    ...keysOf(apiFields),
    ...keysOf(codecEndpointFields),
  })
  .superRefine(checkApiAccess);
export type ApiConfig = Parsed<typeof apiConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;
type Connected = { temporal: TemporalConnection };

function parseWith<S extends z.ZodType>(schema: S, env: Env): z.infer<S> & Connected {
  // Empty strings mean "unset" so that a blank line in .env falls back to the default.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
  const result = schema.safeParse(cleaned);
  const temporal = loadTemporalConnection(cleaned);
  const problems = (result.error?.issues ?? []).map((i) => {
    const key = String(i.path[0] ?? ''); // the variable, also for an item of a list
    return !key || i.message.includes(key) ? i.message : `${key}: ${i.message}`;
  });
  problems.push(...temporal.problems);
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const data: Record<string, unknown> = { ...result.data!, temporal: temporal.connection };
  // Unset TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE: the profile's, then the schema's default.
  for (const [key, value] of Object.entries(temporal.fromProfile)) {
    if (cleaned[key] === undefined && value) data[key] = value;
  }
  return data as z.infer<S> & Connected;
}

/** Full configuration (worker, demo). Throws ConfigError listing every problem. */
export const parseConfig = (env: Env = process.env): Config =>
  parseWith(configSchema.superRefine(checkOrgSecrets), env);

/** Temporal-only configuration (client library, CLI). */
export const parseClientConfig = (env: Env = process.env): ClientConfig =>
  parseWith(clientConfigSchema, env);

/** The HTTP API's configuration (src/api/main.ts). */
export const parseApiConfig = (env: Env = process.env): ApiConfig =>
  parseWith(apiConfigSchema, env);

/** Full configuration from the environment with some values forced (demo, benchmark, chaos). */
export const parseConfigWith = (overrides: Env): Config =>
  parseConfig({ ...process.env, ...overrides });
