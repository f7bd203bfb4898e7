import type { Worker } from '@temporalio/worker';
import { RateLeaser, type RateLeaseOptions } from './rate';

/**
 * A process's workers, run and stopped together: the main one (workflows, activities) and two
 * activity-only ones, for the dataset workflows' own calls and for the asks sent to them
 * (names.ts: `datasetCallsQueue`, `datasetAsksQueue`), and their process's budget lease.
 */
export class Workers {
  private readonly all: Worker[];
  private readonly rates: RateLeaser[] = [];

  constructor(...workers: Worker[]) {
    this.all = workers;
  }

  /** Workers of one org: its main worker first. */
  add(...workers: Worker[]): this {
    this.all.push(...workers);
    return this;
  }

  /** Renews a lease on an org's request budget (rate.ts) for as long as the workers run. */
  leasing(opts: Omit<RateLeaseOptions, 'identity'>): this {
    this.rates.push(new RateLeaser({ ...opts, identity: this.options.identity }));
    return this;
  }

  get options(): Worker['options'] {
    return this.all[0]!.options;
  }

  /** Until all stop (SIGINT/SIGTERM, or `shutdown`); one failing stops the others. */
  async run(): Promise<void> {
    for (const r of this.rates) r.start();
    const runs = this.all.map((w) => w.run());
    try {
      await Promise.all(runs);
    } catch (err) {
      this.shutdown();
      await Promise.allSettled(runs);
      throw err;
    } finally {
      await Promise.all(this.rates.map((r) => r.stop()));
    }
  }

  runUntil<R>(fn: Promise<R> | (() => Promise<R>)): Promise<R> {
    const [first, ...rest] = this.all as [Worker, ...Worker[]];
    for (const r of this.rates) r.start();
    const inner = (w: Worker, run: () => Promise<R>) => () => w.runUntil(run);
    const all = rest.reduce<() => Promise<R>>(
      (run, w) => inner(w, run),
      () => first.runUntil(fn),
    );
    return all().finally(() => Promise.all(this.rates.map((r) => r.stop())));
  }

  shutdown(): void {
    for (const w of this.all) if (w.getState() === 'RUNNING') w.shutdown();
  }
}
