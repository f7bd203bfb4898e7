/**
 * Types shared by the emulator server and its control client. This module has no runtime code so
 * that tools in other processes (chaos, benchmarks) can import the control client cheaply.
 */

/** Every kind of resource the emulator stores; `schema` is reference data shared by all sandboxes. */
export type ResourceKind =
  | 'connection'
  | 'sourceConnection'
  | 'targetConnection'
  | 'flow'
  | 'dataset'
  | 'mappingSet'
  | 'schema';

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  'connection',
  'sourceConnection',
  'targetConnection',
  'flow',
  'dataset',
  'mappingSet',
  'schema',
];

/** One stored resource as the control API reports it; `body` is what a GET on the service returns. */
export interface StoredResource {
  kind: ResourceKind;
  sandbox: string;
  id: string;
  name?: string;
  description?: string;
  body: Record<string, unknown>;
}

export type FaultAction =
  /** Answer this status instead of calling the service; 429 always carries Retry-After. */
  | { type: 'status'; status: number; retryAfterSeconds?: number; body?: unknown }
  /** Delay the request, then let it (and any other matching rule) proceed. */
  | { type: 'latency'; ms: number }
  /** Perform the request for real, then answer 500 or destroy the socket. */
  | { type: 'commitThenFail'; mode: 'status500' | 'drop' }
  /** Destroy the socket without doing anything. */
  | { type: 'drop' }
  /**
   * The write commits only after `ms` and only then answers: a caller that gives up (timeout,
   * abort) still gets the resource created, late, and may retry into a duplicate.
   */
  | { type: 'slowCommit'; ms: number }
  /**
   * The request proceeds normally, but a resource it creates (or deletes) appears in (or leaves)
   * lists and `property`/`name` filters only `ms` later. GET by id is immediately consistent.
   */
  | { type: 'listLag'; ms: number }
  /** Performs the request, then answers the gateway's 504 `{error_code, message}` (or `body`). */
  | { type: 'commitThen504'; body?: unknown };

export interface FaultRule {
  /** HTTP method, case-insensitive; absent = any. */
  method?: string;
  /**
   * Request path without query string. Glob: `*` matches within one segment, `**` any number of
   * segments. A pattern written as `/…/` is a regex. Absent = any path (give `kind` then).
   */
  path?: string;
  /**
   * Only requests on this kind of resource (its collection, an item, or a flow action), e.g.
   * `flow` = `/data/foundation/flowservice/flows[/…]`. Combines with `path` (both must match).
   */
  kind?: Exclude<ResourceKind, 'schema'>;
  /** 0..1, default 1. Draws come from the emulator's seeded PRNG. */
  probability?: number;
  /** Fire at most this many times. */
  count?: number;
  /** Only requests in this sandbox (x-sandbox-name, or the inlet's sandbox for DCS calls). */
  sandbox?: string;
  action: FaultAction;
}

export interface FaultRuleState extends FaultRule {
  id: string;
  /** How many times the rule has fired so far. */
  fired: number;
}

/**
 * How list filters read values (switchable at run time, see docs/emulator.md).
 * - `quoting`: `'literal'` (default) — a value in double quotes is ONE literal, quotes stripped,
 *   commas kept; unquoted values split on commas ("any of"). `'raw'` — quotes are part of the
 *   value and every value splits on commas. `'strict'` — as `'literal'`, but an unquoted Flow
 *   Service value containing a space (after URL decoding) is refused with `1453-400`.
 * - `nameMatch`: `'exact'` (default) or `'caseInsensitive'` — how `name` filters compare
 *   (Flow Service `property=name==…`, Catalog `name=` and `property=name==…`, Data Prep `name=`).
 */
export interface FilterMode {
  quoting: 'literal' | 'raw' | 'strict';
  nameMatch: 'exact' | 'caseInsensitive';
}

/** A route the emulator serves, as fastify registered it (`/…/:id`). */
export interface RouteInfo {
  method: string;
  url: string;
}

export interface EmulatorStats {
  /** Keyed by `"METHOD /route/template"`; control-API calls are not counted. */
  requests: Record<string, number>;
  creates: Record<ResourceKind, number>;
  deletes: Record<ResourceKind, number>;
  total: number;
}

/**
 * Per org (`x-gw-ims-org-id`; `(none)` without one): its Platform requests since the last reset
 * (IMS and inlet requests are not Platform calls) and the most that arrived within any 1 s, with
 * when that window ended.
 */
export type EmulatorRate = Record<
  string,
  { requests: number; maxPerSecond: number; busiestAt: string }
>;

/** A record accepted by a DCS inlet. */
export interface InletRecord {
  inletId: string;
  flowId: string;
  sandbox: string;
  connectionId: string;
  dataType: 'xdm' | 'raw';
  xactionId: string;
  batchId?: string;
  receivedTimeMs: number;
  /** Whether `syncValidation=true` checked (and passed) the record. */
  validated: boolean;
  /**
   * Why the record fails ingestion although the inlet accepted it (XDM sent without
   * `syncValidation`, invalid against the dataset's schema); absent when it is ingested.
   */
  failure?: string;
  message: unknown;
}

/** A JSON-schema-like field description, as far as streaming validation needs it. */
export interface XdmField {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';
  title?: string;
  description?: string;
  properties?: Record<string, XdmField>;
  required?: string[];
  additionalProperties?: boolean;
  items?: XdmField;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  [extension: string]: unknown;
}

/** An XDM schema as the Schema Registry serves it (resolved form: properties inline). */
export interface XdmSchema extends XdmField {
  $id: string;
  'meta:altId': string;
  title: string;
  type: 'object';
  /** `tenant` (custom, served under /tenant) or `global` (Adobe-defined, under /global). */
  'meta:containerId'?: 'tenant' | 'global';
}

export interface SeedResult {
  sandbox: string;
  created: Partial<Record<ResourceKind, number>>;
}
