import { z } from 'zod';
import { IMS_ORG_ID } from '../request';
import { atLeast, ipAddress, positiveInt, secret, secureUrl, url } from './fields';

/** The worker's own settings: how it reaches AEP, its metrics endpoint, its tuning. */

const DEFAULT_SCOPES =
  'openid,AdobeID,read_organizations,additional_info.projectedProductContext,session';

export const aepFields = {
  AEP_PLATFORM_URL: secureUrl('AEP_PLATFORM_URL').default('https://platform.adobe.io'),
  AEP_IMS_URL: secureUrl('AEP_IMS_URL').default('https://ims-na1.adobelogin.com'),
  AEP_CLIENT_ID: z
    .string({ error: 'AEP_CLIENT_ID is required' })
    .trim()
    .min(1, 'AEP_CLIENT_ID is empty'),
  /** A Secret: the token request is its one reader. */
  AEP_CLIENT_SECRET: secret('AEP_CLIENT_SECRET'),
  AEP_ORG_ID: z
    .string({ error: 'AEP_ORG_ID is required' })
    .trim()
    .regex(IMS_ORG_ID, 'AEP_ORG_ID must look like 5C1328435BF324E90A49402A@AdobeOrg'),
  AEP_SANDBOX: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]+$/, 'AEP_SANDBOX must be a lowercase sandbox name')
    .default('prod'),
  AEP_SCOPES: z.string().trim().min(1).default(DEFAULT_SCOPES),
  AEP_REQUEST_TIMEOUT_MS: positiveInt('AEP_REQUEST_TIMEOUT_MS')
    .max(25_000, 'AEP_REQUEST_TIMEOUT_MS must be at most 25000 (activities time out after 30 s)')
    .default(15_000),
  AEP_MAX_REQUESTS_PER_SECOND: positiveInt('AEP_MAX_REQUESTS_PER_SECOND').default(20),
};

/**
 * Tracing (src/telemetry.ts), for the worker and the HTTP API. The OpenTelemetry SDK reads the
 * other standard OTEL_* variables itself; these two decide whether it starts and what it is called.
 */
export const telemetryFields = {
  OTEL_EXPORTER_OTLP_ENDPOINT: url('OTEL_EXPORTER_OTLP_ENDPOINT').optional(),
  OTEL_SERVICE_NAME: z.string().trim().min(1).optional(),
};

const deploymentPart = (what: string) =>
  z
    .string()
    .trim()
    .regex(
      /^[A-Za-z0-9._+-]{1,100}$/,
      `${what} may hold letters, digits and . _ - + (at most 100)`,
    );

/**
 * The worker process: metrics, workflow bundle, tuning (docs/benchmark.md), logging. Unset
 * WORKER_* values keep the Temporal SDK's defaults, except the two below that have a default.
 */
export const workerFields = {
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  METRICS_HOST: ipAddress('METRICS_HOST').default('127.0.0.1'),
  WORKFLOW_BUNDLE_PATH: z.string().trim().min(1).optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt('WORKER_MAX_CONCURRENT_ACTIVITIES').default(200),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: atLeast(
    'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
    2,
  ).optional(),
  /**
   * Workflows in the sticky cache (0: off). Fixed rather than the SDK's heap-derived default, which
   * drops to 10 when the heap is capped (NODE_OPTIONS --max-old-space-size) and then replays every
   * history on every task.
   */
  WORKER_MAX_CACHED_WORKFLOWS: atLeast('WORKER_MAX_CACHED_WORKFLOWS', 0).default(1000),
  WORKER_ACTIVITY_POLLERS: positiveInt('WORKER_ACTIVITY_POLLERS').optional(),
  WORKER_WORKFLOW_POLLERS: atLeast('WORKER_WORKFLOW_POLLERS', 2).optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  WORKER_DEPLOYMENT_NAME: deploymentPart('WORKER_DEPLOYMENT_NAME').optional(),
  /** This build within the deployment; unset: the package version (the image: `+<git commit>`). */
  WORKER_BUILD_ID: deploymentPart('WORKER_BUILD_ID').optional(),
};
