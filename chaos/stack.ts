import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ProvisioningClient } from '../src/client';
import { parseClientConfig } from '../src/config';
import { startDevServer } from '../tools/dev-server';
import { startPgStack } from '../tools/pg-stack';
import {
  startEmulatorProcess,
  startWorkerProcess,
  type EmulatorProcess,
  type ManagedProcess,
} from '../tools/processes';

/**
 * The stack a chaos run attacks, every part a separate OS process on loopback: the Temporal server
 * (the dev server on a SQLite file, so it survives restarts, or with `server: 'postgres'` the
 * production shape of tools/pg-stack.ts: the Temporal server on PostgreSQL with 4 history
 * shards), the AEP emulator and N workers configured only through their environment, as in
 * production. Workers are supervised: one that exits without being told to is counted as a crash
 * and started again (a crash is a finding, not noise).
 */

/** The Temporal server of a run, whichever kind. */
export interface ChaosServer {
  address: string;
  namespace: string;
  describe: string;
  /** Stops it (SIGTERM, or SIGKILL for a crash), waits `downtimeMs`, starts it again, same data. */
  restart(downtimeMs: number, mode: 'term' | 'kill'): Promise<void>;
  stop(): Promise<void>;
}

export type ServerKind = 'dev' | 'postgres';

async function startDev(dir: string): Promise<ChaosServer> {
  const dbFile = path.join(dir, 'temporal.sqlite');
  let dev = await startDevServer({ dbFile });
  const port = dev.port;
  return {
    get address() {
      return dev.address;
    },
    namespace: dev.namespace,
    describe: `dev server (SQLite ${dbFile})`,
    async restart(downtimeMs, mode) {
      if (mode === 'kill') {
        const pid = dev.pid;
        process.kill(pid, 'SIGKILL');
        for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
      }
      await dev.stop();
      await sleep(downtimeMs);
      dev = await startDevServer({ port, dbFile });
    },
    stop: () => dev.stop(),
  };
}

async function startPostgres(dir: string, log: (line: string) => void): Promise<ChaosServer> {
  const pg = await startPgStack({ dir: path.join(dir, 'pg-stack'), keep: 'logs', log });
  return {
    address: pg.address,
    namespace: pg.namespace,
    describe: `Temporal server ${pg.versions.server} on PostgreSQL (${pg.serverEnv.NUM_HISTORY_SHARDS ?? '4'} history shards)`,
    async restart(downtimeMs, mode) {
      await (mode === 'kill' ? pg.kill() : pg.stopServer());
      await sleep(downtimeMs);
      await pg.restart();
    },
    stop: () => pg.stop(),
  };
}

export const EMULATOR_CREDENTIALS = {
  clientId: 'emulator-client-id',
  clientSecret: 'emulator-client-secret',
  orgId: 'EMULATOR0000000000000000@AdobeOrg',
} as const;

export interface StackOptions {
  dir: string;
  workers: number;
  seed: number;
  taskQueue: string;
  /** The Temporal server: the dev server (default) or the production shape on PostgreSQL. */
  server?: ServerKind;
  /** The workers' LOG_LEVEL (their logs are audited for secrets at any level). */
  workerLogLevel?: string;
  /** Extra worker environment (e.g. AEP_REQUEST_TIMEOUT_MS for the unkind scenario). */
  workerEnv?: Record<string, string>;
  log: (line: string) => void;
}

interface WorkerSlot {
  index: number;
  logFile: string;
  proc?: ManagedProcess;
  /** Set while the driver itself stops or kills this slot's process. */
  intentional: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ChaosStack {
  server!: ChaosServer;
  emulator!: EmulatorProcess;
  client!: ProvisioningClient;
  readonly slots: WorkerSlot[];
  readonly counters = { workerKills: 0, workerTerms: 0, serverRestarts: 0, workerCrashes: 0 };
  private closing = false;
  private readonly log: (line: string) => void;

  private constructor(readonly opts: StackOptions) {
    this.log = opts.log;
    this.slots = Array.from({ length: opts.workers }, (_, index) => ({
      index,
      logFile: path.join(opts.dir, `worker-${index}.log`),
      intentional: false,
    }));
  }

  get taskQueue(): string {
    return this.opts.taskQueue;
  }

  get workerLogFiles(): string[] {
    return this.slots.map((s) => s.logFile);
  }

  /** Starts everything; on a failure part-way, stops what was started and rethrows. */
  static async start(opts: StackOptions): Promise<ChaosStack> {
    const stack = new ChaosStack(opts);
    try {
      const t0 = Date.now();
      stack.server =
        opts.server === 'postgres'
          ? await startPostgres(opts.dir, opts.log)
          : await startDev(opts.dir);
      opts.log(`${stack.server.describe} on ${stack.server.address} in ${Date.now() - t0} ms`);
      stack.emulator = await startEmulatorProcess({
        seed: opts.seed,
        logFile: path.join(opts.dir, 'emulator.log'),
      });
      opts.log(`emulator ${stack.emulator.url} (seed ${opts.seed}, pid ${stack.emulator.pid})`);
      const t1 = Date.now();
      await Promise.all(stack.slots.map((s) => stack.startWorker(s)));
      opts.log(
        `${opts.workers} worker(s) on task queue ${opts.taskQueue} in ${Date.now() - t1} ms`,
      );
      stack.client = await ProvisioningClient.connect(
        parseClientConfig({
          TEMPORAL_ADDRESS: stack.server.address,
          TEMPORAL_NAMESPACE: stack.server.namespace,
          TEMPORAL_TASK_QUEUE: opts.taskQueue,
          AEP_ORG_ID: EMULATOR_CREDENTIALS.orgId,
          AEP_SANDBOX: 'prod',
        }),
      );
      return stack;
    } catch (err) {
      await stack.close();
      throw err;
    }
  }

  workerEnv(): Record<string, string> {
    return {
      TEMPORAL_ADDRESS: this.server.address,
      TEMPORAL_NAMESPACE: this.server.namespace,
      TEMPORAL_TASK_QUEUE: this.opts.taskQueue,
      AEP_PLATFORM_URL: this.emulator.url,
      AEP_IMS_URL: this.emulator.url,
      AEP_CLIENT_ID: EMULATOR_CREDENTIALS.clientId,
      AEP_CLIENT_SECRET: EMULATOR_CREDENTIALS.clientSecret,
      AEP_ORG_ID: EMULATOR_CREDENTIALS.orgId,
      AEP_SANDBOX: 'prod',
      // The emulator enforces no request budget: faults, not pacing, are what chaos runs test.
      AEP_MAX_REQUESTS_PER_SECOND: '100000',
      LOG_LEVEL: this.opts.workerLogLevel ?? 'info',
      ...this.opts.workerEnv,
    };
  }

  /** Starts (or restarts) a slot's worker, retrying while e.g. the server is restarting. */
  private async startWorker(slot: WorkerSlot, attempts = 10): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.closing) return;
      try {
        const proc = await startWorkerProcess({
          name: `worker-${slot.index}`,
          env: this.workerEnv(),
          logFile: slot.logFile,
        });
        slot.proc = proc;
        slot.intentional = false;
        void proc.exited.then((code) => this.onExit(slot, proc, code));
        if (this.closing) await proc.stop(2000);
        return;
      } catch (err) {
        if (attempt >= attempts) throw err;
        this.log(`worker-${slot.index} did not start (attempt ${attempt}): ${firstLine(err)}`);
        await sleep(2000);
      }
    }
  }

  private onExit(slot: WorkerSlot, proc: ManagedProcess, code: number | null): void {
    if (this.closing || slot.intentional || slot.proc !== proc) return;
    this.counters.workerCrashes += 1;
    this.log(`worker-${slot.index} (pid ${proc.pid}) exited by itself (${code}); restarting it`);
    slot.proc = undefined;
    this.startWorker(slot).catch((err: unknown) =>
      this.log(`worker-${slot.index} could not be restarted: ${firstLine(err)}`),
    );
  }

  /** SIGKILL one worker (no shutdown, tasks in flight are lost), then start a new one. */
  async killWorker(index: number, pauseMs: number): Promise<void> {
    const slot = this.slots[index];
    if (!slot?.proc || this.closing) return;
    slot.intentional = true;
    const pid = slot.proc.pid;
    await slot.proc.kill();
    this.counters.workerKills += 1;
    this.log(`SIGKILL worker-${index} (pid ${pid}); kill #${this.counters.workerKills}`);
    await sleep(pauseMs);
    const t0 = Date.now();
    await this.startWorker(slot);
    this.log(`worker-${index} back (pid ${slot.proc?.pid}) after ${Date.now() - t0} ms`);
  }

  /**
   * SIGTERM one worker, as a deploy does: it stops polling, lets its running tasks finish and
   * exits (SIGKILL only if it is still there after `graceMs`); then a new one is started.
   */
  async termWorker(index: number, pauseMs: number, graceMs = 30_000): Promise<void> {
    const slot = this.slots[index];
    if (!slot?.proc || this.closing) return;
    slot.intentional = true;
    const pid = slot.proc.pid;
    const t0 = Date.now();
    await slot.proc.stop(graceMs);
    this.counters.workerTerms += 1;
    this.log(
      `SIGTERM worker-${index} (pid ${pid}): exited after ${Date.now() - t0} ms; term #${this.counters.workerTerms}`,
    );
    await sleep(pauseMs);
    const t1 = Date.now();
    await this.startWorker(slot);
    this.log(`worker-${index} back (pid ${slot.proc?.pid}) after ${Date.now() - t1} ms`);
  }

  /**
   * Stops the Temporal server (SIGTERM, or SIGKILL for a crash), waits `downtimeMs`, starts it
   * again on the same port and data.
   */
  async restartServer(downtimeMs: number, mode: 'term' | 'kill' = 'term'): Promise<void> {
    if (this.closing) return;
    const t0 = Date.now();
    this.log(
      `Temporal server: ${mode === 'kill' ? 'SIGKILL' : 'SIGTERM'} (restart #${this.counters.serverRestarts + 1})`,
    );
    await this.server.restart(downtimeMs, mode);
    // close() may have run meanwhile (Ctrl-C, deadline): it must not leave this server behind.
    if (this.closing) await this.server.stop();
    this.counters.serverRestarts += 1;
    this.log(`Temporal server back on ${this.server.address} after ${Date.now() - t0} ms`);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        this.log(`stopping ${what} failed: ${firstLine(err)}`);
      }
    };
    await step('client', async () => this.client?.close());
    await Promise.all(
      this.slots.map((s) => step(`worker-${s.index}`, async () => s.proc?.stop(5000))),
    );
    await step('emulator', async () => this.emulator?.stop(5000));
    await step('Temporal server', async () => this.server?.stop());
  }
}

/**
 * Processes still alive whose environment holds `NAME=value` (Linux /proc; none elsewhere). Every
 * worker of a run carries the run's own TEMPORAL_TASK_QUEUE, so after close() any such process is
 * one the run started and failed to stop, e.g. a "killed" worker that kept running.
 */
export function processesWithEnv(name: string, value: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const needle = `\0${name}=${value}\0`;
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (`\0${readFileSync(`/proc/${entry}/environ`, 'latin1')}\0`.includes(needle))
        found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}
