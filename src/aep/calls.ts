/**
 * The shapes of call every Platform API here shares, over the one HTTP core (http.ts): get one
 * resource (null when absent), send a body and parse the answer, a tolerant delete, and an
 * offset-paged list read to its end.
 */
import { type z } from 'zod';
import { MAX_PAGES, type AepHttp, type CallContext, type PlatformResponse } from './http';
import type { DeleteOutcome } from './types';

/** Catalog and Data Prep both cap a page at 100 items; offset-paged reads ask for full pages. */
export const OFFSET_PAGE_SIZE = 100;

/** What a call is about (for failures) and where it goes. */
export interface Call extends CallContext {
  /** Relative to AEP_PLATFORM_URL, without leading slash. */
  path: string;
  sandbox: string;
  signal?: AbortSignal | undefined;
  searchParams?: URLSearchParams;
  headers?: Record<string, string>;
}

/**
 * The resources of one collection under `path`, and the calls on them: each call is named
 * `<service>.<method>` (failures say which), and a call on one item is about its id.
 */
export function collection(service: string, path: string) {
  return {
    path,
    /** A call on the whole collection, about `resource` (a name) when given. */
    call: (method: string, sandbox: string, signal?: AbortSignal, resource?: string): Call => ({
      operation: `${service}.${method}`,
      resource,
      path,
      sandbox,
      signal,
    }),
    /** A call on item `id`. */
    item: (method: string, id: string, sandbox: string, signal?: AbortSignal): Call => ({
      operation: `${service}.${method}`,
      resource: id,
      path: `${path}/${encodeURIComponent(id)}`,
      sandbox,
      signal,
    }),
  };
}

function contextOf(call: Call): CallContext {
  return { operation: call.operation, resource: call.resource };
}

/** GET one resource, parsed by `schema`; null when absent (404: an unknown sandbox still fails). */
export async function getOne<T>(
  http: AepHttp,
  schema: z.ZodType<T>,
  call: Call,
): Promise<T | null> {
  const res = await http.platform({ ...call, method: 'get', allow: [404] });
  if (res.status === 404) return null;
  return http.parse(schema, res, contextOf(call));
}

/** POST, PUT or PATCH (with `json`, if any); the answer parsed by `schema`. */
export async function send<T>(
  http: AepHttp,
  schema: z.ZodType<T>,
  call: Call & { method: 'post' | 'put' | 'patch'; json?: unknown },
): Promise<T> {
  const res = await http.platform(call);
  return http.parse(schema, res, contextOf(call));
}

/** A tolerant DELETE: a 404, or an answer that `absent` says matched nothing, is `'absent'`. */
export async function deleteOne(
  http: AepHttp,
  call: Call,
  absent: (body: unknown) => boolean = () => false,
): Promise<DeleteOutcome> {
  const res = await http.platform({ ...call, method: 'delete', allow: [404] });
  return res.status === 404 || absent(res.body) ? 'absent' : 'deleted';
}

/**
 * Every item of an offset-paged list, each id once: pages from `start` 0 on, each asked for with
 * `query(start)` and read by `read` (its items, and whether it is the last), MAX_PAGES at most.
 */
export async function offsetPages<T extends { id: string }>(
  http: AepHttp,
  call: Call,
  query: (start: number) => URLSearchParams,
  read: (res: PlatformResponse) => { items: T[]; last: boolean },
): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0, pages = 0; pages < MAX_PAGES; pages++) {
    const page = read(await http.platform({ ...call, method: 'get', searchParams: query(start) }));
    out.push(...page.items);
    if (page.last) break;
    start += page.items.length;
  }
  return dedupeById(out);
}

function dedupeById<T extends { id: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(i.id) ? false : (seen.add(i.id), true)));
}
