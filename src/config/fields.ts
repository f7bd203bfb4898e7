import { inspect } from 'node:util';
import { z } from 'zod';

/** The field builders every piece of the configuration schema is made of. */

export const url = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .pipe(z.url({ protocol: /^https?$/, error: `${what} must be an http(s) URL` }))
    .transform((u) => u.replace(/\/+$/, ''));

/** Loopback hosts: what is sent to them never leaves the machine. */
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * An http(s) URL that carries credentials (a client secret, access tokens): https, or plain http
 * to a loopback host only (the emulator, 127.0.0.1).
 */
export const secureUrl = (what: string) =>
  url(what).refine((u) => u.startsWith('https:') || LOOPBACK_HOST.test(new URL(u).hostname), {
    error: `${what} must be an https URL (plain http only to a loopback host such as 127.0.0.1): it carries the client secret and access tokens`,
  });

/** A whole number, with every message naming the variable. */
export const wholeNumber = (what: string) =>
  z.coerce.number({ error: `${what} must be a number` }).int(`${what} must be a whole number`);

export const positiveInt = (what: string) => wholeNumber(what).positive(`${what} must be positive`);

export const atLeast = (what: string, min: number) =>
  wholeNumber(what).min(
    min,
    min > 0 ? `${what} must be at least ${min}` : `${what} must not be negative`,
  );

export const filePath = (what: string) => z.string().trim().min(1, `${what} is empty`).optional();

export const flag = (what: string) =>
  z
    .enum(['true', 'false', '1', '0'], { error: `${what} must be true or false` })
    .transform((v) => v === 'true' || v === '1');

export const ipAddress = (what: string) =>
  z.union([z.ipv4(), z.ipv6()], `${what} must be an IP address`);

function reported<R extends { problems: string[] }>(parsed: R, ctx: z.RefinementCtx): R {
  for (const message of parsed.problems) ctx.addIssue({ code: 'custom', message });
  return parsed;
}

/**
 * A list variable read by its own parser: the parser's problems are reported with every other
 * problem of the configuration, and `key` of its answer is the value.
 */
export const parsedBy = <R extends { problems: string[] }, K extends keyof R>(
  parse: (raw: string) => R,
  key: K,
) =>
  z
    .string()
    .trim()
    .transform((raw, ctx): R[K] => reported(parse(raw), ctx)[key]);

/** A file of entries read as the configuration parses, its problems reported with the rest. */
export const entriesFile = <E>(read: (path: string) => { entries: E[]; problems: string[] }) =>
  z
    .string()
    .trim()
    .min(1)
    .transform((path, ctx) => ({ path, entries: reported(read(path), ctx).entries }))
    .optional();

/** The mask `.pick()` takes for every key of `fields`. */
export function keysOf<T extends object>(fields: T): { [K in keyof T]: true } {
  return Object.fromEntries(Object.keys(fields).map((k) => [k, true])) as { [K in keyof T]: true };
}

/**
 * A secret the process must send somewhere: `reveal()` is the one way to its value. Printed in
 * any way (JSON.stringify, util.inspect, a log line, a template string) it is `[redacted]`.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

export const secret = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .min(1, `${what} is empty`)
    .transform((v) => new Secret(v));
