import { z } from 'zod';
import { parsePayloadKeys } from './codec/keys';
import { loadTemporalConnection, type TemporalConnection } from './connection';

/**
 * The only reader of the process environment. Every setting of worker, client, CLI, demo and
 * emulator-backed tools is declared here once; `parseConfig` reports every problem at once so an
 * operator fixes a bad deployment in one round trip instead of one variable per restart.
 */

const DEFAULT_SCOPES =
  'openid,AdobeID,read_organizations,additional_info.projectedProductContext,session';

/** The Temporal UI on loopback: the compose stack's (8080) and the dev server's (8233). */
const DEFAULT_CODEC_ORIGINS =
  'http://127.0.0.1:8080,http://localhost:8080,http://127.0.0.1:8233,http://localhost:8233';

const url = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .pipe(z.url({ protocol: /^https?$/, error: `${what} must be an http(s) URL` }))
    .transform((u) => u.replace(/\/+$/, ''));

const positiveInt = (what: string, dflt: number) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .positive(`${what} must be positive`)
    .default(dflt);

const filePath = (what: string) => z.string().trim().min(1, `${what} is empty`).optional();

const flag = (what: string) =>
  z
    .enum(['true', 'false', '1', '0'], { error: `${what} must be true or false` })
    .transform((v) => v === 'true' || v === '1');

export const configSchema = z.object({
  /**
   * host:port of the Temporal frontend (gRPC). Temporal's own conventions apply
   * (@temporalio/envconfig): unset, the address of the TEMPORAL_PROFILE profile of the
   * temporal.toml file is used, then localhost:7233.
   */
  TEMPORAL_ADDRESS: z.string().trim().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('aep-streaming-provisioning'),
  /** Temporal Cloud API key (turns TLS on); never logged. */
  TEMPORAL_API_KEY: z
    .string()
    .trim()
    .min(1)
    .transform((k) => new Redacted(k))
    .optional(),
  /** Profile of the temporal.toml file (default: "default"). */
  TEMPORAL_PROFILE: z.string().trim().min(1).optional(),
  /** The temporal.toml file; default: $XDG_CONFIG_HOME/temporalio/temporal.toml (or ~/.config/...). */
  TEMPORAL_CONFIG_FILE: filePath('TEMPORAL_CONFIG_FILE'),
  /** true: TLS with the system's CA certificates; false: plaintext even with an API key. */
  TEMPORAL_TLS: flag('TEMPORAL_TLS').optional(),
  /** mTLS: client certificate and key (PEM files), both or neither. */
  TEMPORAL_TLS_CLIENT_CERT_PATH: filePath('TEMPORAL_TLS_CLIENT_CERT_PATH'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: filePath('TEMPORAL_TLS_CLIENT_KEY_PATH'),
  /** CA certificate (PEM file) of a self-hosted cluster's server certificate. */
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: filePath('TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
  /** Server name expected in the server's certificate (SNI), when it differs from the address. */
  TEMPORAL_TLS_SERVER_NAME: z.string().trim().min(1).optional(),
  /**
   * Payload encryption (docs/encryption.md): `id:base64key,id2:base64key`, AES-256 keys of 32
   * bytes. The first encrypts, all decrypt. Unset: nothing is encrypted. Never logged.
   */
  PAYLOAD_ENCRYPTION_KEYS: z
    .string()
    .trim()
    .transform((raw, ctx) => {
      const parsed = parsePayloadKeys(raw);
      for (const p of parsed.problems) ctx.addIssue({ code: 'custom', message: p });
      return parsed.ring;
    })
    .optional(),
  /** Base URL of Platform (Flow Service, Catalog, Schema Registry, Data Prep). */
  AEP_PLATFORM_URL: url('AEP_PLATFORM_URL').default('https://platform.adobe.io'),
  /** Base URL of Adobe IMS (the token endpoint is `${AEP_IMS_URL}/ims/token/v3`). */
  AEP_IMS_URL: url('AEP_IMS_URL').default('https://ims-na1.adobelogin.com'),
  AEP_CLIENT_ID: z
    .string({ error: 'AEP_CLIENT_ID is required' })
    .trim()
    .min(1, 'AEP_CLIENT_ID is empty'),
  AEP_CLIENT_SECRET: z
    .string({ error: 'AEP_CLIENT_SECRET is required' })
    .min(1, 'AEP_CLIENT_SECRET is empty'),
  AEP_ORG_ID: z
    .string({ error: 'AEP_ORG_ID is required' })
    .trim()
    .regex(
      /^[A-Za-z0-9]+@AdobeOrg$/,
      'AEP_ORG_ID must look like 5C1328435BF324E90A49402A@AdobeOrg',
    ),
  /** Default sandbox when a request names none; Platform sandbox names are lowercase. */
  AEP_SANDBOX: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]+$/, 'AEP_SANDBOX must be a lowercase sandbox name')
    .default('prod'),
  AEP_SCOPES: z.string().trim().min(1).default(DEFAULT_SCOPES),
  /** Per-HTTP-request timeout; kept below the activities' 30 s start-to-close timeout. */
  AEP_REQUEST_TIMEOUT_MS: positiveInt('AEP_REQUEST_TIMEOUT_MS', 15_000).refine(
    (ms) => ms <= 25_000,
    'AEP_REQUEST_TIMEOUT_MS must be at most 25000 (the activities time out after 30 s)',
  ),
  /** Port of the worker's Prometheus endpoint; 0 disables it. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Address the Prometheus endpoint binds: loopback unless a container publishes it (0.0.0.0). */
  METRICS_HOST: z
    .union([z.ipv4(), z.ipv6()], 'METRICS_HOST must be an IP address')
    .default('127.0.0.1'),
  /** A prebuilt workflow bundle (scripts/build-workflow-bundle.ts; the Docker image sets it). */
  WORKFLOW_BUNDLE_PATH: z.string().trim().min(1).optional(),
  /**
   * Worker tuning (docs/benchmark.md). Unset values keep the Temporal SDK's defaults, except the
   * activity slots: AEP calls are I/O bound and short, so many may run at once on one process.
   */
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt('WORKER_MAX_CONCURRENT_ACTIVITIES', 200),
  /** Workflow tasks run at once per worker process (SDK default 40); at least 2. */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce
    .number({ error: 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS must be a number' })
    .int('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS must be a whole number')
    .min(2, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS must be at least 2')
    .optional(),
  /**
   * Workflows kept in the worker's sticky cache; 0 disables it. Fixed rather than the SDK's
   * heap-derived default, which drops to 10 when the heap is capped (NODE_OPTIONS
   * --max-old-space-size, docs/benchmark.md) and then replays every history on every task.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce
    .number({ error: 'WORKER_MAX_CACHED_WORKFLOWS must be a number' })
    .int('WORKER_MAX_CACHED_WORKFLOWS must be a whole number')
    .min(0, 'WORKER_MAX_CACHED_WORKFLOWS must not be negative')
    .default(1000),
  /** Concurrent activity task polls per worker process (SDK default min(10, activity slots)). */
  WORKER_ACTIVITY_POLLERS: z.coerce
    .number({ error: 'WORKER_ACTIVITY_POLLERS must be a number' })
    .int('WORKER_ACTIVITY_POLLERS must be a whole number')
    .positive('WORKER_ACTIVITY_POLLERS must be positive')
    .optional(),
  /** Concurrent workflow task polls per worker process (SDK default min(10, workflow slots)). */
  WORKER_WORKFLOW_POLLERS: z.coerce
    .number({ error: 'WORKER_WORKFLOW_POLLERS must be a number' })
    .int('WORKER_WORKFLOW_POLLERS must be a whole number')
    .min(2, 'WORKER_WORKFLOW_POLLERS must be at least 2')
    .optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),

  // --- HTTP API (src/api, `npm run api`) ---
  /** Address the API binds: loopback unless configured (0.0.0.0 only inside a container). */
  API_HOST: z.union([z.ipv4(), z.ipv6()], 'API_HOST must be an IP address').default('127.0.0.1'),
  API_PORT: z.coerce
    .number({ error: 'API_PORT must be a number' })
    .int('API_PORT must be a whole number')
    .min(0, 'API_PORT must be between 0 and 65535')
    .max(65535, 'API_PORT must be between 0 and 65535')
    .default(8088),
  /**
   * API keys, stored hashed: `id:sha256hex:sandbox|sandbox;id2:sha256hex:*` (`*` = every sandbox).
   * `aep-stream api-key --sandbox prod` makes a key and prints its entry.
   */
  API_KEYS: z
    .string()
    .trim()
    .transform((raw, ctx) => {
      const keys = parseApiKeys(raw);
      for (const p of keys.problems) ctx.addIssue({ code: 'custom', message: p });
      return keys.entries;
    })
    .default([]),
  /** Anonymous access to every sandbox, for local development only (refused off loopback). */
  API_ALLOW_ANONYMOUS: flag('API_ALLOW_ANONYMOUS').default(false),
  /** Largest request body accepted (bytes). */
  API_BODY_LIMIT_BYTES: positiveInt('API_BODY_LIMIT_BYTES', 262_144),
  /** Requests per minute per API key (per client address for requests without a valid key). */
  API_RATE_LIMIT_PER_MINUTE: positiveInt('API_RATE_LIMIT_PER_MINUTE', 600),
  /** Longest `Prefer: wait=<s>` honoured; longer waits are cut to it. */
  API_MAX_WAIT_SECONDS: positiveInt('API_MAX_WAIT_SECONDS', 60),
  /**
   * Origins of the Temporal UI allowed to call the codec endpoint (`/codec`, CORS), comma-separated:
   * the compose stack's UI and the dev server's, on loopback.
   */
  API_CODEC_ORIGINS: z
    .string()
    .trim()
    .transform((raw, ctx) => {
      const origins = raw
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      for (const o of origins) {
        if (!isOrigin(o)) {
          ctx.addIssue({
            code: 'custom',
            message: `API_CODEC_ORIGINS: ${o.slice(0, 100)} is not an origin (http(s)://host[:port], no path)`,
          });
        }
      }
      return origins;
    })
    .prefault(DEFAULT_CODEC_ORIGINS),
  /**
   * The codec endpoint answers without an API key: for a Temporal UI without a login of its own,
   * which cannot send one. Whoever reaches the API can then decrypt payloads.
   */
  API_CODEC_ANONYMOUS: flag('API_CODEC_ANONYMOUS').default(false),
});

function isOrigin(o: string): boolean {
  try {
    const u = new URL(o);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
  } catch {
    return false;
  }
}

/** A secret that prints as [redacted] (JSON, util.inspect, template strings); `.value` reads it. */
export class Redacted {
  constructor(readonly value: string) {
    Object.defineProperty(this, 'value', { enumerable: false });
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}

export interface ApiKeyEntry {
  id: string;
  /** sha256 of the key, hex (the key itself is never stored). */
  sha256: string;
  /** Sandboxes the key may touch; `*` = all. */
  sandboxes: string[] | '*';
}

const API_KEY_ENTRY =
  /^([A-Za-z0-9_.-]{1,64}):([0-9a-f]{64}):(\*|[a-z0-9][a-z0-9-]{0,63}(?:\|[a-z0-9][a-z0-9-]{0,63})*)$/;

/** Parses API_KEYS; a problem never repeats the hash. */
export function parseApiKeys(raw: string): { entries: ApiKeyEntry[]; problems: string[] } {
  const entries: ApiKeyEntry[] = [];
  const problems: string[] = [];
  const parts = raw
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean);
  parts.forEach((part, i) => {
    const m = API_KEY_ENTRY.exec(part);
    if (!m) {
      problems.push(
        `API_KEYS: entry ${i + 1} (${part.split(':')[0]?.slice(0, 64) ?? ''}) must be id:sha256hex:sandbox|sandbox or id:sha256hex:*`,
      );
      return;
    }
    const [, id, sha256, scope] = m as unknown as [string, string, string, string];
    if (entries.some((e) => e.id === id)) problems.push(`API_KEYS: id ${id} appears twice`);
    entries.push({ id, sha256, sandboxes: scope === '*' ? '*' : scope.split('|') });
  });
  return { entries, problems };
}

/** A parsed configuration, with the Temporal connection resolved by Temporal's conventions. */
export type Config = z.infer<typeof configSchema> & { temporal?: TemporalConnection };

/** The settings that reach Temporal (envconfig, payload keys), shared by every subset below. */
const TEMPORAL_KEYS = {
  TEMPORAL_ADDRESS: true,
  TEMPORAL_NAMESPACE: true,
  TEMPORAL_TASK_QUEUE: true,
  TEMPORAL_API_KEY: true,
  TEMPORAL_PROFILE: true,
  TEMPORAL_CONFIG_FILE: true,
  TEMPORAL_TLS: true,
  TEMPORAL_TLS_CLIENT_CERT_PATH: true,
  TEMPORAL_TLS_CLIENT_KEY_PATH: true,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: true,
  TEMPORAL_TLS_SERVER_NAME: true,
  // What goes into Temporal is encrypted, and read back, with the same keys on every side.
  PAYLOAD_ENCRYPTION_KEYS: true,
} as const;

/** The subset a provisioning system needs to start workflows: no AEP credentials. */
export const clientConfigSchema = configSchema.pick({ ...TEMPORAL_KEYS, AEP_SANDBOX: true });
export type ClientConfig = z.infer<typeof clientConfigSchema> & { temporal?: TemporalConnection };

/** The HTTP API's subset: the client's plus API_*; it needs keys unless anonymous is allowed. */
export const apiConfigSchema = configSchema
  .pick({
    ...TEMPORAL_KEYS,
    AEP_SANDBOX: true,
    LOG_LEVEL: true,
    API_HOST: true,
    API_PORT: true,
    API_KEYS: true,
    API_ALLOW_ANONYMOUS: true,
    API_BODY_LIMIT_BYTES: true,
    API_RATE_LIMIT_PER_MINUTE: true,
    API_MAX_WAIT_SECONDS: true,
    API_CODEC_ORIGINS: true,
    API_CODEC_ANONYMOUS: true,
  })
  .superRefine((c, ctx) => {
    if (c.API_KEYS.length === 0 && !c.API_ALLOW_ANONYMOUS) {
      ctx.addIssue({
        code: 'custom',
        path: ['API_KEYS'],
        message:
          'API_KEYS is empty: add a key (aep-stream api-key --sandbox <sandbox>), or set API_ALLOW_ANONYMOUS=true for local development',
      });
    }
    if (c.API_ALLOW_ANONYMOUS && !isLoopback(c.API_HOST)) {
      ctx.addIssue({
        code: 'custom',
        path: ['API_ALLOW_ANONYMOUS'],
        message: `API_ALLOW_ANONYMOUS=true is for local development: API_HOST must then be a loopback address, not ${c.API_HOST}`,
      });
    }
  });
export type ApiConfig = z.infer<typeof apiConfigSchema> & { temporal?: TemporalConnection };

export function isLoopback(ip: string): boolean {
  return /^127\./.test(ip) || ip === '::1';
}

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
