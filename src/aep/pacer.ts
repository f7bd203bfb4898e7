/**
 * The process's pace of Platform requests (docs/operating.md, "AEP's request budget"): every
 * request to the Platform URL takes its turn here first, in arrival order.
 *
 * Contract:
 * - Requests leave one at a time, at least `(1000 + DELAY_VARIATION_MS) / share` ms apart, so no
 *   window of 1 s + DELAY_VARIATION_MS holds more than `share` of them: that many still land in
 *   the server's 1 s windows when one request is up to DELAY_VARIATION_MS slower to arrive than
 *   another. No burst: a pace kept idle lets only one request go at once.
 * - `share` (requests per second) is granted for a time (`grant`); a higher share counts from the
 *   grant on, never back to the last request. Past the grant's end, or before the first, nothing
 *   leaves: requests wait until a grant comes or their `signal` aborts them (its
 *   reason is thrown, as a request aborted on the wire would throw it).
 * - `pause(ms)` (a 429's Retry-After) holds every request for that long.
 * - Times are monotonic (`performance.now()`): a wall-clock step changes no spacing.
 */
import { parseRetryAfter } from './errors';

/** Delay variation between two requests that the spacing absorbs. */
export const DELAY_VARIATION_MS = 50;

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal | undefined;
  onAbort?: () => void;
}

export class RequestPacer {
  #share = 0;
  /** Monotonic ms until which `#share` holds. */
  #grantedUntil = -Infinity;
  #last = -Infinity;
  #pausedUntil = -Infinity;
  #waiters: Waiter[] = [];
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
    if (ms !== undefined) this.pause(ms);
  }

  /** Nothing leaves for `ms` (no shorter than a pause already running). */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.now() + ms);
    this.#pump();
  }

  /** Resolves when this request may leave; rejects with `signal`'s reason if it aborts first. */
  take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(signal.reason as Error);
          this.#pump();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const first = this.#waiters[0];
    if (!first) return;
    const now = this.now();
    const share = this.share;
    // No share: only a grant (which pumps) lets anything go.
    if (share <= 0) return;
    const at = Math.max(this.#last + (1000 + DELAY_VARIATION_MS) / share, this.#pausedUntil);
    if (at <= now) {
      this.#waiters.shift();
      if (first.onAbort) first.signal?.removeEventListener('abort', first.onAbort);
      this.#last = now;
      first.resolve();
      if (this.#waiters.length > 0) this.#pump();
      return;
    }
    // Wake at the turn, or when the grant lapses (then wait for the next grant).
    const wake = Math.min(at, this.#grantedUntil) - now;
    this.#timer = setTimeout(() => this.#pump(), Math.max(1, Math.ceil(wake)));
    this.#timer.unref?.();
  }
}
