/** Request and write counters behind `GET /__emulator/stats`. */
import { type EmulatorStats, RESOURCE_KINDS, type ResourceKind } from './types';

const zeroes = (): Record<ResourceKind, number> =>
  Object.fromEntries(RESOURCE_KINDS.map((k) => [k, 0])) as Record<ResourceKind, number>;

export class Stats {
  private requests = new Map<string, number>();
  private creates = zeroes();
  private deletes = zeroes();
  private total = 0;

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
  }
}
