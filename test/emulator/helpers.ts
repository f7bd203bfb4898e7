/**
 * The one set-up of emulator tests (a real emulator in-process, on loopback) and small fetch
 * helpers: real HTTP against it, as a client would call Adobe.
 */
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../emulator';

export const HTTP_API_SPEC = 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb';
export const DATA_LAKE_SPEC = 'c604ff05-7f1a-43c0-8e18-33bf874cb11c';
export const FLOW_SPEC_PLAIN = 'd8a6f005-7eaf-4153-983e-e8574508b877';
export const FLOW_SPEC_MAPPING = 'c1a19761-d2c7-4702-b9fa-fe91f0613e81';
export const SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';
export const LOYALTY_SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/3c1f7d0e9a5b4c2d8e6f1a0b9c8d7e6f';
export const FLOW = '/data/foundation/flowservice';
export const CATALOG = '/data/foundation/catalog';
export const SCHEMAS = '/data/foundation/schemaregistry';
export const DATAPREP = '/data/foundation/conversion';

/** Response bodies are checked field by field in tests; a loose type keeps them readable. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Res<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function http<T = Json>(
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: unknown;
    raw?: string | Buffer;
  } = {},
): Promise<Res<T>> {
  const headers = { ...init.headers };
  let body: string | Buffer | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
  }
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export async function getToken(emu: RunningEmulator): Promise<string> {
  const res = await fetch(`${emu.url}/ims/token/v3`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.credentials.clientId,
      client_secret: emu.credentials.clientSecret,
      scope: 'openid,AdobeID,read_organizations,additional_info.projectedProductContext,session',
    }),
  });
  if (res.status !== 200) throw new Error(`token: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface Started {
  emu: RunningEmulator;
  /** A Platform client of `prod` with a fresh token. */
  api: Platform;
}

async function start(opts: EmulatorOptions): Promise<Started> {
  const emu = await startEmulator({ port: 0, ...opts });
  try {
    return { emu, api: new Platform(emu, await getToken(emu)) };
  } catch (err) {
    await emu.close();
    throw err;
  }
}

/**
 * One emulator for the whole test file: started in `beforeAll`, closed in `afterAll`. `onStart`
 * receives it (assign it to the file's variables), e.g.
 * `useEmulator({ seed: 42 }, (s) => ({ emu, api } = s));`.
 */
export function useEmulator(opts: EmulatorOptions, onStart: (started: Started) => void): void {
  let started: Started | undefined;
  beforeAll(async () => {
    started = await start(opts);
    onStart(started);
  });
  afterAll(async () => {
    await started?.emu.close();
  });
}

/** A short-lived emulator with other options, for one test; always closed. */
export async function withEmulator<T>(
  opts: EmulatorOptions,
  fn: (started: Started) => Promise<T>,
): Promise<T> {
  const started = await start(opts);
  try {
    return await fn(started);
  } finally {
    await started.emu.close();
  }
}

/** A Platform client bound to one emulator, token and sandbox. */
export class Platform {
  constructor(
    readonly emu: RunningEmulator,
    public token: string,
    readonly sandbox = 'prod',
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      authorization: `Bearer ${this.token}`,
      'x-api-key': this.emu.credentials.clientId,
      'x-gw-ims-org-id': this.emu.credentials.orgId,
      'x-sandbox-name': this.sandbox,
      ...extra,
    };
  }

  get<T = Json>(path: string, extra?: Record<string, string>) {
    return http<T>(`${this.emu.url}${path}`, { headers: this.headers(extra) });
  }
  post<T = Json>(path: string, body?: unknown, extra?: Record<string, string>) {
    return http<T>(`${this.emu.url}${path}`, {
      method: 'POST',
      headers: this.headers(extra),
      body,
    });
  }
  patch<T = Json>(path: string, body: unknown, extra?: Record<string, string>) {
    return http<T>(`${this.emu.url}${path}`, {
      method: 'PATCH',
      headers: this.headers(extra),
      body,
    });
  }
  put<T = Json>(path: string, body: unknown, extra?: Record<string, string>) {
    return http<T>(`${this.emu.url}${path}`, { method: 'PUT', headers: this.headers(extra), body });
  }
  delete<T = Json>(path: string, extra?: Record<string, string>) {
    return http<T>(`${this.emu.url}${path}`, { method: 'DELETE', headers: this.headers(extra) });
  }
}

let counter = 0;
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

export const connectionBody = (
  name: string,
  params: Record<string, unknown> = { dataType: 'xdm' },
  spec = HTTP_API_SPEC,
) => ({
  name,
  description: 'test connection',
  connectionSpec: { id: spec, version: '1.0' },
  auth: { specName: 'Streaming Connection', params },
});

/** Creates base → source → dataset → target → flow (no mapping) and returns every id. */
export async function provision(
  api: Platform,
  name: string,
  params: Record<string, unknown> = { dataType: 'xdm' },
) {
  const base = await api.post(`${FLOW}/connections`, connectionBody(name, params));
  if (base.status !== 201) throw new Error(`base: ${base.status} ${base.text}`);
  const conn = await api.get(`${FLOW}/connections/${base.body.id}`);
  const source = await api.post(`${FLOW}/sourceConnections`, {
    name: `${name} source`,
    baseConnectionId: base.body.id,
    connectionSpec: { id: HTTP_API_SPEC, version: '1.0' },
  });
  const ds = await api.post(`${CATALOG}/dataSets`, {
    name: `${name} dataset`,
    schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
  });
  const datasetId = String(ds.body[0]).replace('@/dataSets/', '');
  const target = await api.post(`${FLOW}/targetConnections`, {
    name: `${name} target`,
    data: { schema: { id: SCHEMA_ID, version: 'application/vnd.adobe.xed-full+json;version=1' } },
    params: { dataSetId: datasetId },
    connectionSpec: { id: DATA_LAKE_SPEC, version: '1.0' },
  });
  const flow = await api.post(`${FLOW}/flows`, {
    name: `${name} flow`,
    flowSpec: { id: FLOW_SPEC_PLAIN, version: '1.0' },
    sourceConnectionIds: [source.body.id],
    targetConnectionIds: [target.body.id],
  });
  if (flow.status !== 201) throw new Error(`flow: ${flow.status} ${flow.text}`);
  const params2 = conn.body.items[0].auth.params as { inletId: string; inletUrl: string };
  return {
    baseId: base.body.id as string,
    sourceId: source.body.id as string,
    datasetId,
    targetId: target.body.id as string,
    flowId: flow.body.id as string,
    inletId: params2.inletId,
    inletUrl: params2.inletUrl,
  };
}

export const xdmMessage = (
  flowId: string | undefined,
  entity: Record<string, unknown>,
  schemaId = SCHEMA_ID,
) => ({
  header: {
    schemaRef: {
      id: schemaId,
      contentType: 'application/vnd.adobe.xed-full-notext+json; version=1.0',
    },
    ...(flowId === undefined ? {} : { flowId }),
  },
  body: {
    xdmMeta: {
      schemaRef: {
        id: schemaId,
        contentType: 'application/vnd.adobe.xed-full-notext+json; version=1.0',
      },
    },
    xdmEntity: entity,
  },
});
