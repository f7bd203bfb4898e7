/**
 * The process's pace of Platform requests (docs/operating.md, "AEP's request budget"): every
 * Platform request takes its turn here, in arrival order, one at a time, at least
 * `(1000 + DELAY_VARIATION_MS) / share` ms apart (no burst after idling), so no window of
 * 1 s + DELAY_VARIATION_MS holds more than `share`: that many still land in the server's 1 s
 * windows when one request is up to DELAY_VARIATION_MS slower to arrive than another. `share` holds
 * until its grant's end; outside a grant nothing leaves, and a waiting request ends only with its
 * `signal` (its reason thrown, as on the wire). A 429's Retry-After holds every request that long.
 * Times are monotonic (`performance.now()`): a wall-clock step changes no spacing.
 */
import { parseRetryAfter } from './errors';

/** Delay variation between two requests that the spacing absorbs. */
export const DELAY_VARIATION_MS = 50;

export class RequestPacer {
  #share = 0;
  /** Monotonic ms until which `#share` holds. */
  #grantedUntil = -Infinity;
  #last = -Infinity;
  #pausedUntil = -Infinity;
  #waiters: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** The share in force now (0 before the first grant and once it lapsed). */
  get share(): number {
    return this.now() < this.#grantedUntil ? this.#share : 0;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** `share` requests per second until `until` (monotonic ms). */
  grant(share: number, until: number): void {
    // A rise takes effect a whole new spacing after it: the first request at the higher pace does
    // not go at once (docs/operating.md: what a window spanning a change may hold).
    if (share > this.share) this.#last = Math.max(this.#last, this.now());
    this.#share = Math.max(0, share);
    this.#grantedUntil = until;
    this.#pump();
  }

  /** A 429: nothing leaves for its Retry-After (seconds or a date), if it has one. */
  throttled(retryAfter: string | null): void {
    const ms = parseRetryAfter(retryAfter);
    if (ms === undefined) return;
    this.#pausedUntil = Math.max(this.#pausedUntil, this.now() + ms);
    this.#pump();
  }

  /** Resolves when this request may leave; rejects with `signal`'s reason if it aborts first. */
  take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== go);
        reject(signal?.reason as Error);
        this.#pump();
      };
      const go = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(go);
      this.#pump();
    });
  }

  #pump(): void {
    clearTimeout(this.#timer);
    const share = this.share;
    // No share: only a grant (which pumps) lets anything go.
    if (this.#waiters.length === 0 || share <= 0) return;
    const now = this.now();
    const at = Math.max(this.#last + (1000 + DELAY_VARIATION_MS) / share, this.#pausedUntil);
    if (at <= now) {
      this.#last = now;
      this.#waiters.shift()?.();
      return this.#pump();
    }
    // Wake at the turn, or when the grant lapses (then wait for the next grant).
    const wake = Math.min(at, this.#grantedUntil) - now;
    this.#timer = setTimeout(() => this.#pump(), Math.max(1, Math.ceil(wake)));
    this.#timer.unref?.();
  }
}
