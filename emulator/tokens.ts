/**
 * Access tokens issued by the IMS endpoint. They are opaque; validity is only what this store says,
 * so expiry (natural or forced through the control API) behaves as an expired Adobe token would.
 */
import { accessToken } from './ids';

interface TokenInfo {
  clientId: string;
  expiresAt: number;
}

export type TokenStatus = 'valid' | 'expired' | 'unknown';

export class TokenStore {
  private readonly tokens = new Map<string, TokenInfo>();

  issue(clientId: string, lifetimeSeconds: number): string {
    const token = accessToken();
    this.tokens.set(token, { clientId, expiresAt: Date.now() + lifetimeSeconds * 1000 });
    return token;
  }

  check(token: string): TokenStatus {
    const info = this.tokens.get(token);
    if (!info) return 'unknown';
    return Date.now() < info.expiresAt ? 'valid' : 'expired';
  }

  /** Every token ever issued, in issue order (for leak audits). */
  all(): string[] {
    return [...this.tokens.keys()];
  }

  /** Makes every token issued so far invalid; later tokens are unaffected. */
  expireAll(): number {
    const now = Date.now();
    for (const info of this.tokens.values()) info.expiresAt = Math.min(info.expiresAt, now - 1);
    return this.tokens.size;
  }
}
