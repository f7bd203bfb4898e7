import { z } from 'zod';
import { parsePayloadKeys } from './codec/keys';
import { parseApiKeys, parseCodecKeys, readKeyFile, splitList } from './config/api';
import { Secret } from './config/fields';
import { checkOrgSecrets, readOrgsFile } from './config/orgs';
import { loadTemporalConnection, type TemporalConnection } from './config/temporal';
import { IMS_ORG_ID } from './request';

export { orgConfig, servedOrg, servedOrgs, type ServedOrg } from './config/orgs';
export { parseApiKeys, parseCodecKeys, readKeyFile, type ApiKeyEntry } from './config/api';

// Field builders. A message starting with must/is/may is completed with the variable's name.
const trimmed = z.string().trim();
const text = trimmed.min(1);
const required = z.string({ error: 'is required' }).trim();
const filePath = trimmed.min(1, 'is empty').optional();
const flag = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');
const ipAddress = z.union([z.ipv4(), z.ipv6()], 'must be an IP address');
const number = z.coerce.number({ error: 'must be a number' }).int('must be a whole number');
const positive = number.positive('must be positive');
const atLeast = (min: number) =>
  number.min(min, min > 0 ? `must be at least ${min}` : 'must not be negative');
const url = required
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
  .transform((u) => u.replace(/\/+$/, ''));
/** It carries credentials (client secret, tokens): https, or plain http to loopback only. */
const secureUrl = url.refine(
  (u) =>
    u.startsWith('https:') || /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(new URL(u).hostname),
  'must be an https URL (plain http only to a loopback host such as 127.0.0.1): it carries the client secret and access tokens',
);
const deploymentPart = trimmed.regex(
  /^[A-Za-z0-9._+-]{1,100}$/,
  'may hold letters, digits and . _ - + (at most 100)',
);

type Checked = { problems: string[] };
function reported<R extends Checked>(parsed: R, ctx: z.RefinementCtx): R {
  for (const message of parsed.problems) ctx.addIssue({ code: 'custom', message });
  return parsed;
}
/** A list read by its own parser, whose problems are reported with the rest; `key` is the value. */
const parsedBy = <R extends Checked, K extends keyof R>(parse: (raw: string) => R, key: K) =>
  trimmed.transform((raw, ctx): R[K] => reported(parse(raw), ctx)[key]);
const entriesFile = <E>(read: (path: string) => Checked & { entries: E[] }) =>
  text.transform((path, ctx) => ({ path, entries: reported(read(path), ctx).entries })).optional();
const origin = z.string().refine((o) => /^https?:\/\//.test(o) && URL.parse(o)?.origin === o, {
  error: (i) =>
    `${String(i.input).slice(0, 100)} is not an origin (http(s)://host[:port], no path)`,
});

/**
 * The only reader of the process environment: every setting declared once; parsing reports every
 * problem at once, so an operator fixes a bad deployment in one round trip. What each variable
 * means is docs/configuration.md's table (a test holds it to this schema).
 */
export const configSchema = z.object({
  TEMPORAL_ADDRESS: text.default('localhost:7233'),
  TEMPORAL_NAMESPACE: text.default('default'),
  TEMPORAL_TASK_QUEUE: text.default('aep-streaming-provisioning'),
  // @temporalio/envconfig reads the key itself; the configuration keeps a mask only.
  TEMPORAL_API_KEY: text.transform(() => '[redacted]').optional(),
  TEMPORAL_PROFILE: text.optional(),
  TEMPORAL_CONFIG_FILE: filePath,
  TEMPORAL_TLS: flag.optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: filePath,
  TEMPORAL_TLS_CLIENT_KEY_PATH: filePath,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: filePath,
  TEMPORAL_TLS_SERVER_NAME: text.optional(),
  PAYLOAD_ENCRYPTION_KEYS: parsedBy(parsePayloadKeys, 'ring').optional(),
  AEP_PLATFORM_URL: secureUrl.default('https://platform.adobe.io'),
  AEP_IMS_URL: secureUrl.default('https://ims-na1.adobelogin.com'),
  AEP_CLIENT_ID: required.min(1, 'is empty'),
  // A Secret: the token request is its one reader.
  AEP_CLIENT_SECRET: z
    .string({ error: 'is required' })
    .min(1, 'is empty')
    .transform((v) => new Secret(v)),
  AEP_ORG_ID: required.regex(IMS_ORG_ID, 'must look like 5C1328435BF324E90A49402A@AdobeOrg'),
  AEP_SANDBOX: trimmed.regex(/^[a-z0-9-]+$/, 'must be a lowercase sandbox name').default('prod'),
  AEP_SCOPES: text.default(
    'openid,AdobeID,read_organizations,additional_info.projectedProductContext,session',
  ),
  AEP_REQUEST_TIMEOUT_MS: positive
    .max(25_000, 'must be at most 25000 (activities time out after 30 s)')
    .default(15_000),
  AEP_MAX_REQUESTS_PER_SECOND: positive.default(20),
  AEP_ORGS_FILE: entriesFile(readOrgsFile),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  METRICS_HOST: ipAddress.default('127.0.0.1'),
  WORKFLOW_BUNDLE_PATH: text.optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: positive.default(200),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: atLeast(2).optional(),
  // Fixed: the SDK's heap-derived default drops to 10 under a capped heap, replaying every task.
  WORKER_MAX_CACHED_WORKFLOWS: atLeast(0).default(1000),
  WORKER_ACTIVITY_POLLERS: positive.optional(),
  WORKER_WORKFLOW_POLLERS: atLeast(2).optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  WORKER_DEPLOYMENT_NAME: deploymentPart.optional(),
  WORKER_BUILD_ID: deploymentPart.optional(),
  // The OpenTelemetry SDK reads the other OTEL_* variables itself.
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
  OTEL_SERVICE_NAME: text.optional(),
  API_HOST: ipAddress.default('127.0.0.1'),
  API_PORT: number
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(8088),
  API_KEYS: parsedBy(parseApiKeys, 'entries').default([]),
  API_KEYS_FILE: entriesFile(readKeyFile),
  API_ALLOW_ANONYMOUS: flag.default(false),
  API_BODY_LIMIT_BYTES: positive.default(262_144),
  API_RATE_LIMIT_PER_MINUTE: positive.default(600),
  API_RATE_LIMIT_CHANGES_PER_MINUTE: positive.default(60),
  API_RATE_LIMIT_PLANS_PER_MINUTE: positive.default(30),
  API_RATE_LIMIT_CODEC_PER_MINUTE: positive.default(600),
  API_MAX_OPEN_OPERATIONS_PER_KEY: positive.default(20),
  API_MAX_WAIT_SECONDS: positive.default(60),
  API_HEADERS_TIMEOUT_SECONDS: positive.default(10),
  API_REQUEST_TIMEOUT_SECONDS: positive.default(30),
  API_IDLE_TIMEOUT_SECONDS: positive.default(90),
  API_KEEP_ALIVE_TIMEOUT_SECONDS: positive.default(5),
  API_MAX_CONNECTIONS: positive.default(1000),
  // Default: the Temporal UI on loopback, the compose stack's (8080) and the dev server's (8233).
  API_CODEC_ORIGINS: z
    .string()
    .transform((raw) => splitList(raw, ','))
    .pipe(z.array(origin))
    .prefault(
      'http://127.0.0.1:8080,http://localhost:8080,http://127.0.0.1:8233,http://localhost:8233',
    ),
  API_CODEC_KEYS: parsedBy(parseCodecKeys, 'entries').default([]),
  API_CODEC_ANONYMOUS: flag.default(false),
});

type Shape = typeof configSchema.shape;
/** The `.pick()` mask of the variables whose names start with one of `prefixes`. */
function named<P extends string>(...prefixes: P[]) {
  const keys = Object.keys(configSchema.shape).filter((k) => prefixes.some((p) => k.startsWith(p)));
  return Object.fromEntries(keys.map((k) => [k, true])) as {
    [K in keyof Shape as K extends `${P}${string}` ? K : never]: true;
  };
}

/** A parsed configuration, with the Temporal connection resolved by Temporal's conventions. */
type Parsed<S extends z.ZodType> = z.infer<S> & { temporal?: TemporalConnection };
export type Config = Parsed<typeof configSchema>;

/** What a provisioning system needs to start workflows: Temporal's and the orgs; no AEP secret. */
const CLIENT = ['TEMPORAL_', 'PAYLOAD_', 'AEP_ORG', 'AEP_SANDBOX'] as const;
export const clientConfigSchema = configSchema.pick(named(...CLIENT));
export type ClientConfig = Parsed<typeof clientConfigSchema>;

/** The HTTP API's: the client's plus API_*; keys needed unless anonymous access is allowed. */
const apiSchema = configSchema.pick(named(...CLIENT, 'LOG_LEVEL', 'OTEL_', 'API_'));
export const apiConfigSchema = apiSchema.superRefine(checkApiAccess);
export type ApiConfig = Parsed<typeof apiConfigSchema>;

/**
 * Anonymous access (to the API or `/codec`) only on loopback; an id names one key; a silent
 * connection outlives the longest wait; headers arrive within the time of the whole request.
 */
function checkApiAccess(c: z.output<typeof apiSchema>, ctx: z.RefinementCtx): void {
  const offLoopback = `API_HOST must then be a loopback address, not ${c.API_HOST}`;
  const open = !/^127\./.test(c.API_HOST) && c.API_HOST !== '::1';
  const problems = [
    c.API_KEYS.length === 0 &&
      !c.API_KEYS_FILE &&
      !c.API_ALLOW_ANONYMOUS &&
      'API_KEYS is empty: add a key (aep-stream api-key --sandbox <sandbox>), or give API_KEYS_FILE, or set API_ALLOW_ANONYMOUS=true for local development',
    ...c.API_CODEC_KEYS.filter(({ id }) => c.API_KEYS.some((k) => k.id === id)).map(
      ({ id }) => `API_CODEC_KEYS: id ${id} is an id of API_KEYS too`,
    ),
    c.API_ALLOW_ANONYMOUS &&
      open &&
      `API_ALLOW_ANONYMOUS=true is for local development: ${offLoopback}`,
    c.API_CODEC_ANONYMOUS &&
      open &&
      `API_CODEC_ANONYMOUS=true lets whoever reaches the API decrypt every payload: ${offLoopback}; elsewhere give the codec a key (API_CODEC_KEYS)`,
    c.API_IDLE_TIMEOUT_SECONDS <= c.API_MAX_WAIT_SECONDS &&
      `API_IDLE_TIMEOUT_SECONDS (${c.API_IDLE_TIMEOUT_SECONDS}) must exceed API_MAX_WAIT_SECONDS (${c.API_MAX_WAIT_SECONDS}): an answer being waited for is silent`,
    c.API_HEADERS_TIMEOUT_SECONDS > c.API_REQUEST_TIMEOUT_SECONDS &&
      `API_HEADERS_TIMEOUT_SECONDS (${c.API_HEADERS_TIMEOUT_SECONDS}) must not exceed API_REQUEST_TIMEOUT_SECONDS (${c.API_REQUEST_TIMEOUT_SECONDS}), the time of the whole request`,
  ];
  for (const message of problems) if (message) ctx.addIssue({ code: 'custom', message });
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function parseWith<S extends z.ZodType>(schema: S, env: Env) {
  // Empty strings mean "unset" so that a blank line in .env falls back to the default.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
  const result = schema.safeParse(cleaned);
  const temporal = loadTemporalConnection(cleaned);
  const problems = (result.error?.issues ?? []).map(({ path, message }) => {
    const key = String(path[0] ?? ''); // the variable, also for an item of a list
    if (!key || message.includes(key)) return message;
    return `${key}${/^(must|is|may) /.test(message) ? ' ' : ': '}${message}`;
  });
  problems.push(...temporal.problems);
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  // Unset TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE: the profile's, then the schema's default.
  const profile = Object.entries(temporal.fromProfile).filter(([k, v]) => !cleaned[k] && v);
  const data = { ...result.data!, ...Object.fromEntries(profile), temporal: temporal.connection };
  return data as z.infer<S> & { temporal: TemporalConnection };
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
