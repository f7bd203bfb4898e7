import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ProvisioningClient } from '../src/client';
import { parseClientConfig } from '../src/config';
import { startDevServer, type DevServer } from '../tools/dev-server';
import {
  startEmulatorProcess,
  startWorkerProcess,
  type EmulatorProcess,
  type ManagedProcess,
} from '../tools/processes';

/**
 * The stack a chaos run attacks, every part a separate OS process on loopback: the Temporal dev
 * server (SQLite file, so it survives restarts), the AEP emulator and N workers configured only
 * through their environment, as in production. Workers are supervised: one that exits without
 * being told to is counted as a crash and started again (a crash is a finding, not noise).
 */

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
  server!: DevServer;
  emulator!: EmulatorProcess;
  client!: ProvisioningClient;
  readonly slots: WorkerSlot[];
  readonly dbFile: string;
  readonly counters = { workerKills: 0, workerTerms: 0, serverRestarts: 0, workerCrashes: 0 };
  private port = 0;
  private closing = false;
  private readonly log: (line: string) => void;

  private constructor(readonly opts: StackOptions) {
    this.log = opts.log;
    this.dbFile = path.join(opts.dir, 'temporal.sqlite');
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
      stack.server = await startDevServer({ dbFile: stack.dbFile });
      stack.port = stack.server.port;
      opts.log(
        `dev server ${stack.server.address} (SQLite ${stack.dbFile}) in ${Date.now() - t0} ms`,
      );
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
          TEMPORAL_TASK_QUEUE: opts.taskQueue,
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
      TEMPORAL_ADDRESS: `127.0.0.1:${this.port}`,
      TEMPORAL_TASK_QUEUE: this.opts.taskQueue,
      AEP_PLATFORM_URL: this.emulator.url,
      AEP_IMS_URL: this.emulator.url,
      AEP_CLIENT_ID: EMULATOR_CREDENTIALS.clientId,
      AEP_CLIENT_SECRET: EMULATOR_CREDENTIALS.clientSecret,
      AEP_ORG_ID: EMULATOR_CREDENTIALS.orgId,
      AEP_SANDBOX: 'prod',
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
   * Stops the dev server (SIGTERM, or SIGKILL for a crash), waits `downtimeMs`, starts it again on
   * the same port and SQLite file.
   */
  async restartServer(downtimeMs: number, mode: 'term' | 'kill' = 'term'): Promise<void> {
    if (this.closing) return;
    const t0 = Date.now();
    if (mode === 'kill') {
      const pid = this.server.pid;
      process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
    }
    await this.server.stop();
    this.log(
      `dev server ${mode === 'kill' ? 'SIGKILLed' : 'stopped'} (restart #${this.counters.serverRestarts + 1})`,
    );
    await sleep(downtimeMs);
    this.server = await startDevServer({ port: this.port, dbFile: this.dbFile });
    // close() may have run meanwhile (Ctrl-C, deadline): it must not leave this server behind.
    if (this.closing) await this.server.stop();
    this.counters.serverRestarts += 1;
    this.log(`dev server back on ${this.server.address} after ${Date.now() - t0} ms`);
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
    await step('dev server', async () => this.server?.stop());
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
