import { z } from 'zod';

/**
 * The only reader of the process environment. Every setting of worker, client, CLI, demo and
 * emulator-backed tools is declared here once; `parseConfig` reports every problem at once so an
 * operator fixes a bad deployment in one round trip instead of one variable per restart.
 */

const DEFAULT_SCOPES =
  'openid,AdobeID,read_organizations,additional_info.projectedProductContext,session';

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

export const configSchema = z.object({
  /** host:port of the Temporal frontend (gRPC). */
  TEMPORAL_ADDRESS: z.string().trim().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('aep-streaming-provisioning'),
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
});

export type Config = z.infer<typeof configSchema>;

/** The subset a provisioning system needs to start workflows: no AEP credentials. */
export const clientConfigSchema = configSchema.pick({
  TEMPORAL_ADDRESS: true,
  TEMPORAL_NAMESPACE: true,
  TEMPORAL_TASK_QUEUE: true,
  AEP_SANDBOX: true,
});
export type ClientConfig = z.infer<typeof clientConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function parseWith<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  // Empty strings mean "unset" so that a blank line in .env falls back to the default.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => {
        const key = i.path.join('.');
        return i.message.includes(key) ? i.message : `${key}: ${i.message}`;
      }),
    );
  }
  return result.data;
}

/** Full configuration (worker, demo). Throws ConfigError listing every problem. */
export function parseConfig(env: Env = process.env): Config {
  return parseWith(configSchema, env);
}

/** Temporal-only configuration (client library, CLI). */
export function parseClientConfig(env: Env = process.env): ClientConfig {
  return parseWith(clientConfigSchema, env);
}

/** Full configuration from the environment with some values forced (demo, benchmark, chaos). */
export function parseConfigWith(overrides: Env): Config {
  return parseConfig({ ...process.env, ...overrides });
}
