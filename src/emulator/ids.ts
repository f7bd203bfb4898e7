/**
 * Identifier generators with the shapes Adobe uses, so clients that validate ids (or log them)
 * behave as they would against Platform.
 */
import { randomBytes, randomUUID } from 'node:crypto';

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
  return `"${randomBytes(4).toString('hex')}-0000-0200-0000-${seconds}0000"`;
}

/** DCS inlet id: 64 lowercase hex characters. */
export const inletId = (): string => randomBytes(32).toString('hex');

/** Catalog dataset id: 24 hex characters. */
export const datasetId = (): string => randomBytes(12).toString('hex');

/** Data Prep mapping set (and mapping) id: 32 hex characters, no dashes. */
export const mappingSetId = (): string => randomBytes(16).toString('hex');

/** IMS access token: opaque, unguessable. */
export const accessToken = (): string => randomBytes(48).toString('base64url');

/** Request id echoed in error reports. */
export const requestId = (): string => randomBytes(16).toString('hex');

let xactionSeq = 0;
/** DCS transaction id shaped like `1584479347507:2153:240`. */
export function xactionId(receivedTimeMs: number): string {
  xactionSeq = (xactionSeq + 1) % 1_000_000;
  return `${receivedTimeMs}:${process.pid % 10000}:${xactionSeq}`;
}
