import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry } from '../config';

/**
 * Bearer API keys. The configuration holds only each key's sha256 (API_KEYS); a presented key is
 * hashed and compared with every configured hash in constant time (no early exit, so the time
 * taken tells nothing about which key or how much of it matched). Keys are 32 random bytes, so a
 * fast hash is enough: there is nothing to brute-force that a slow hash would protect.
 */

export interface Principal {
  /** The key's id from API_KEYS, or `anonymous` (API_ALLOW_ANONYMOUS, local development). */
  id: string;
  sandboxes: string[] | '*';
}

export const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export type Identified =
  { ok: true; principal: Principal } | { ok: false; reason: 'missing' | 'malformed' | 'unknown' };

export function createAuthenticator(keys: ApiKeyEntry[], allowAnonymous: boolean) {
  const hashes = keys.map((k) => ({ entry: k, digest: Buffer.from(k.sha256, 'hex') }));
  return function identify(authorization: string | undefined): Identified {
    if (authorization === undefined || authorization === '') {
      return allowAnonymous
        ? { ok: true, principal: { id: 'anonymous', sandboxes: '*' } }
        : { ok: false, reason: 'missing' };
    }
    const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/.exec(authorization);
    if (!m) return { ok: false, reason: 'malformed' };
    const presented = createHash('sha256').update(m[1]!, 'utf8').digest();
    let found: ApiKeyEntry | undefined;
    for (const h of hashes) {
      if (timingSafeEqual(presented, h.digest) && !found) found = h.entry;
    }
    return found
      ? { ok: true, principal: { id: found.id, sandboxes: found.sandboxes } }
      : { ok: false, reason: 'unknown' };
  };
}

export function mayTouch(p: Principal, sandbox: string): boolean {
  return p.sandboxes === '*' || p.sandboxes.includes(sandbox);
}

/** A new key and its API_KEYS entry (`aep-stream api-key`). */
export function newApiKey(id: string, sandboxes: string[] | '*'): { key: string; entry: string } {
  const key = `aeps_${randomBytes(32).toString('base64url')}`;
  const scope = sandboxes === '*' ? '*' : sandboxes.join('|');
  return { key, entry: `${id}:${sha256Hex(key)}:${scope}` };
}
