import { request as httpRequest } from 'node:http';
import { PassThrough } from 'node:stream';
import Ajv2020 from 'ajv/dist/2020';
import type { FastifyInstance } from 'fastify';
import { sha256Hex } from '../../src/api/auth';
import { buildApi } from '../../src/api/server';
import { buildOpenApi } from '../../src/api/openapi';
import { ProvisioningClient } from '../../src/client';
import { parseApiConfig, type ApiConfig } from '../../src/config';
import { SCHEMA_ID, startStack, type Stack } from '../harness/stack';

/**
 * The API on the real stack (jest's Temporal dev server, the emulator, a worker on a fresh task
 * queue), listening on loopback. Every response a test reads through `call` is validated against
 * the OpenAPI document the API serves (status code, content type, body schema).
 */

export const KEYS = {
  prod: 'aeps_test-prod-key-0123456789abcdef0123456789',
  dev: 'aeps_test-dev-key-0123456789abcdef01234567890',
  all: 'aeps_test-all-key-0123456789abcdef01234567890',
};

export interface ApiStack {
  stack: Stack;
  app: FastifyInstance;
  config: ApiConfig;
  base: string;
  logs(): string;
  call(method: string, path: string, opts?: CallOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  /** Raw body bytes (sent as is). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any shape, checked against the OpenAPI document
  body: any;
  text: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document walked by path
const openapi = buildOpenApi() as any;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'openapi', components: openapi.components }, 'openapi');
/** Every response checked, for the coverage test of the suite. */
export const checked: string[] = [];

function templateOf(path: string): string | undefined {
  const p = path.split('?')[0]!;
  for (const t of Object.keys(openapi.paths)) {
    const re = new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(p)) return t;
  }
  return undefined;
}

/** Throws when the response is not one the OpenAPI document declares. */
export function checkAgainstOpenApi(method: string, path: string, res: ApiResponse): void {
  const t = templateOf(path);
  const status = String(res.status);
  const ctype = String(res.headers['content-type'] ?? '').split(';')[0]!;
  if (!t) {
    // Undeclared paths answer a 401 or 404 problem only.
    if (![401, 404, 429].includes(res.status) || ctype !== 'application/problem+json') {
      throw new Error(`${method} ${path}: undeclared path answered ${status} ${ctype}`);
    }
    validate('#/components/schemas/Problem', res.body, `${method} ${path}`);
    return;
  }
  const op = openapi.paths[t][method.toLowerCase()];
  if (!op) throw new Error(`${method} ${t} is not in the OpenAPI document`);
  const response = op.responses[status];
  if (!response) {
    // Transport-level answers every route may give.
    if (
      [404, 405, 400, 413, 415, 429].includes(res.status) &&
      ctype === 'application/problem+json'
    ) {
      validate('#/components/schemas/Problem', res.body, `${method} ${t} ${status}`);
      return;
    }
    throw new Error(`${method} ${t}: status ${status} is not declared`);
  }
  const media = response.content?.[ctype];
  if (!media) throw new Error(`${method} ${t} ${status}: content type ${ctype} is not declared`);
  validateSchema(media.schema, res.body, `${method} ${t} ${status}`);
  checked.push(`${method} ${t} ${status}`);
}

function validate(ref: string, body: unknown, where: string): void {
  validateSchema({ $ref: `openapi${ref}` }, body, where);
}

function validateSchema(schema: unknown, body: unknown, where: string): void {
  const s = JSON.parse(
    JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/'),
  );
  const v = ajv.compile(s);
  if (!v(body)) {
    throw new Error(
      `${where}: response does not match the OpenAPI schema: ${ajv.errorsText(v.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
    );
  }
}

export async function startApi(
  env: Record<string, string> = {},
  stackIn?: Stack,
): Promise<ApiStack> {
  const stack = stackIn ?? (await startStack());
  const config = parseApiConfig({
    TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    AEP_ORG_ID: stack.config.AEP_ORG_ID,
    AEP_SANDBOX: 'prod',
    API_PORT: '0',
    API_KEYS: [
      `ci-prod:${sha256Hex(KEYS.prod)}:prod`,
      `ci-dev:${sha256Hex(KEYS.dev)}:dev`,
      `admin:${sha256Hex(KEYS.all)}:*`,
    ].join(';'),
    API_MAX_WAIT_SECONDS: '50',
    // The suites start more than a key may in production; test/security/keys.test.ts tests the limits.
    API_RATE_LIMIT_CHANGES_PER_MINUTE: '100000',
    API_RATE_LIMIT_PLANS_PER_MINUTE: '100000',
    API_MAX_OPEN_OPERATIONS_PER_KEY: '100000',
    ...env,
  });
  const client = new ProvisioningClient(stack.env.client, config);
  const logStream = new PassThrough();
  let logs = '';
  logStream.on('data', (d: Buffer) => (logs += d.toString()));
  const app = await buildApi({ config, client, logStream });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const base = `http://127.0.0.1:${port}`;
  return {
    stack,
    app,
    config,
    base,
    logs: () => logs,
    async call(method, path, opts = {}) {
      const res = await rawCall(base, method, path, opts);
      checkAgainstOpenApi(method, path, res);
      return res;
    },
    async close() {
      await app.close();
      if (!stackIn) await stack.close();
    },
  };
}

/** node:http, so paths reach the server exactly as written (no `..` normalisation by fetch). */
export function rawCall(
  base: string,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<ApiResponse> {
  const key = opts.key === undefined ? KEYS.prod : opts.key;
  const payload =
    opts.raw ?? (opts.body !== undefined ? Buffer.from(JSON.stringify(opts.body)) : undefined);
  const headers: Record<string, string> = {
    ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    ...opts.headers,
  };
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.end(payload);
    else req.end();
  });
}

/** A PUT body for source `name`: raw data, its own dataset, one mapping. */
export const sourceBody = (name: string) => ({
  dataType: 'raw',
  target: { schemaId: SCHEMA_ID, dataset: { name: `${name} dataset` } },
  mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
});

/** The path of source `name` in `sandbox`. */
export const sourcePath = (name: string, sandbox = 'prod') =>
  `/v1/sandboxes/${sandbox}/sources/${encodeURIComponent(name)}`;
