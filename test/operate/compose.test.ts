import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { apiConfigSchema, configSchema, parseConfig } from '../../src/config';
import { resolveOptions, startEmulator } from '../../emulator';
import { SEARCH_ATTRIBUTE_DEFINITIONS, SearchAttributes } from '../../src/shared/names';
import { freePort, REPO_ROOT, TEMPORAL_BIN } from '../../tools/dev-server';
import { connectTestEnv, freshTaskQueue } from '../harness/temporal';
import { SCHEMA_ID } from '../harness/stack';
import { ProvisioningClient } from '../../src/client';
import { run, start, startBareTemporal } from './helpers';
import { WORKER_MALLOC_ARENA_MAX, WORKER_NODE_OPTIONS } from '../../bench/worker-memory';
import { hostPathOf as hostPathOfService } from '../../tools/compose-env';
import {
  composeVersions,
  NATIVE_OVERRIDES,
  schemaRoot,
  TEMPORAL_SERVER_BIN,
} from '../../tools/pg-stack';
import { EMULATOR_ORG } from '../harness/ids';

/**
 * Docker cannot run here, so the compose stack is checked by reading it: every service the worker
 * needs, ports and environment against src/config.ts, search attributes against
 * src/shared/names.ts. What can run without Docker does run: the search-attribute job's script
 * against a real Temporal server, and the image's build and runtime stages rehearsed in a
 * temporary directory (production dependencies only) whose entry point provisions a source.
 */

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  environment?: Record<string, string | number> | string[];
  ports?: string[];
  command?: string[];
  entrypoint?: string[];
  volumes?: string[];
  network_mode?: string;
  healthcheck?: { test: string[] };
  user?: string;
}

const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const svc = (name: string): Service => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};

/** Compose's `environment`, as a map of raw (uninterpolated) strings. */
function envOf(s: Service): Record<string, string> {
  const e = s.environment ?? {};
  if (Array.isArray(e))
    return Object.fromEntries(e.map((kv) => [kv.split('=')[0]!, kv.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

/** Compose interpolation (`${X}`, `${X:-default}`, `$$`) against a given shell environment. */
function interpolate(value: string, shell: Record<string, string> = {}): string {
  return value
    .replace(VAR, (_m, name: string, op: string | undefined, dflt: string | undefined) => {
      const v = shell[name];
      if (op === ':-') return v === undefined || v === '' ? (dflt ?? '') : v;
      if (op === '-') return v === undefined ? (dflt ?? '') : v;
      return v ?? '';
    })
    .replace(/\$\$/g, '$');
}

/** `${NAME:-default}` → { name, default }; undefined for literal values. */
function reference(value: string): { name: string; dflt: string | undefined } | undefined {
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/.exec(value);
  return m ? { name: m[1]!, dflt: m[2] } : undefined;
}

function dependsOn(s: Service): Record<string, string> {
  const d = s.depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((n) => [n, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([n, v]) => [n, v.condition]));
}

/** `127.0.0.1:${X:-7233}:7233` → { ip, host, container } with defaults applied. */
function publishedPorts(s: Service, shell: Record<string, string> = {}) {
  return (s.ports ?? []).map((p) => {
    const parts = interpolate(p, shell).split(':');
    expect(parts).toHaveLength(3); // ip:host:container, never a bare port (0.0.0.0)
    return { ip: parts[0], host: Number(parts[1]), container: Number(parts[2]) };
  });
}

function readEnvFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** The worker's settings: every key but the HTTP API's own (API_*, read by the api service). */
const CONFIG_KEYS = Object.keys(configSchema.shape)
  .filter((k) => !k.startsWith('API_'))
  .sort();
const ALL_KEYS = Object.keys(configSchema.shape).sort();
const CREDENTIALS = {
  AEP_CLIENT_ID: 'id',
  AEP_CLIENT_SECRET: 'secret',
  AEP_ORG_ID: '5C1328435BF324E90A49402A@AdobeOrg',
};

describe('docker-compose.yml', () => {
  test('has every service the worker needs, started in dependency order', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'emulator',
        'jaeger',
        'postgresql',
        'temporal',
        'temporal-schema',
        'temporal-setup',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    expect(svc('postgresql').image).toMatch(/^postgres:/);
    expect(svc('temporal').image).toMatch(/^temporalio\/server:/);
    expect(svc('temporal-schema').image).toMatch(/^temporalio\/admin-tools:/);
    expect(svc('temporal-setup').image).toMatch(/^temporalio\/admin-tools:/);
    expect(svc('temporal-ui').image).toMatch(/^temporalio\/ui:/);
    // Deprecated by Temporal; the schema is a job of its own, not a side effect of the server.
    for (const s of Object.values(services)) expect(s.image ?? '').not.toMatch(/auto-setup/);

    expect(dependsOn(svc('temporal-schema'))).toEqual({ postgresql: 'service_healthy' });
    expect(dependsOn(svc('temporal'))).toEqual({
      'temporal-schema': 'service_completed_successfully',
    });
    expect(dependsOn(svc('temporal-setup'))).toEqual({ temporal: 'service_healthy' });
    expect(dependsOn(svc('temporal-ui'))).toEqual({ temporal: 'service_healthy' });
    expect(dependsOn(svc('worker'))).toEqual({
      'temporal-setup': 'service_completed_successfully',
    });
    for (const [name, s] of Object.entries(services)) {
      for (const dep of Object.keys(dependsOn(s))) {
        expect([name, Object.keys(services)]).toEqual([name, expect.arrayContaining([dep])]);
      }
    }
  });

  test('Temporal persists in the PostgreSQL service, with the same credentials everywhere', () => {
    const pg = envOf(svc('postgresql'));
    const server = envOf(svc('temporal'));
    const schema = envOf(svc('temporal-schema'));
    expect(server.DB).toBe('postgres12');
    expect(server.POSTGRES_SEEDS).toBe('postgresql');
    expect(schema.POSTGRES_SEEDS).toBe('postgresql');
    expect(server.POSTGRES_USER).toBe(pg.POSTGRES_USER);
    expect(schema.POSTGRES_USER).toBe(pg.POSTGRES_USER);
    expect(server.POSTGRES_PWD).toBe(pg.POSTGRES_PASSWORD);
    expect(schema.SQL_PASSWORD).toBe(pg.POSTGRES_PASSWORD);
    expect(server.DB_PORT).toBe('5432');
    expect(schema.DB_PORT).toBe('5432');
    expect(svc('postgresql').volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(Object.keys(compose.volumes ?? {})).toContain('postgres-data');
    expect(svc('postgresql').ports).toBeUndefined(); // the database is not published
  });

  test("the worker's environment is src/config.ts's schema, with the names of .env.example", () => {
    const env = envOf(svc('worker'));
    expect(Object.keys(env).sort()).toEqual(CONFIG_KEYS);
    const example = readEnvFile(path.join(REPO_ROOT, '.env.example'));
    expect(Object.keys(example).sort()).toEqual(ALL_KEYS);

    // What the stack fixes itself; everything else comes from the shell or .env, same name.
    const fixed = [
      'TEMPORAL_ADDRESS',
      'METRICS_HOST',
      'METRICS_PORT',
      'WORKFLOW_BUNDLE_PATH',
      'WORKER_DEPLOYMENT_NAME',
    ];
    for (const key of CONFIG_KEYS) {
      const ref = reference(env[key]!);
      if (fixed.includes(key)) {
        expect([key, ref]).toEqual([key, undefined]);
        continue;
      }
      expect([key, ref?.name]).toEqual([key, key]);
      const dflt = ref?.dflt ?? '';
      const required =
        !configSchema.shape[key as keyof typeof configSchema.shape].safeParse(undefined).success;
      if (required) {
        // No default in compose: unset means unset for the worker, which then lists what is missing.
        expect([key, dflt]).toEqual([key, '']);
      } else {
        // A compose default ('' = unset) is the schema's, so `docker compose up` and
        // `npm run worker` behave alike.
        const withDefault = parseConfig({ ...CREDENTIALS, [key]: dflt }) as Record<string, unknown>;
        const schemaDefault = parseConfig(CREDENTIALS) as Record<string, unknown>;
        expect([key, withDefault[key]]).toEqual([key, schemaDefault[key]]);
      }
    }

    // The resolved environment is a valid configuration; the shell overrides what it names.
    const resolved = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [
        k,
        interpolate(v, { ...CREDENTIALS, AEP_SANDBOX: 'dev' }),
      ]),
    );
    const config = parseConfig(resolved);
    expect(config.AEP_SANDBOX).toBe('dev');
    expect(config.AEP_CLIENT_SECRET.reveal()).toBe('secret');
    expect(config.METRICS_HOST).toBe('0.0.0.0');
    expect(config.METRICS_PORT).toBeGreaterThan(0);
    // Without credentials the worker refuses to start and names each missing one.
    const bare = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v)]));
    expect(() => parseConfig(bare)).toThrow(
      /AEP_CLIENT_ID[\s\S]*AEP_CLIENT_SECRET[\s\S]*AEP_ORG_ID/,
    );
  });

  test('ports: Temporal, UI, metrics and the API agree across services and bind loopback only', () => {
    const worker = envOf(svc('worker'));
    const [host, port] = worker.TEMPORAL_ADDRESS!.split(':');
    expect(host).toBe('temporal');
    // The frontend has no authentication of its own: reached on the stack's network only.
    expect(svc('temporal').ports).toBeUndefined();
    expect(svc('temporal').healthcheck?.test).toContain(port);
    expect(envOf(svc('temporal-setup')).TEMPORAL_ADDRESS).toBe(worker.TEMPORAL_ADDRESS);
    expect(envOf(svc('temporal-ui')).TEMPORAL_ADDRESS).toBe(worker.TEMPORAL_ADDRESS);
    // The server listens on every interface of its container so the other services reach it.
    expect(envOf(svc('temporal')).BIND_ON_IP).toBe('0.0.0.0');

    const ui = envOf(svc('temporal-ui'));
    expect(publishedPorts(svc('temporal-ui')).map((p) => p.container)).toEqual([
      Number(ui.TEMPORAL_UI_PORT),
    ]);
    expect(ui.TEMPORAL_DEFAULT_NAMESPACE).toBe(worker.TEMPORAL_NAMESPACE);

    const metrics = publishedPorts(svc('worker'));
    expect(metrics.map((p) => p.container)).toEqual([Number(worker.METRICS_PORT)]);
    const probe = svc('worker').healthcheck?.test.join(' ') ?? '';
    expect(probe).toContain(`http://127.0.0.1:${worker.METRICS_PORT}/metrics`);

    const all = Object.values(services).flatMap((s) => publishedPorts(s));
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const p of all) expect(p.ip).toBe('127.0.0.1');
    expect(new Set(all.map((p) => p.host)).size).toBe(all.length);
    expect(all.map((p) => p.host).sort((a, b) => a - b)).toEqual([8080, 8088, 9464, 16686]);
    // Host ports can be moved without touching the file.
    expect(publishedPorts(svc('temporal-ui'), { TEMPORAL_UI_HOST_PORT: '18080' })[0]?.host).toBe(
      18080,
    );
  });

  test('the search attributes registered at start are those of src/shared/names.ts', () => {
    const setup = svc('temporal-setup');
    const expected = SEARCH_ATTRIBUTE_DEFINITIONS.map(([n, t]) => `${n}=${t}`);
    expect(setup.command).toEqual(expected);
    const keys = Object.values(SearchAttributes).map((k) => `${k.name}=${k.type}`);
    expect(keys.sort()).toEqual(expected.map((d) => d.replace('=Keyword', '=KEYWORD')).sort());
    expect(envOf(setup).TEMPORAL_NAMESPACE).toBe(envOf(svc('worker')).TEMPORAL_NAMESPACE);
  });

  /** Host path of a container path, through the service's bind mounts. */
  function hostPath(s: Service, containerPath: string): string {
    for (const v of s.volumes ?? []) {
      const [src, dst] = v.split(':');
      if (src?.startsWith('.') && dst && containerPath.startsWith(`${dst}/`)) {
        return path.join(REPO_ROOT, src, containerPath.slice(dst.length));
      }
    }
    throw new Error(`${containerPath} is not mounted from the repository`);
  }

  test('the one-shot jobs run scripts that exist and parse', async () => {
    for (const name of ['temporal-schema', 'temporal-setup']) {
      const s = svc(name);
      expect(s.entrypoint?.[0]).toBe('/bin/sh');
      const script = hostPath(s, s.entrypoint![1]!);
      expect(existsSync(script)).toBe(true);
      const { code, output } = await run('sh', ['-n', script]);
      expect([name, code, output]).toEqual([name, 0, '']);
    }
  });

  test('the search-attribute job registers them on a real Temporal server, idempotently', async () => {
    const setup = svc('temporal-setup');
    const script = hostPath(setup, setup.entrypoint![1]!);
    const server = await startBareTemporal();
    const namespace = `aep-compose-${Date.now().toString(36)}`;
    const env = {
      PATH: `${path.dirname(TEMPORAL_BIN)}:${process.env.PATH}`,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: namespace,
    };
    try {
      const first = await run('sh', [script, ...setup.command!], { env });
      expect([first.code, first.output]).toEqual([0, expect.stringContaining('registered')]);
      const again = await run('sh', [script, ...setup.command!], { env });
      expect([again.code, again.output]).toEqual([0, expect.not.stringContaining('registered')]);
      expect(again.output).toContain(`namespace ${namespace} exists`);

      const listed = await run(TEMPORAL_BIN, [
        'operator',
        'search-attribute',
        'list',
        '--address',
        server.address,
        '--namespace',
        namespace,
        '-o',
        'json',
      ]);
      expect(listed.code).toBe(0);
      const custom = (JSON.parse(listed.output) as { customAttributes: Record<string, string> })
        .customAttributes;
      for (const [name, type] of SEARCH_ATTRIBUTE_DEFINITIONS) {
        expect([name, custom[name]]).toEqual([name, `INDEXED_VALUE_TYPE_${type.toUpperCase()}`]);
      }
    } finally {
      await server.stop();
    }
  }, 120_000);

  test('docs/operating.md names every published port and every setting of the stack', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'operating.md'), 'utf8');
    for (const p of Object.values(services).flatMap((s) => publishedPorts(s))) {
      expect(doc).toContain(`127.0.0.1:${p.host}`);
    }
    const raw = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    const variables = new Set([...raw.matchAll(VAR)].map((m) => m[1]!));
    for (const v of variables) {
      if (!ALL_KEYS.includes(v)) expect([v, doc.includes(`\`${v}\``)]).toEqual([v, true]);
    }
    for (const [name] of SEARCH_ATTRIBUTE_DEFINITIONS) expect(doc).toContain(name);
    expect(doc).toContain('docker compose --env-file docker/emulator.env --profile emulator up');
  });

  test('the api service: the worker image, the API entry point, the API and Temporal settings only', () => {
    const api = svc('api');
    expect(api.image).toBe(svc('worker').image);
    expect(api.command).toEqual(['node', 'dist/api/main.js']);
    const env = envOf(api);
    const apiKeys = Object.keys(apiConfigSchema.shape).sort();
    expect(Object.keys(env).sort()).toEqual(apiKeys);
    // No AEP credential reaches the API; the org id is no credential, it names the sources.
    for (const k of Object.keys(env)) expect(k).not.toMatch(/^AEP_CLIENT|^AEP_SCOPES|^AEP_IMS/);
    expect(env.AEP_ORG_ID).toBe('${AEP_ORG_ID:-}');
    expect(publishedPorts(api).map((p) => p.container)).toEqual([Number(env.API_PORT)]);
    expect(dependsOn(api)).toMatchObject({ 'temporal-setup': 'service_completed_successfully' });
  });

  test('the tracing profile: Jaeger takes OTLP from worker and API inside the stack, UI on loopback', () => {
    const jaeger = svc('jaeger');
    expect(jaeger.profiles).toEqual(['tracing']);
    expect(jaeger.image).toMatch(/^jaegertracing\/jaeger:\$\{JAEGER_VERSION:-2\.\d+\.\d+\}$/);
    expect(publishedPorts(jaeger).map((p) => p.container)).toEqual([16686]);
    // Only the UI is published; the receiver listens on the stack's network, at the address the
    // documented endpoint names (service name and port).
    const receiver = jaeger.command!.join(' ');
    const port = /receivers\.otlp\.protocols\.http\.endpoint=0\.0\.0\.0:(\d+)/.exec(receiver)?.[1];
    expect(port).toBeDefined();
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'operating.md'), 'utf8');
    const documented = /OTEL_EXPORTER_OTLP_ENDPOINT=(\S+) docker compose --profile tracing up/.exec(
      doc,
    )?.[1];
    expect(documented).toBe(`http://jaeger:${port}`);
    for (const name of ['worker', 'api']) {
      const env = envOf(svc(name));
      const shell = { OTEL_EXPORTER_OTLP_ENDPOINT: documented! };
      // Off unless the endpoint is given; given, it reaches the process as is and parses.
      expect([name, interpolate(env.OTEL_EXPORTER_OTLP_ENDPOINT!)]).toEqual([name, '']);
      expect(interpolate(env.OTEL_EXPORTER_OTLP_ENDPOINT!, shell)).toBe(documented);
    }
    const resolved = Object.fromEntries(
      Object.entries(envOf(svc('worker'))).map(([k, v]) => [
        k,
        interpolate(v, { ...CREDENTIALS, OTEL_EXPORTER_OTLP_ENDPOINT: documented! }),
      ]),
    );
    expect(parseConfig(resolved).OTEL_EXPORTER_OTLP_ENDPOINT).toBe(documented);
  });

  test('the emulator profile: worker network, port and credentials agree with docker/emulator.env', () => {
    const emu = svc('emulator');
    expect(emu.profiles).toEqual(['emulator']);
    expect(svc('worker').profiles).toBeUndefined();
    expect(emu.network_mode).toBe('service:worker');
    // Its own image, built from the Dockerfile's `emulator` target: the worker's holds no emulator.
    expect(emu.image).not.toBe(svc('worker').image);
    expect(emu.build).toEqual({ context: '.', target: 'emulator' });
    const cmd = emu.command!;
    expect(cmd.slice(0, 2)).toEqual(['node', 'dist-emulator/main.js']);
    const port = cmd[cmd.indexOf('--port') + 1];
    expect(cmd[cmd.indexOf('--host') + 1]).toBe('127.0.0.1');

    const demo = readEnvFile(path.join(REPO_ROOT, 'docker', 'emulator.env'));
    expect(demo.COMPOSE_PROFILES?.split(',')).toContain('emulator');
    const { COMPOSE_PROFILES: _profiles, ...settings } = demo;
    for (const key of Object.keys(settings)) expect(CONFIG_KEYS).toContain(key);
    expect(settings.AEP_PLATFORM_URL).toBe(`http://127.0.0.1:${port}`);
    expect(settings.AEP_IMS_URL).toBe(`http://127.0.0.1:${port}`);
    const emulatorDefaults = resolveOptions();
    expect(settings.AEP_CLIENT_ID).toBe(emulatorDefaults.clientId);
    expect(settings.AEP_CLIENT_SECRET).toBe(emulatorDefaults.clientSecret);
    expect(settings.AEP_ORG_ID).toBe(emulatorDefaults.orgId);

    // The worker's environment with docker/emulator.env as compose's env file is a valid config.
    const worker = envOf(svc('worker'));
    const config = parseConfig(
      Object.fromEntries(Object.entries(worker).map(([k, v]) => [k, interpolate(v, demo)])),
    );
    expect(config.AEP_PLATFORM_URL).toBe(`http://127.0.0.1:${port}`);
  });
});

/**
 * The container-free stack (tools/pg-stack.ts, `make stack`, test/stack) runs the compose file's
 * own versions, environment and scripts; these checks keep the two from drifting apart.
 */
describe('the native stack and docker-compose.yml agree', () => {
  test('same versions: the binaries built are the images the compose file names', async () => {
    const versions = composeVersions();
    const printed = await run('bash', [
      path.join(REPO_ROOT, 'scripts', 'install-temporal-server.sh'),
      '--versions',
    ]);
    expect([printed.code, printed.output.trim()]).toEqual([
      0,
      `server=${versions.server} ui=${versions.ui}`,
    ]);
    // The schema job's admin-tools image and the server are one release.
    expect(versions.adminTools).toBe(versions.server);
    // The server binary `make test` built is that release.
    const built = await run(TEMPORAL_SERVER_BIN, ['--version']);
    expect(built.output).toContain(versions.server);
    // The schema files the native schema job applies are that release's, laid out as in the
    // admin-tools image (SCHEMA_ROOT's default in setup-schema.sh).
    const schemaScript = readFileSync(
      path.join(REPO_ROOT, 'docker', 'temporal', 'setup-schema.sh'),
      'utf8',
    );
    const imageRoot = /SCHEMA_ROOT:-([^}]+)\}/.exec(schemaScript)?.[1];
    expect(imageRoot).toBe('/etc/temporal/schema/postgresql/v12');
    expect(
      schemaRoot(versions.server).endsWith(path.join(versions.server, 'postgresql', 'v12')),
    ).toBe(true);
    for (const dir of ['temporal/versioned', 'visibility/versioned']) {
      expect([dir, existsSync(path.join(schemaRoot(versions.server), dir))]).toEqual([dir, true]);
    }
  });

  test('same settings: only addresses, ports and in-image paths are overridden', () => {
    const addressLike =
      /^(POSTGRES_SEEDS|DB_PORT|BIND_ON_IP|TEMPORAL_ADDRESS|SCHEMA_ROOT|DYNAMIC_CONFIG_FILE_PATH|WORKFLOW_BUNDLE_PATH|METRICS_HOST|[A-Z]+_(GRPC|HTTP|MEMBERSHIP|UI)_PORT|METRICS_PORT)$/;
    for (const [service, overrides] of Object.entries(NATIVE_OVERRIDES)) {
      expect(Object.keys(services)).toContain(service);
      for (const key of Object.keys(overrides)) {
        expect([service, key, addressLike.test(key)]).toEqual([service, key, true]);
      }
    }
    // The worker: exactly what the compose file fixes itself (the rest comes from the shell/.env).
    expect(Object.keys(NATIVE_OVERRIDES.worker).sort()).toEqual(
      ['METRICS_HOST', 'METRICS_PORT', 'TEMPORAL_ADDRESS', 'WORKFLOW_BUNDLE_PATH'].sort(),
    );
    // What decides behaviour is taken from the compose file as is.
    const server = envOf(svc('temporal'));
    for (const key of ['DB', 'POSTGRES_USER', 'POSTGRES_PWD', 'NUM_HISTORY_SHARDS']) {
      expect([key, key in server, key in NATIVE_OVERRIDES.temporal]).toEqual([key, true, false]);
    }
    expect(Number(server.NUM_HISTORY_SHARDS)).toBeGreaterThanOrEqual(4);
    for (const key of ['TEMPORAL_NAMESPACE', 'NAMESPACE_RETENTION']) {
      expect(key in NATIVE_OVERRIDES['temporal-setup']).toBe(false);
    }
    // The dynamic config file the server is pointed at is mounted from the repository and parses.
    const dynamic = hostPathOfService(svc('temporal'), server.DYNAMIC_CONFIG_FILE_PATH!);
    expect(dynamic).toBe(path.join(REPO_ROOT, 'docker', 'temporal', 'dynamicconfig.yaml'));
    const parsed = parse(readFileSync(dynamic, 'utf8')) as unknown;
    expect(parsed === null || (typeof parsed === 'object' && !Array.isArray(parsed))).toBe(true);
  });

  test('same scripts: the native stack runs the setup jobs the compose file mounts', () => {
    for (const name of ['temporal-schema', 'temporal-setup']) {
      const s = svc(name);
      // tools/pg-stack.ts resolves the script through the same mount (compose-env.ts).
      const script = hostPathOfService(s, s.entrypoint![1]!);
      expect(script).toBe(
        path.join(REPO_ROOT, 'docker', 'temporal', path.basename(s.entrypoint![1]!)),
      );
      expect(existsSync(script)).toBe(true);
    }
    // The UI server gets the variables the temporalio/ui image reads.
    const ui = envOf(svc('temporal-ui'));
    expect(Object.keys(ui).sort()).toEqual(
      [
        'TEMPORAL_ADDRESS',
        'TEMPORAL_DEFAULT_NAMESPACE',
        'TEMPORAL_UI_PORT',
        'TEMPORAL_CODEC_ENDPOINT',
        'TEMPORAL_DISABLE_WRITE_ACTIONS',
      ].sort(),
    );
  });
});

/** Dockerfile instructions, continuation lines joined: [{ keyword, args }]. */
function dockerfile(): Array<{ keyword: string; args: string }> {
  return readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const i = l.search(/\s/);
      return { keyword: l.slice(0, i).toUpperCase(), args: l.slice(i + 1).trim() };
    });
}

/** Instructions per stage name. */
function stages(): Map<string, Array<{ keyword: string; args: string }>> {
  const out = new Map<string, Array<{ keyword: string; args: string }>>();
  let current: Array<{ keyword: string; args: string }> | undefined;
  for (const ins of dockerfile()) {
    if (ins.keyword === 'FROM') {
      const m = /\bAS\s+(\S+)$/i.exec(ins.args);
      current = [];
      out.set(m?.[1] ?? `stage${out.size}`, current);
    } else current?.push(ins);
  }
  return out;
}

describe('Dockerfile', () => {
  const all = stages();
  const names = [...all.keys()];
  const final = all.get(names[names.length - 1]!)!;
  const get = (ins: typeof final, keyword: string) => ins.filter((i) => i.keyword === keyword);
  /** ENV of a stage as a map (`ENV A=1 B=2` form). */
  const envOfStage = (ins: typeof final) =>
    Object.fromEntries(
      get(ins, 'ENV').flatMap((i) =>
        [...i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map(([, k, v]) => [
          k!,
          v!.replace(/^"|"$/g, ''),
        ]),
      ),
    );

  let app: string; // the runtime stage's /app, rehearsed in a temporary directory
  const toHost = (p: string) =>
    p.startsWith('/app/') ? path.join(app, p.slice(5)) : path.join(app, p);

  beforeAll(async () => {
    // The build stage's commands, exactly as the Dockerfile runs them.
    const build = get(all.get('build') ?? [], 'RUN').map((i) => i.args);
    const npmRuns = build.filter((c) => c.startsWith('npm run '));
    expect(npmRuns.length).toBeGreaterThanOrEqual(2);
    for (const cmd of npmRuns) {
      const r = await run('sh', ['-c', cmd]);
      if (r.code !== 0) throw new Error(`${cmd} failed (${r.code}):\n${r.output}`);
    }
    // The deps stage (production dependencies only) and the runtime stage's copies.
    app = mkdtempSync(path.join(tmpdir(), 'aep-image-'));
    for (const f of ['package.json', 'package-lock.json'])
      cpSync(path.join(REPO_ROOT, f), path.join(app, f));
    const deps = await run(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
      { cwd: app },
    );
    if (deps.code !== 0) throw new Error(`npm ci --omit=dev failed:\n${deps.output}`);
    cpSync(path.join(REPO_ROOT, 'dist'), path.join(app, 'dist'), { recursive: true });
  }, 300_000);

  afterAll(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  });

  test('is multi-stage: build with dev dependencies, runtime with production ones, non-root', () => {
    expect(names).toEqual(['build', 'deps', 'emulator', 'runtime']);
    expect(get(all.get('build')!, 'RUN').map((i) => i.args)).toContain(
      'npm ci --no-audit --no-fund',
    );
    expect(
      get(all.get('deps')!, 'RUN')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/npm ci --omit=dev/);
    const copies = get(final, 'COPY').map((i) => i.args);
    expect(copies).toContainEqual(expect.stringMatching(/--from=deps .*\/app\/node_modules/));
    expect(copies).toContainEqual(expect.stringMatching(/--from=build .*\/app\/dist/));
    expect(copies.join('\n')).not.toMatch(/--from=build .*node_modules/);
    const user = get(final, 'USER').map((i) => i.args);
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^(root|0)(:|$)/);
  });

  test("the entry point, the emulator's and the workflow bundle exist after the build", () => {
    const cmd = JSON.parse(get(final, 'CMD')[0]!.args) as string[];
    expect(cmd).toEqual(['node', 'dist/worker.js']);
    expect(get(final, 'WORKDIR').map((i) => i.args)).toEqual(['/app']);
    expect(existsSync(toHost(cmd[1]!))).toBe(true);
    const env = envOfStage(final);
    expect(env.WORKFLOW_BUNDLE_PATH).toBe('/app/dist/workflow-bundle.js');
    // The worker runs with the memory settings the benchmark measures its memory with.
    expect(env.NODE_OPTIONS).toBe(WORKER_NODE_OPTIONS);
    expect(env.MALLOC_ARENA_MAX).toBe(WORKER_MALLOC_ARENA_MAX);
    expect(readFileSync(toHost(env.WORKFLOW_BUNDLE_PATH!), 'utf8')).toContain(
      'ProvisionStreamingSource',
    );
    // The worker image holds no emulator code: its dist/ is src/ compiled, nothing else.
    expect(existsSync(toHost('dist/emulator'))).toBe(false);
    expect(readdirSync(toHost('dist'), { recursive: true }).join('\n')).not.toMatch(/emulator/);
    // The emulator's entry point is in the emulator target's dist-emulator/.
    const emulatorCopies = get(all.get('emulator')!, 'COPY').map((i) => i.args);
    expect(emulatorCopies).toContainEqual(
      expect.stringMatching(/--from=build .*\/app\/dist-emulator/),
    );
    expect(existsSync(path.join(REPO_ROOT, services.emulator!.command![1]!))).toBe(true);
    // Every COPY from the build context names something that exists.
    for (const ins of get(all.get('build')!, 'COPY').concat(get(final, 'COPY'))) {
      if (ins.args.includes('--from=')) continue;
      const sources = ins.args
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1);
      for (const s of sources) expect([s, existsSync(path.join(REPO_ROOT, s))]).toEqual([s, true]);
    }
    // The compose stack and the image agree on the metrics port and the bundle.
    const worker = envOf(services.worker!);
    expect(env.METRICS_PORT).toBe(worker.METRICS_PORT);
    expect(get(final, 'EXPOSE').map((i) => i.args)).toEqual([worker.METRICS_PORT]);
    expect(worker.WORKFLOW_BUNDLE_PATH).toBe(env.WORKFLOW_BUNDLE_PATH);
    expect(worker.WORKER_DEPLOYMENT_NAME).toBe(env.WORKER_DEPLOYMENT_NAME);
  });

  test('the image entry point provisions a source with production dependencies only', async () => {
    const env = await connectTestEnv();
    const emulator = await startEmulator({ port: 0 });
    const taskQueue = freshTaskQueue('image');
    const metricsPort = await freePort();
    const imageEnv = envOfStage(final);
    const worker = start('node', ['dist/worker.js'], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...imageEnv,
        WORKFLOW_BUNDLE_PATH: toHost(imageEnv.WORKFLOW_BUNDLE_PATH!),
        METRICS_HOST: '127.0.0.1', // loopback here; 0.0.0.0 inside a container
        METRICS_PORT: String(metricsPort),
        TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
        TEMPORAL_NAMESPACE: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
        TEMPORAL_TASK_QUEUE: taskQueue,
        AEP_PLATFORM_URL: emulator.url,
        AEP_IMS_URL: emulator.url,
        AEP_CLIENT_ID: emulator.credentials.clientId,
        AEP_CLIENT_SECRET: emulator.credentials.clientSecret,
        AEP_ORG_ID: emulator.credentials.orgId,
      },
    });
    try {
      await worker.waitFor(/"message":"worker started"/, 60_000);
      const client = new ProvisioningClient(env.client, {
        TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
        AEP_ORG_ID: EMULATOR_ORG,
        TEMPORAL_NAMESPACE: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
        TEMPORAL_TASK_QUEUE: taskQueue,
        AEP_SANDBOX: 'prod',
      });
      const name = `image ${Date.now().toString(36)}`;
      const result = await client.provision({
        name,
        dataType: 'raw',
        target: { schemaId: SCHEMA_ID, dataset: { name } },
      });
      expect(result.inletUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/collection\/[0-9a-f]+$/);
      expect(result.created).toContain('flow');
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^temporal_\w+/m);
    } finally {
      // Graceful shutdown on SIGTERM, as `docker compose stop` sends it.
      expect(await worker.stop(30_000)).toBe(0);
      await emulator.close();
      await env.teardown();
    }
    // Nothing but production dependencies was there to load.
    expect(existsSync(path.join(app, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'jest'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', '@temporalio', 'worker'))).toBe(true);
  }, 120_000);

  test("the emulator's entry point starts and stops from its own image", async () => {
    const port = await freePort();
    const emu = start(
      'node',
      ['dist-emulator/main.js', '--host', '127.0.0.1', '--port', String(port)],
      {
        // The emulator target: dist-emulator/ on the build stage's node_modules (the repo's).
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      },
    );
    try {
      await emu.waitFor(/AEP emulator listening on http:\/\/127\.0\.0\.1:\d+/, 30_000);
      const health = await fetch(`http://127.0.0.1:${port}/__emulator/health`);
      expect(health.status).toBe(200);
    } finally {
      expect(await emu.stop()).toBe(0);
    }
  }, 60_000);
});
