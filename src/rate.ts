/**
 * A worker process's lease on its share of the org's Platform request budget (docs/operating.md,
 * "AEP's request budget"): every RENEW_MS it asks the org's AepRequestBudget workflow and grants
 * the answer to the process's pacer for LEASE_TTL_MS from the moment it asked. Before the first
 * lease nothing is sent; a failed renewal leaves the last grant in force until it ends (the
 * workflow counts it held exactly that long); a share that went down is reported back at once,
 * so a newcomer gets it without waiting a renewal period.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { WithStartWorkflowOperation, type Client, type ConnectionLike } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import type { RequestPacer } from './aep/pacer';
import type { Config } from './config';
import { clientOn } from './connection';
import { leaseRateUpdate, rateBudgetWorkflowId, WorkflowType } from './shared/names';
import type { AepRequestBudget } from './workflows/rate';

const RENEW_MS = 2_000;
/** How long a lease lasts without renewal: a process gone away holds its share that long. */
const LEASE_TTL_MS = 10_000;
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
  readonly #member: string;
  readonly #client: Client;
  #stop: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(private readonly opts: RateLeaseOptions) {
    this.#member = `${opts.identity}/${randomUUID().slice(0, 8)}`;
    // No tracing: a lease is no one's request, and would be a trace every RENEW_MS.
    this.#client = clientOn(opts.connection, opts.config, { tracing: false });
  }

  start(): void {
    this.#stop ??= new AbortController();
    this.#loop ??= this.#run(this.#stop.signal);
  }

  /** Stops renewing; the lease ends LEASE_TTL_MS after its last renewal, like a crash's. */
  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#loop;
    this.#stop = this.#loop = undefined;
  }

  async #run(stopped: AbortSignal): Promise<void> {
    const { config, taskQueue, pacer } = this.opts;
    const [client, member] = [this.#client, this.#member];
    const imsOrg = config.AEP_ORG_ID;
    let failing = false;
    while (!stopped.aborted) {
      const before = pacer.share;
      const sentAt = performance.now();
      const startOp = new WithStartWorkflowOperation<typeof AepRequestBudget>(
        WorkflowType.rateBudget,
        {
          workflowId: rateBudgetWorkflowId(imsOrg, taskQueue),
          taskQueue,
          args: [{ members: {} }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          staticSummary: `Platform request budget of ${imsOrg}`,
        },
      );
      const budget = config.AEP_MAX_REQUESTS_PER_SECOND;
      const input = { member, budget, using: before, ttlMs: LEASE_TTL_MS };
      try {
        const lease = await client.withDeadline(Date.now() + RENEW_TIMEOUT_MS, () =>
          client.workflow.executeUpdateWithStart(leaseRateUpdate, {
            args: [input],
            startWorkflowOperation: startOp,
          }),
        );
        pacer.grant(lease.share, sentAt + LEASE_TTL_MS);
        failing = false;
        // A share that went down is reported back at once.
        if (lease.share < before) continue;
      } catch (err) {
        if (!failing) {
          const error = err instanceof Error ? err.message : String(err);
          Runtime.instance().logger.warn('AEP request budget: lease not renewed', {
            member,
            error,
          });
        }
        failing = true;
      }
      // Stopped while waiting: the loop ends.
      await setTimeout(RENEW_MS, undefined, { signal: stopped }).catch(() => {});
    }
  }
}
