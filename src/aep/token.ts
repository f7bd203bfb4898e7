/**
 * IMS OAuth server-to-server access tokens (`POST {AEP_IMS_URL}/ims/token/v3`).
 *
 * Contract:
 * - One provider per worker process; the token lives in its memory only, never in Temporal.
 * - `getToken` returns the cached token until the refresh margin before its expiry
 *   (`min(5 min, 10% of lifetime)`); concurrent callers share one in-flight IMS request.
 * - `invalidate(token)` drops the cached token only if it is still that one, so N callers that
 *   saw a 401 with the same stale token cause one refresh.
 * - IMS refusing the credentials (400/401/403) is `AepUnauthorized`, non-retryable.
 */
import { type Config } from '../config';
import { readHttpError, toAepFailure } from './errors';
import { aepKy, exchange } from './http';
import { imsTokenSchema } from './schemas';

export interface TokenProvider {
  /** A valid access token. `signal` only abandons this caller's wait, not the shared request. */
  getToken(signal?: AbortSignal): Promise<string>;
  /** Forget `token` if it is the cached one (the caller got a 401 with it). */
  invalidate(token: string): void;
}

export type TokenConfig = Pick<
  Config,
  'AEP_IMS_URL' | 'AEP_CLIENT_ID' | 'AEP_CLIENT_SECRET' | 'AEP_SCOPES' | 'AEP_REQUEST_TIMEOUT_MS'
>;

const MAX_REFRESH_MARGIN_MS = 5 * 60_000;

/** `refreshAt`: when to stop handing it out (expiry minus margin). */
type CachedToken = { value: string; refreshAt: number };

/** `now` (ms since epoch) is injectable so tests can move time past the refresh margin. */
export function createTokenProvider(deps: {
  config: TokenConfig;
  fetch?: typeof fetch;
  now?: () => number;
}): TokenProvider {
  const { config, now = Date.now } = deps;
  const tokenUrl = `${config.AEP_IMS_URL.replace(/\/+$/, '')}/ims/token/v3`;
  let cached: CachedToken | undefined;
  let inFlight: Promise<CachedToken> | undefined;

  async function requestToken(): Promise<CachedToken> {
    try {
      const requestedAt = now();
      const route = { method: 'post', route: 'ims/token/v3', operation: 'ims.token' };
      const response = await exchange(route, (requestId) =>
        aepKy(deps).post(tokenUrl, {
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: config.AEP_CLIENT_ID,
            client_secret: config.AEP_CLIENT_SECRET.reveal(),
            scope: config.AEP_SCOPES,
          }),
          headers: { accept: 'application/json', ...requestId },
        }),
      );
      if (!response.ok) throw await readHttpError(response);
      const body = imsTokenSchema.parse(await response.json());
      // `expires_in` is seconds for /ims/token/v3 (the JWT-era milliseconds do not apply).
      const lifetimeMs = body.expires_in * 1000;
      const margin = Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs * 0.1);
      return { value: body.access_token, refreshAt: requestedAt + lifetimeMs - margin };
    } catch (err) {
      throw toAepFailure(err, { operation: 'ims.token', service: 'ims' });
    }
  }

  return {
    async getToken(signal) {
      signal?.throwIfAborted();
      if (cached && now() < cached.refreshAt) return cached.value;
      const shared = (inFlight ??= requestToken()
        .then((t) => (cached = t))
        .finally(() => (inFlight = undefined)));
      return (await (signal ? abortable(shared, signal) : shared)).value;
    },
    invalidate(token) {
      if (cached?.value === token) cached = undefined;
    },
  };
}

/** Lets one caller stop waiting on a shared promise without cancelling it for the others. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
}
