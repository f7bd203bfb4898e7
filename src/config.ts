import { z } from 'zod';
import { apiFields, checkApiAccess } from './config/api';
import { codecEndpointFields, payloadKeyFields } from './config/codec';
import { keysOf } from './config/fields';
import { temporalFields } from './config/temporal';
import { aepFields, workerFields } from './config/worker';
import { loadTemporalConnection, type TemporalConnection } from './config/temporal-connection';

export { isLoopback, parseApiKeys, type ApiKeyEntry } from './config/api';
export { Redacted } from './config/fields';

/**
 * The only reader of the process environment. Every setting of worker, client, CLI, demo and
 * emulator-backed tools is declared here once, as ONE schema assembled from the pieces of
 * src/config/ (Temporal, payload keys, AEP and the worker, the HTTP API and its codec endpoint);
 * `parseConfig` reports every problem at once so an operator fixes a bad deployment in one round
 * trip instead of one variable per restart.
 */
export const configSchema = z.object({
  ...temporalFields,
  ...payloadKeyFields,
  ...aepFields,
  ...workerFields,
  ...apiFields,
  ...codecEndpointFields,
});

/** A parsed configuration, with the Temporal connection resolved by Temporal's conventions. */
export type Config = z.infer<typeof configSchema> & { temporal?: TemporalConnection };

/** The settings that reach Temporal (envconfig, payload keys), shared by every subset below. */
const TEMPORAL_KEYS = keysOf({ ...temporalFields, ...payloadKeyFields });

/** The subset a provisioning system needs to start workflows: no AEP credentials. */
export const clientConfigSchema = configSchema.pick({
  ...TEMPORAL_KEYS,
  AEP_ORG_ID: true,
  AEP_SANDBOX: true,
});
export type ClientConfig = z.infer<typeof clientConfigSchema> & { temporal?: TemporalConnection };

/** The HTTP API's subset: the client's plus API_*; it needs keys unless anonymous is allowed. */
export const apiConfigSchema = configSchema
  .pick({
    ...TEMPORAL_KEYS,
    AEP_ORG_ID: true,
    AEP_SANDBOX: true,
    LOG_LEVEL: true,
    ...keysOf(apiFields),
    ...keysOf(codecEndpointFields),
  })
  .superRefine(checkApiAccess);
export type ApiConfig = z.infer<typeof apiConfigSchema> & { temporal?: TemporalConnection };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function parseWith<S extends z.ZodType>(
  schema: S,
  env: Env,
): z.infer<S> & { temporal: TemporalConnection } {
  // Empty strings mean "unset" so that a blank line in .env falls back to the default.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
  const result = schema.safeParse(cleaned);
  // The Temporal connection (profile file, API key, TLS files) is checked in the same pass, so
  // its problems are listed with the others.
  const temporal = loadTemporalConnection(cleaned);
  const problems = [
    ...(result.success
      ? []
      : result.error.issues.map((i) => {
          const key = i.path.join('.');
          return !key || i.message.includes(key) ? i.message : `${key}: ${i.message}`;
        })),
    ...temporal.problems,
  ];
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const data = result.data as z.infer<S> & Record<string, unknown>;
  // Unset TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE: the profile's, then the schema's default.
  if (cleaned.TEMPORAL_ADDRESS === undefined && temporal.address && 'TEMPORAL_ADDRESS' in data) {
    (data as Record<string, unknown>).TEMPORAL_ADDRESS = temporal.address;
  }
  if (
    cleaned.TEMPORAL_NAMESPACE === undefined &&
    temporal.namespace &&
    'TEMPORAL_NAMESPACE' in data
  ) {
    (data as Record<string, unknown>).TEMPORAL_NAMESPACE = temporal.namespace;
  }
  return { ...data, temporal: temporal.connection };
}

/** Full configuration (worker, demo). Throws ConfigError listing every problem. */
export function parseConfig(env: Env = process.env): Config {
  return parseWith(configSchema, env);
}

/** Temporal-only configuration (client library, CLI). */
export function parseClientConfig(env: Env = process.env): ClientConfig {
  return parseWith(clientConfigSchema, env);
}

/** The HTTP API's configuration (src/api/main.ts). */
export function parseApiConfig(env: Env = process.env): ApiConfig {
  return parseWith(apiConfigSchema, env);
}

/** Full configuration from the environment with some values forced (demo, benchmark, chaos). */
export function parseConfigWith(overrides: Env): Config {
  return parseConfig({ ...process.env, ...overrides });
}
