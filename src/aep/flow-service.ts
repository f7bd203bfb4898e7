/** Flow Service: connections, flows and runs share one implementation (`resources`). */
import { type z } from 'zod';
import { unexpectedResponse } from './errors';
import { MAX_PAGES, collection, type AepHttp } from './http';
import {
  baseConnectionSchema,
  createdSchema,
  flowRunSchema,
  flowSchema,
  listPageSchema,
  sourceConnectionSchema,
  targetConnectionSchema,
} from './schemas';
import type * as T from './schemas';

const FLOW_SERVICE_PATH = 'data/foundation/flowservice';

export function flowServiceApi(http: AepHttp) {
  const connections = resources<T.CreateBaseConnectionBody>()(
    http,
    'Connection',
    baseConnectionSchema,
  );
  const sources = resources<T.CreateSourceConnectionBody>()(
    http,
    'SourceConnection',
    sourceConnectionSchema,
  );
  const targets = resources<T.CreateTargetConnectionBody>()(
    http,
    'TargetConnection',
    targetConnectionSchema,
  );
  const flows = resources<T.CreateFlowBody>()(http, 'Flow', flowSchema);
  const runs = resources<never>()(http, 'Run', flowRunSchema);
  return {
    createConnection: connections.create,
    getConnection: connections.get,
    listConnections: connections.list,
    patchConnection: connections.patch,
    deleteConnection: connections.delete,
    createSourceConnection: sources.create,
    getSourceConnection: sources.get,
    listSourceConnections: sources.list,
    deleteSourceConnection: sources.delete,
    createTargetConnection: targets.create,
    getTargetConnection: targets.get,
    listTargetConnections: targets.list,
    deleteTargetConnection: targets.delete,
    createFlow: flows.create,
    getFlow: flows.get,
    listFlows: flows.list,
    patchFlow: flows.patch,
    deleteFlow: flows.delete,
    /** Flow runs (`/runs`), filtered like the other lists (`flowId`, `createdAt>=…`). */
    listRuns: runs.list,

    async flowAction(
      sandbox: string,
      id: string,
      action: 'enable' | 'disable',
      signal?: AbortSignal,
    ) {
      return http.send(createdSchema, {
        operation: `flowservice.${action}Flow`,
        resource: id,
        method: 'post',
        path: `${FLOW_SERVICE_PATH}/flows/${encodeURIComponent(id)}/action`,
        route: `${FLOW_SERVICE_PATH}/flows/{id}/action`,
        searchParams: new URLSearchParams({ op: action }),
        sandbox,
        signal,
      });
    },
  };
}

/** The calls on kind `label` (collection `/connections` for `Connection`), creating `Body`s. */
const resources =
  <Body>() =>
  <Item>(http: AepHttp, label: string, item: z.ZodType<Item>) => {
    const kind = collection(
      'flowservice',
      `${FLOW_SERVICE_PATH}/${label[0]!.toLowerCase()}${label.slice(1)}s`,
    );
    const page = listPageSchema(item);
    return {
      create: async (sandbox: string, body: Body, signal?: AbortSignal) => {
        const call = kind.call(`create${label}`, sandbox, signal);
        return http.send(createdSchema, { ...call, method: 'post', json: body });
      },

      get: async (sandbox: string, id: string, signal?: AbortSignal): Promise<Item | null> => {
        const found = await http.getOne(page, kind.item(`get${label}`, id, sandbox, signal));
        return found?.items[0] ?? null;
      },

      /** Every page; `opts.limit` is only the page size asked of Platform. */
      list: async (
        sandbox: string,
        filters: T.PropertyFilter[],
        opts?: { limit?: number },
        signal?: AbortSignal,
      ): Promise<Item[]> => {
        const operation = `flowservice.list${label}s`;
        const first = new URLSearchParams();
        for (const f of filters) first.append('property', encodePropertyFilter(f));
        first.set('limit', String(opts?.limit ?? 100));

        const items: Item[] = [];
        const seen = new Set<string>();
        for (let next = { path: kind.path, params: first }; ;) {
          const key = `${next.path}?${next.params.toString()}`;
          if (seen.has(key) || seen.size >= MAX_PAGES) {
            throw unexpectedResponse(200, 'pagination does not terminate', { operation });
          }
          seen.add(key);
          const res = await http.platform({
            operation,
            method: 'get',
            path: next.path,
            route: kind.path,
            searchParams: next.params,
            sandbox,
            signal,
          });
          const body = http.parse(page, res, { operation });
          items.push(...body.items);
          const href = body._links?.next?.href;
          if (!href) return items;
          next = resolveNextPage(href, first);
        }
      },

      patch: async (
        sandbox: string,
        id: string,
        etag: string,
        ops: T.JsonPatchOp[],
        signal?: AbortSignal,
      ) => {
        const call = kind.item(`patch${label}`, id, sandbox, signal);
        const headers = { 'if-match': etag };
        return http.send(createdSchema, { ...call, method: 'patch', json: ops, headers });
      },

      delete: async (sandbox: string, id: string, signal?: AbortSignal) => {
        return http.deleteOne(kind.item(`delete${label}`, id, sandbox, signal));
      },
    };
  };

/**
 * `path op value` for one `property=` parameter (URLSearchParams does the URL encoding); an array
 * is any-of (comma-joined). Values go unquoted: Adobe's two filter readings differ on quotes and
 * commas (docs/emulator.md, "Filter readings"), and only a value without `,` and `"` reads the
 * same under both. Any other is a TypeError: callers leave that condition out and match on their
 * side (`nameFilter`).
 */
export function encodePropertyFilter(f: T.PropertyFilter): string {
  const op = f.op ?? '==';
  const values = Array.isArray(f.value) ? f.value : [f.value];
  if (values.length === 0) throw new TypeError(`property filter on ${f.path}: empty value list`);
  if (values.length > 1 && op !== '==' && op !== '!=') {
    throw new TypeError(`property filter on ${f.path}: ${op} does not take a list of values`);
  }
  if (!values.every(isFilterable)) {
    throw new TypeError(
      `property filter on ${f.path}: a value with a comma or a double quote, or an empty one, reads differently across filter readings`,
    );
  }
  return `${f.path}${op}${values.join(',')}`;
}

/** Whether `value` reads the same under every filter reading (see encodePropertyFilter). */
function isFilterable(value: string): boolean {
  return value !== '' && !/[,"]/.test(value) && value.trim() === value;
}

/**
 * The `name` condition of a lookup by name, empty when it would read differently across filter
 * readings. Callers still keep only exact matches: servers may also compare names ignoring case.
 */
export function nameFilter(name: string): T.PropertyFilter[] {
  return isFilterable(name) ? [{ path: 'name', value: name }] : [];
}

/**
 * The next page from `_links.next.href`: of an absolute href only path and query are used, so the
 * token never follows a link to another host; parameters it omits are carried over from the first.
 */
export function resolveNextPage(
  href: string,
  firstParams: URLSearchParams,
): { path: string; params: URLSearchParams } {
  const rel = href.startsWith('/') ? href : `/${href}`;
  const full = rel.startsWith(`/${FLOW_SERVICE_PATH}/`) ? rel : `/${FLOW_SERVICE_PATH}${rel}`;
  const url = new URL(/^https?:\/\//i.test(href) ? href : full, 'http://flowservice.invalid');
  const params = new URLSearchParams(url.search);
  for (const [k, v] of firstParams) if (!params.has(k)) params.append(k, v);
  return { path: url.pathname.replace(/^\/+/, ''), params };
}
