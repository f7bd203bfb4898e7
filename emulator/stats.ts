/** Request and write counters behind `GET /__emulator/stats` and `GET /__emulator/rate`. */
import { type EmulatorRate, type EmulatorStats, RESOURCE_KINDS, type ResourceKind } from './types';

const zeroes = (): Record<ResourceKind, number> =>
  Object.fromEntries(RESOURCE_KINDS.map((k) => [k, 0])) as Record<ResourceKind, number>;

export class Stats {
  private requests = new Map<string, number>();
  private creates = zeroes();
  private deletes = zeroes();
  private total = 0;
  private rates = new Map<string, OrgRate>();

  /**
   * A Platform request of `org` (its `x-gw-ims-org-id`) arriving at `at` (monotonic ms): counted
   * in the busiest 1 s window so far, (at − 1000, at] for each request.
   */
  platformRequest(org: string, at: number): void {
    let r = this.rates.get(org);
    if (!r) this.rates.set(org, (r = { requests: 0, window: [], max: 0, maxAt: 0 }));
    r.requests += 1;
    while (r.window.length > 0 && r.window[0]! <= at - 1000) r.window.shift();
    r.window.push(at);
    if (r.window.length > r.max) {
      r.max = r.window.length;
      r.maxAt = Date.now();
    }
  }

  rate(): EmulatorRate {
    return Object.fromEntries(
      [...this.rates].map(([org, r]) => [
        org,
        { requests: r.requests, maxPerSecond: r.max, busiestAt: new Date(r.maxAt).toISOString() },
      ]),
    );
  }

  hit(key: string): void {
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.total += 1;
  }

  created(kind: ResourceKind): void {
    this.creates[kind] += 1;
  }

  deleted(kind: ResourceKind): void {
    this.deletes[kind] += 1;
  }

  snapshot(): EmulatorStats {
    return {
      requests: Object.fromEntries(this.requests),
      creates: { ...this.creates },
      deletes: { ...this.deletes },
      total: this.total,
    };
  }

  reset(): void {
    this.requests = new Map();
    this.creates = zeroes();
    this.deletes = zeroes();
    this.total = 0;
    this.rates = new Map();
  }
}

interface OrgRate {
  requests: number;
  /** Arrival times of the last second's requests, oldest first. */
  window: number[];
  max: number;
  maxAt: number;
}
