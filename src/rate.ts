/**
 * A worker process's lease on its share of the org's Platform request budget (docs/operating.md,
 * "AEP's request budget"): every RENEW_MS it asks the org's AepRequestBudget workflow and grants
 * the answer to the process's pacer for LEASE_TTL_MS from the moment it asked.
 *
 * Contract:
 * - Before its first lease the process sends no Platform request: they wait in the pacer.
 * - A renewal that fails (Temporal unreachable, no worker to run the budget's workflow task) leaves
 *   the last grant in force until it ends, then nothing is sent until a renewal succeeds: the
 *   workflow counts the share as held for exactly that long, never longer.
 * - A share that went down is reported back at once, so a newcomer gets it without waiting a
 *   renewal period.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { type Client, WithStartWorkflowOperation, type ConnectionLike } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import type { RequestPacer } from './aep/pacer';
import type { Config } from './config';
import { clientOn } from './connection';
import type { RateLease } from './shared/model';
import { leaseRateUpdate, rateBudgetWorkflowId, WorkflowType } from './shared/names';
import type { AepRequestBudget } from './workflows/rate';

export const RENEW_MS = 2_000;
/** How long a lease lasts without renewal: a process gone away holds its share that long. */
export const LEASE_TTL_MS = 10_000;
/** One renewal's wait for its answer; the next one is tried RENEW_MS later. */
const RENEW_TIMEOUT_MS = 5_000;

export interface RateLeaseOptions {
  connection: ConnectionLike;
  config: Config;
  /** The main task queue: the budget's workflow runs there, served by the processes it shares. */
  taskQueue: string;
  /** The worker's identity; a random suffix tells apart processes that share one. */
  identity: string;
  pacer: RequestPacer;
}

export class RateLeaser {
  readonly pacer: RequestPacer;
  readonly member: string;
  /** No tracing: a lease is no one's request, and would be a trace every RENEW_MS. */
  readonly #client: Client;
  #stop: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(private readonly opts: RateLeaseOptions) {
    this.pacer = opts.pacer;
    this.#client = clientOn(opts.connection, opts.config, { tracing: false });
    this.member = `${opts.identity}/${randomUUID().slice(0, 8)}`;
  }

  start(): void {
    if (this.#loop) return;
    this.#stop = new AbortController();
    this.#loop = this.#run(this.#stop.signal);
  }

  /** Stops renewing; the lease ends LEASE_TTL_MS after its last renewal, like a crash's. */
  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  /** One renewal: the share granted (and in force in the pacer). */
  async renew(): Promise<RateLease> {
    const { taskQueue, config } = this.opts;
    const client = this.#client;
    const imsOrg = config.AEP_ORG_ID;
    const budget = config.AEP_MAX_REQUESTS_PER_SECOND;
    const sentAt = performance.now();
    const start = new WithStartWorkflowOperation<typeof AepRequestBudget>(WorkflowType.rateBudget, {
      workflowId: rateBudgetWorkflowId(imsOrg, taskQueue),
      taskQueue,
      args: [{ members: {} }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Platform request budget of ${imsOrg}`,
    });
    const input = { member: this.member, budget, using: this.pacer.share, ttlMs: LEASE_TTL_MS };
    const lease = await client.withDeadline(Date.now() + RENEW_TIMEOUT_MS, () =>
      client.workflow.executeUpdateWithStart(leaseRateUpdate, {
        args: [input],
        startWorkflowOperation: start,
      }),
    );
    this.pacer.grant(lease.share, sentAt + LEASE_TTL_MS);
    return lease;
  }

  async #run(stopped: AbortSignal): Promise<void> {
    let failing = false;
    while (!stopped.aborted) {
      let again = false;
      try {
        const before = this.pacer.share;
        again = (await this.renew()).share < before;
        failing = false;
      } catch (err) {
        if (!failing) {
          Runtime.instance().logger.warn('AEP request budget: lease not renewed', {
            member: this.member,
            error: err instanceof Error ? err.message : String(err),
          });
        }
        failing = true;
      }
      // Stopped while waiting: the loop ends.
      if (!again) await setTimeout(RENEW_MS, undefined, { signal: stopped }).catch(() => {});
    }
  }
}
