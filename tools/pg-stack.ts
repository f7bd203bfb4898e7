import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { parse, stringify } from 'yaml';
import {
  composeService,
  hostPathOf,
  imageTag,
  readCompose,
  serviceEnv,
  type ComposeFile,
} from './compose-env';
import { freePort, REPO_ROOT, TEMPORAL_BIN } from './dev-server';

/**
 * The compose stack without containers (docs/production-shape.md): PostgreSQL from Debian's
 * packages in a throwaway cluster, the Temporal server built from `go.temporal.io/server` at the
 * compose file's version, the compose file's own setup scripts run unchanged against them, and
 * optionally the Temporal UI server. Everything listens on 127.0.0.1, on free ports.
 *
 * Settings come from docker-compose.yml itself (versions, each service's environment, the setup
 * jobs' scripts and arguments); only what a container network decides is overridden, and
 * NATIVE_OVERRIDES lists exactly that (test/operate/compose.test.ts checks it).
 *
 * Used by `make stack` (tools/stack-main.ts), test/stack, `npm run bench -- --server postgres`,
 * and meant for a chaos `--server postgres` option: `startPgStack()` returns handles to kill and
 * restart the server and PostgreSQL.
 */

export const TOOLS_BIN = path.join(REPO_ROOT, '.tools', 'bin');
export const TEMPORAL_SERVER_BIN = path.join(TOOLS_BIN, 'temporal-server');
export const TEMPORAL_SQL_TOOL_BIN = path.join(TOOLS_BIN, 'temporal-sql-tool');
export const TEMPORAL_UI_BIN = path.join(TOOLS_BIN, 'temporal-ui-server');
export const PG_STACK_ROOT = path.join(REPO_ROOT, '.data', 'pg-stack');

/**
 * Per compose service, the variables the native stack sets differently, and why. Everything
 * else in the service's `environment` is passed through as compose resolves it.
 */
export const NATIVE_OVERRIDES = {
  temporal: {
    POSTGRES_SEEDS: 'PostgreSQL on 127.0.0.1 (compose: the service name)',
    DB_PORT: 'PostgreSQL on a free port (compose: 5432 inside the network)',
    BIND_ON_IP: '127.0.0.1 (compose: 0.0.0.0 inside the container, published on 127.0.0.1)',
    FRONTEND_GRPC_PORT: 'free port (compose: 7233)',
    FRONTEND_HTTP_PORT: 'free port (compose: 7243)',
    FRONTEND_MEMBERSHIP_PORT: 'free port (compose: 6933)',
    HISTORY_GRPC_PORT: 'free port (compose: 7234)',
    HISTORY_MEMBERSHIP_PORT: 'free port (compose: 6934)',
    MATCHING_GRPC_PORT: 'free port (compose: 7235)',
    MATCHING_MEMBERSHIP_PORT: 'free port (compose: 6935)',
    WORKER_GRPC_PORT: 'free port (compose: 7239)',
    WORKER_MEMBERSHIP_PORT: 'free port (compose: 6939)',
    DYNAMIC_CONFIG_FILE_PATH: 'host path of the mounted file (plus any extra keys of the run)',
  },
  'temporal-schema': {
    POSTGRES_SEEDS: 'PostgreSQL on 127.0.0.1',
    DB_PORT: 'PostgreSQL on a free port',
    SCHEMA_ROOT:
      'the schema files copied from the Go module (admin-tools image: /etc/temporal/schema)',
  },
  'temporal-setup': {
    TEMPORAL_ADDRESS: 'the frontend on 127.0.0.1 and a free port',
  },
  'temporal-ui': {
    TEMPORAL_ADDRESS: 'the frontend on 127.0.0.1 and a free port',
    TEMPORAL_UI_PORT: 'free port (compose: 8080, published on 127.0.0.1)',
  },
  /** tools/stack-main.ts and tools/prod-worker.ts: the worker outside its image. */
  worker: {
    TEMPORAL_ADDRESS: 'the frontend on 127.0.0.1 and a free port',
    METRICS_HOST: '127.0.0.1 (compose: 0.0.0.0 inside the container, published on 127.0.0.1)',
    METRICS_PORT: '9464 when free, else a free port',
    WORKFLOW_BUNDLE_PATH: "dist/workflow-bundle.js (compose: the image's /app/dist/…)",
  },
} as const;

/** The versions of the stack's parts, from the compose file's image tags. */
export function composeVersions(compose: ComposeFile = readCompose()) {
  return {
    server: imageTag(composeService(compose, 'temporal')),
    adminTools: imageTag(composeService(compose, 'temporal-schema')),
    ui: imageTag(composeService(compose, 'temporal-ui')),
    postgres: imageTag(composeService(compose, 'postgresql')),
  };
}

export function schemaRoot(version: string): string {
  return path.join(REPO_ROOT, '.tools', 'temporal-schema', version, 'postgresql', 'v12');
}

export function uiRoot(version: string): string {
  return path.join(REPO_ROOT, '.tools', 'temporal-ui', version);
}

/** Debian installs PostgreSQL's server programs in /usr/lib/postgresql/<major>/bin (not on PATH). */
export function postgresBinDir(): string {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base)
        .filter((d) => existsSync(path.join(base, d, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error(
      'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): run `bash scripts/install-postgres.sh` (make stack / make test do it), or set PG_BINDIR.',
    );
  }
  return path.join(base, majors[0]!, 'bin');
}

export interface PgStackOptions {
  /** Folder of the run (PostgreSQL cluster, logs, dynamic config); default .data/pg-stack/<id>. */
  dir?: string;
  /** Keep the folder when the stack stops (default: removed); 'logs': all but the database. */
  keep?: boolean | 'logs';
  /** Start the Temporal UI server too (needs .tools/bin/temporal-ui-server). */
  ui?: boolean;
  /** Fixed UI port (default: a free one). */
  uiPort?: number;
  /** Fixed frontend port (default: a free one). */
  port?: number;
  /** Compose variables, as a shell or .env would give them (TEMPORAL_NAMESPACE, POSTGRES_USER, ...). */
  shell?: Record<string, string | undefined>;
  /** Extra dynamic config keys, added to docker/temporal/dynamicconfig.yaml's for this run. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Serve the server's Prometheus metrics on a free loopback port (PROMETHEUS_ENDPOINT). */
  metrics?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface PgStack {
  /** Frontend gRPC address, host:port. */
  address: string;
  namespace: string;
  uiUrl?: string;
  metricsUrl?: string;
  dir: string;
  versions: ReturnType<typeof composeVersions>;
  postgres: { host: string; port: number; user: string; password: string; dataDir: string };
  /** The environment the server runs with (compose's, with NATIVE_OVERRIDES applied). */
  serverEnv: Record<string, string>;
  /** Output of the two setup jobs (docker/temporal/setup-schema.sh, setup-namespace.sh). */
  setupOutput: { schema: string; namespace: string };
  logs: { postgres: string; server: string; ui: string };
  serverPid(): number;
  postgresPid(): number;
  /** Runs SQL through psql as the compose user; resolves with the unaligned output. */
  psql(sql: string, database?: string): Promise<string>;
  /** SIGKILL the Temporal server (a crash). */
  kill(): Promise<void>;
  /** SIGTERM the Temporal server (graceful). */
  stopServer(): Promise<void>;
  /** Starts the server again (after kill or stopServer, or stops it first), resolves when ready. */
  restart(): Promise<void>;
  /**
   * Restarts PostgreSQL: 'immediate' (default) is a crash — every backend quits at once, no
   * checkpoint, crash recovery at the next start — 'fast' a clean shutdown.
   */
  restartPostgres(opts?: { mode?: 'immediate' | 'fast'; downtimeMs?: number }): Promise<void>;
  /** Stops everything (UI, server, PostgreSQL) and removes the folder unless `keep`. */
  stop(): Promise<void>;
}

/** Children still running, killed if this process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) {
        try {
          c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A free loopback port below 32768. The server records its services' ports in PostgreSQL
 * (`cluster_membership.rpc_port` is a SMALLINT), so a port from the kernel's ephemeral range
 * (32768-60999 on Linux) makes it exit at start: `UpsertClusterMembership operation failed …
 * value "45351" is out of range for type smallint`.
 */
export async function freeServerPort(taken: ReadonlySet<number> = new Set()): Promise<number> {
  const { createServer } = await import('node:net');
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free loopback port in 20000-31999');
}

function alive(child: ChildProcess | undefined): child is ChildProcess {
  return !!child && child.exitCode === null && child.signalCode === null;
}

async function signalAndWait(child: ChildProcess | undefined, sig: NodeJS.Signals, graceMs = 0) {
  if (!alive(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timer = graceMs > 0 ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
  child.kill(sig);
  await exited;
  if (timer) clearTimeout(timer);
}

/** Runs a program to completion; rejects with its output on a non-zero exit. */
function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; uid?: number; gid?: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
    });
    track(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else
        reject(
          new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${signal ?? code}):\n${out}`),
        );
    });
  });
}

/** PostgreSQL refuses to run as root: as root, its programs run as Debian's `postgres` user. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error(
      "running as root and there is no `postgres` user: run `bash scripts/install-postgres.sh` (it installs Debian's postgresql, which creates it).",
    );
  }
}

function spawnLogged(
  cmd: string,
  args: string[],
  opts: {
    env: Record<string, string | undefined>;
    cwd: string;
    logFile: string;
    user?: { uid: number; gid: number };
  },
): ChildProcess {
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.user ? { uid: opts.user.uid, gid: opts.user.gid } : {}),
  });
  track(child);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once('exit', () => setTimeout(() => log.end(), 100));
  return child;
}

function tail(file: string, chars = 3000): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}

/** Dynamic config YAML: the repository's file plus extra keys (unconstrained values). */
function dynamicConfigYaml(base: string, extra: Record<string, string | number | boolean>): string {
  const doc = (parse(readFileSync(base, 'utf8')) ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(extra)) doc[k] = [{ value: v, constraints: {} }];
  return Object.keys(doc).length === 0 ? '{}\n' : stringify(doc);
}

export async function startPgStack(opts: PgStackOptions = {}): Promise<PgStack> {
  const log = opts.log ?? (() => undefined);
  const compose = readCompose();
  const versions = composeVersions(compose);
  // compose has no default database password; a stack of its own gets one for its life.
  const shell = {
    ...opts.shell,
    POSTGRES_PASSWORD: opts.shell?.POSTGRES_PASSWORD ?? randomBytes(16).toString('hex'),
  };
  for (const [bin, what] of [
    [TEMPORAL_SERVER_BIN, 'scripts/install-temporal-server.sh'],
    [TEMPORAL_SQL_TOOL_BIN, 'scripts/install-temporal-server.sh'],
    [TEMPORAL_BIN, 'scripts/install-temporal.sh'],
  ] as const) {
    if (!existsSync(bin))
      throw new Error(`${bin} is missing: run \`bash ${what}\` (make stack does it)`);
  }
  if (!existsSync(schemaRoot(versions.server))) {
    throw new Error(
      `${schemaRoot(versions.server)} is missing: run \`bash scripts/install-temporal-server.sh\``,
    );
  }
  if (opts.ui && !existsSync(TEMPORAL_UI_BIN)) {
    throw new Error(
      `${TEMPORAL_UI_BIN} is missing: run \`bash scripts/install-temporal-server.sh --ui\``,
    );
  }
  const binDir = postgresBinDir();
  const pgUser = postgresUser();

  const dir =
    opts.dir ??
    path.join(
      PG_STACK_ROOT,
      `${new Date()
        .toISOString()
        .replace(/[^0-9]/g, '')
        .slice(0, 14)}-${process.pid}`,
    );
  const dataDir = path.join(dir, 'pgdata');
  mkdirSync(dir, { recursive: true });
  const logs = {
    postgres: path.join(dir, 'postgres.log'),
    server: path.join(dir, 'temporal-server.log'),
    ui: path.join(dir, 'temporal-ui.log'),
  };
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    while (stops.length > 0) {
      await stops.pop()!().catch((err: unknown) => log(`  (stop failed: ${String(err)})`));
    }
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    else if (opts.keep === 'logs') rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    // ---- PostgreSQL: the `postgresql` service (user and password from compose) -------------
    const pgEnv = serviceEnv(composeService(compose, 'postgresql'), shell);
    const pg = {
      host: '127.0.0.1',
      port: 0,
      user: pgEnv.POSTGRES_USER ?? 'temporal',
      password: pgEnv.POSTGRES_PASSWORD ?? '',
      dataDir,
    };
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const pwfile = path.join(dir, '.pgpass-init');
      writeFileSync(pwfile, `${pg.password}\n`, { mode: 0o600 });
      if (pgUser) {
        chownSync(dataDir, pgUser.uid, pgUser.gid);
        chownSync(pwfile, pgUser.uid, pgUser.gid);
      }
      // As the postgres image's entry point does: the compose user is the superuser, with a
      // password, and connections need it (scram-sha-256, the image's default).
      await run(
        path.join(binDir, 'initdb'),
        [
          '-D',
          dataDir,
          '-U',
          pg.user,
          `--pwfile=${pwfile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
        ],
        { cwd: dir, uid: pgUser?.uid, gid: pgUser?.gid },
      );
      rmSync(pwfile, { force: true });
      log(`  PostgreSQL cluster initialised in ${path.relative(REPO_ROOT, dataDir)}`);
    }
    pg.port = await freePort();
    let postgres: ChildProcess | undefined;
    const startPostgres = async () => {
      postgres = spawnLogged(
        path.join(binDir, 'postgres'),
        [
          '-D',
          dataDir,
          '-p',
          String(pg.port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'unix_socket_directories=',
        ],
        {
          env: { PATH: process.env.PATH, LANG: 'C' },
          cwd: dir,
          logFile: logs.postgres,
          user: pgUser,
        },
      );
      const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
      for (;;) {
        if (!alive(postgres))
          throw new Error(`PostgreSQL exited before it was ready:\n${tail(logs.postgres)}`);
        try {
          await run(
            path.join(binDir, 'pg_isready'),
            ['-h', pg.host, '-p', String(pg.port), '-q'],
            {},
          );
          return;
        } catch {
          if (Date.now() > deadline)
            throw new Error(`PostgreSQL not ready on ${pg.port}:\n${tail(logs.postgres)}`);
          await sleep(200);
        }
      }
    };
    const stopPostgres = (sig: NodeJS.Signals) => signalAndWait(postgres, sig, 30_000);
    await startPostgres();
    stops.push(() => stopPostgres('SIGINT'));
    log(
      `  PostgreSQL ${pg.host}:${pg.port} (pid ${postgres!.pid}, ${path.basename(path.dirname(binDir))})`,
    );

    const psql = (sql: string, database = 'temporal') =>
      run(
        path.join(binDir, 'psql'),
        [
          '-h',
          pg.host,
          '-p',
          String(pg.port),
          '-U',
          pg.user,
          '-d',
          database,
          '-At',
          '-v',
          'ON_ERROR_STOP=1',
          '-c',
          sql,
        ],
        { env: { PATH: process.env.PATH, PGPASSWORD: pg.password } },
      ).then((o) => o.trim());

    const toolsPath = `${TOOLS_BIN}:${process.env.PATH ?? ''}`;

    // ---- temporal-schema: docker/temporal/setup-schema.sh, unchanged ------------------------
    const schemaSvc = composeService(compose, 'temporal-schema');
    const schemaScript = hostPathOf(schemaSvc, schemaSvc.entrypoint![1]!);
    const schemaOut = await run('sh', [schemaScript, ...(schemaSvc.command ?? [])], {
      env: {
        PATH: toolsPath,
        HOME: process.env.HOME,
        ...serviceEnv(schemaSvc, shell),
        POSTGRES_SEEDS: pg.host,
        DB_PORT: String(pg.port),
        SCHEMA_ROOT: schemaRoot(versions.server),
      },
    });
    log(
      `  schema job (${path.relative(REPO_ROOT, schemaScript)}): ${
        schemaOut
          .trim()
          .split('\n')
          .filter((l) => /up to date/.test(l)).length
      } databases up to date`,
    );

    // ---- temporal: the server, from compose's environment ------------------------------------
    const serverSvc = composeService(compose, 'temporal');
    const mountedDynamic = (serverSvc.environment as Record<string, string> | undefined)
      ?.DYNAMIC_CONFIG_FILE_PATH;
    const dynamicFile = path.join(dir, 'dynamicconfig.yaml');
    writeFileSync(
      dynamicFile,
      dynamicConfigYaml(
        mountedDynamic
          ? hostPathOf(serverSvc, mountedDynamic)
          : path.join(REPO_ROOT, 'docker', 'temporal', 'dynamicconfig.yaml'),
        opts.dynamicConfig ?? {},
      ),
    );
    const taken = new Set<number>();
    const port = opts.port || (await freeServerPort(taken));
    taken.add(port);
    const ports: Record<string, number> = { FRONTEND_GRPC_PORT: port };
    for (const k of Object.keys(NATIVE_OVERRIDES.temporal)) {
      if (k.endsWith('_PORT') && k !== 'DB_PORT' && !ports[k]) {
        ports[k] = await freeServerPort(taken);
        taken.add(ports[k]);
      }
    }
    let metricsUrl: string | undefined;
    const extra: Record<string, string> = {};
    if (opts.metrics) {
      const metricsPort = await freePort();
      extra.PROMETHEUS_ENDPOINT = `127.0.0.1:${metricsPort}`;
      metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    }
    const serverEnv: Record<string, string> = {
      ...serviceEnv(serverSvc, shell),
      POSTGRES_SEEDS: pg.host,
      DB_PORT: String(pg.port),
      BIND_ON_IP: '127.0.0.1',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      DYNAMIC_CONFIG_FILE_PATH: dynamicFile,
      ...extra,
    };
    const address = `127.0.0.1:${port}`;
    let server: ChildProcess | undefined;
    const startServer = async () => {
      // The image's entry point: `exec temporal-server start`, configured by the environment.
      server = spawnLogged(TEMPORAL_SERVER_BIN, ['start'], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...serverEnv },
        cwd: dir,
        logFile: logs.server,
      });
      const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
      for (;;) {
        if (!alive(server))
          throw new Error(`Temporal server exited before it was ready:\n${tail(logs.server)}`);
        try {
          const connection = await Connection.connect({ address, connectTimeout: 1000 });
          try {
            await connection.workflowService.getSystemInfo({});
            return;
          } finally {
            await connection.close();
          }
        } catch {
          if (Date.now() > deadline) {
            throw new Error(`Temporal server not ready on ${address}:\n${tail(logs.server)}`);
          }
          await sleep(250);
        }
      }
    };
    const stopServer = () => signalAndWait(server, 'SIGTERM', 20_000);
    await startServer();
    stops.push(stopServer);
    log(
      `  Temporal server ${versions.server} ${address} (pid ${server!.pid}, log ${path.relative(REPO_ROOT, logs.server)})`,
    );

    // ---- temporal-setup: docker/temporal/setup-namespace.sh, unchanged ----------------------
    const setupSvc = composeService(compose, 'temporal-setup');
    const setupScript = hostPathOf(setupSvc, setupSvc.entrypoint![1]!);
    const setupEnv: Record<string, string> = {
      ...serviceEnv(setupSvc, shell),
      TEMPORAL_ADDRESS: address,
    };
    const namespace = setupEnv.TEMPORAL_NAMESPACE ?? 'default';
    const setupOut = await run('sh', [setupScript, ...(setupSvc.command ?? [])], {
      env: { PATH: toolsPath, HOME: process.env.HOME, ...setupEnv },
    });
    log(
      `  setup job (${path.relative(REPO_ROOT, setupScript)}): namespace ${namespace}, ${(setupSvc.command ?? []).length} search attributes`,
    );

    // ---- temporal-ui --------------------------------------------------------------------------
    let uiUrl: string | undefined;
    if (opts.ui) {
      const uiSvc = composeService(compose, 'temporal-ui');
      const uiPort = opts.uiPort || (await freePort());
      const ui = spawnLogged(
        TEMPORAL_UI_BIN,
        ['--root', uiRoot(versions.ui), '--config', 'config', '--env', 'docker', 'start'],
        {
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            ...serviceEnv(uiSvc, shell),
            TEMPORAL_ADDRESS: address,
            TEMPORAL_UI_PORT: String(uiPort),
          },
          cwd: dir,
          logFile: logs.ui,
        },
      );
      stops.push(() => signalAndWait(ui, 'SIGTERM', 5000));
      uiUrl = `http://127.0.0.1:${uiPort}`;
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (!alive(ui)) throw new Error(`Temporal UI exited:\n${tail(logs.ui)}`);
        const ok = await fetch(uiUrl, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline)
          throw new Error(`Temporal UI not ready on ${uiUrl}:\n${tail(logs.ui)}`);
        await sleep(250);
      }
      log(`  Temporal UI ${versions.ui} ${uiUrl} (pid ${ui.pid})`);
    }

    return {
      address,
      namespace,
      uiUrl,
      metricsUrl,
      dir,
      versions,
      postgres: pg,
      serverEnv,
      setupOutput: { schema: schemaOut, namespace: setupOut },
      logs,
      serverPid: () => server?.pid ?? -1,
      postgresPid: () => postgres?.pid ?? -1,
      psql,
      kill: () => signalAndWait(server, 'SIGKILL'),
      stopServer,
      async restart() {
        await stopServer();
        await startServer();
      },
      async restartPostgres({ mode = 'immediate', downtimeMs = 0 } = {}) {
        // SIGQUIT = `pg_ctl stop -m immediate`; SIGINT = `-m fast`.
        await stopPostgres(mode === 'immediate' ? 'SIGQUIT' : 'SIGINT');
        if (downtimeMs > 0) await sleep(downtimeMs);
        await startPostgres();
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
