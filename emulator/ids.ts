/**
 * Identifier generators with the shapes Adobe uses, so clients that validate ids (or log them)
 * behave as they would against Platform.
 */
import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

// One syscall per 64 KiB of randomness instead of one per id: bulk seeding creates tens of
// thousands of ids and small randomBytes() calls dominated its cost.
const pool = Buffer.alloc(64 * 1024);
let poolOffset = pool.length;

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/** Flow Service resource id: a UUID. */
export const flowServiceId = (): string => randomUUID();

/**
 * Flow Service etag, embedded double quotes included, e.g. `"f50185ed-0000-0200-0000-637e8fad0000"`;
 * Adobe's values carry the epoch seconds in hex in the last group, so do these.
 */
export function etag(nowMs: number = Date.now()): string {
  const seconds = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return `"${randomHex(4)}-0000-0200-0000-${seconds}0000"`;
}

/** DCS inlet id: 64 lowercase hex characters. */
export const inletId = (): string => randomHex(32);

/** Catalog dataset id: 24 hex characters. */
export const datasetId = (): string => randomHex(12);

/** Data Prep mapping set (and mapping) id: 32 hex characters, no dashes. */
export const mappingSetId = (): string => randomHex(16);

/** IMS access token: opaque, unguessable. */
export const accessToken = (): string => randomBytes(48).toString('base64url');

/** Request id echoed in error reports. */
export const requestId = (): string => randomHex(16);

let xactionSeq = 0;
/** DCS transaction id shaped like `1584479347507:2153:240`. */
export function xactionId(receivedTimeMs: number): string {
  xactionSeq = (xactionSeq + 1) % 1_000_000;
  return `${receivedTimeMs}:${process.pid % 10000}:${xactionSeq}`;
}
