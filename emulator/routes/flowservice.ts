/**
 * Flow Service (`/data/foundation/flowservice`): base, source and target connections and flows.
 * Create → 201 `{id, etag}`; GET by id → `{items:[doc]}`; list with `property` filters, `limit`,
 * `orderby`, `continuationToken`, `count`; PATCH (JSON Patch + If-Match) → 200 `{id, etag}`;
 * DELETE → 204; `POST /flows/{id}/action?op=enable|disable`. Errors use the FLOW problem shape.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { flowError, flowNotFound, type FLOW_TYPE_NAMES } from '../errors/flow';
import { FLOW_BASE } from '../errors/http-error';
import {
  FilterSyntaxError,
  parsePropertyFilter,
  matchesAll,
  resolvePath,
  type PropertyFilter,
} from '../filter';
import {
  createConnection,
  createFlow,
  createSourceConnection,
  createTargetConnection,
  DATA_LAKE_TARGET_SPEC,
  datasetOfFlow,
  FLOW_SPEC_MAPPING,
  FLOW_SPEC_NO_MAPPING,
  flowsUsingBaseConnection,
  HTTP_API_CONNECTION_SPEC,
  inheritedAttributes,
  newEtagFor,
  schemaIdOfDataset,
} from '../flow-model';
import { applyPatch, PatchError, type PatchOp } from '../json-patch';
import { runsOf } from '../runs';
import { CONNECTION_SPECS, FLOW_SPECS } from '../specs';
import type { Doc, Scope } from '../state';
import { type BodyIssue, isEmptyBody, parseBody, queryList } from '../validation';

type FlowKind = keyof typeof FLOW_TYPE_NAMES;

const KIND_BY_SEGMENT: Record<string, FlowKind> = {
  connections: 'connection',
  sourceConnections: 'sourceConnection',
  targetConnections: 'targetConnection',
  flows: 'flow',
};

const MAX_LIMIT = 1000;
const LIST_PARAMS = new Set(['property', 'limit', 'orderby', 'continuationToken', 'count']);

const specRef = z.looseObject({ id: z.string().min(1), version: z.string().optional() });
const connectionBody = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  connectionSpec: specRef,
  auth: z.looseObject({
    specName: z.string().optional(),
    params: z.looseObject({
      dataType: z.string().optional(),
      authenticationRequired: z.boolean().optional(),
      sourceId: z.string().optional(),
      name: z.string().optional(),
    }),
  }),
});
const sourceConnectionBody = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  baseConnectionId: z.string().min(1),
  connectionSpec: specRef,
  data: z.record(z.string(), z.unknown()).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});
const targetConnectionBody = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  connectionSpec: specRef,
  data: z.record(z.string(), z.unknown()).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});
const transformation = z.looseObject({
  name: z.string(),
  params: z
    .looseObject({
      mappingId: z.string().optional(),
      mappingVersion: z.union([z.number(), z.string()]).optional(),
    })
    .optional(),
});
const flowBody = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  flowSpec: specRef,
  sourceConnectionIds: z.array(z.string()),
  targetConnectionIds: z.array(z.string()),
  transformations: z.array(transformation).optional(),
  scheduleParams: z.unknown().optional(),
});
const patchOp = z.looseObject({ op: z.string(), path: z.string(), value: z.unknown().optional() });

function bodyError(issue: BodyIssue) {
  return issue.missing
    ? flowError(
        '1304-400',
        `The mandatory field ${issue.path} is not provided. Please provide the ${issue.path} and try again.`,
      )
    : flowError('1000-400', `The request is invalid: ${issue.path}: ${issue.message}`);
}

const emptyBody = () =>
  flowError(
    '1405-400',
    'The request body cannot be null or empty. Please provide a request body and try again.',
  );

const invalidSpec = (id: string) =>
  flowError(
    '1413-400',
    `The spec ID ${id} provided is invalid. Please provide a valid spec ID and try again.`,
  );

const badRequest = (detail: string) =>
  flowError('1100-400', `The request could not be processed. ${detail}`);

function scopeOf(req: FastifyRequest): Scope {
  const scope = req.emu.scope;
  if (!scope) throw new Error('gateway did not resolve a scope');
  return scope;
}

function getDoc(scope: Scope, kind: FlowKind, id: string): Doc {
  const doc = scope.maps[kind].get(id);
  if (!doc) throw flowNotFound(kind, id);
  return doc;
}

const stripQuotes = (v: string) =>
  v
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');

// ---- create -----------------------------------------------------------------------------------

function createOf(ctx: EmulatorContext, scope: Scope, kind: FlowKind, body: unknown): Doc {
  if (isEmptyBody(body) || Array.isArray(body)) throw emptyBody();
  switch (kind) {
    case 'connection': {
      const input = parseBody(connectionBody, body, bodyError);
      if (input.connectionSpec.id !== HTTP_API_CONNECTION_SPEC)
        throw invalidSpec(input.connectionSpec.id);
      const dataType = input.auth.params.dataType;
      if (dataType !== undefined && dataType !== 'xdm' && dataType !== 'raw') {
        throw flowError(
          '1312-400',
          `The provided param value ${dataType} is not a valid input for property=dataType. Please provide a valid param value and try again.`,
        );
      }
      return createConnection(ctx, scope, input);
    }
    case 'sourceConnection': {
      const input = parseBody(sourceConnectionBody, body, bodyError);
      if (input.connectionSpec.id !== HTTP_API_CONNECTION_SPEC)
        throw invalidSpec(input.connectionSpec.id);
      const base = scope.maps.connection.get(input.baseConnectionId);
      if (!base) throw badRequest(`Base connection ${input.baseConnectionId} does not exist.`);
      return createSourceConnection(ctx, scope, input, base);
    }
    case 'targetConnection': {
      const input = parseBody(targetConnectionBody, body, bodyError);
      if (input.connectionSpec.id !== DATA_LAKE_TARGET_SPEC) {
        throw flowError(
          '1307-400',
          `The target connection spec ID is not valid=${input.connectionSpec.id}. The allowed value is: ${DATA_LAKE_TARGET_SPEC}.`,
        );
      }
      const dataSetId = input.params?.dataSetId;
      if (typeof dataSetId !== 'string' || dataSetId.trim() === '') {
        throw flowError(
          '1325-400',
          `The dataSetId param cannot be null or empty in target connection: ${input.name}. Please provide valid dataSetId param and try again.`,
        );
      }
      if (!scope.maps.dataset.has(dataSetId))
        throw badRequest(`Dataset ${dataSetId} does not exist.`);
      return createTargetConnection(ctx, scope, {
        ...input,
        params: { ...input.params, dataSetId },
      });
    }
    case 'flow': {
      if (Object.hasOwn(body as object, 'state')) {
        throw flowError('1410-400', 'State is not allowed in the create flow request.');
      }
      const input = parseBody(flowBody, body, bodyError);
      validateFlow(scope, input);
      return createFlow(ctx, scope, input);
    }
  }
}

/** Cross-resource checks of a flow, on create and again after a PATCH. */
function validateFlow(scope: Scope, input: z.infer<typeof flowBody>): void {
  const spec = input.flowSpec.id;
  if (spec !== FLOW_SPEC_NO_MAPPING && spec !== FLOW_SPEC_MAPPING) throw invalidSpec(spec);
  for (const [field, ids] of [
    ['sourceConnectionIds', input.sourceConnectionIds],
    ['targetConnectionIds', input.targetConnectionIds],
  ] as const) {
    if (ids.length === 0) {
      throw flowError(
        '1320-400',
        `The ${field} cannot be null or empty. Please provide valid ${field} and try again.`,
      );
    }
    if (ids.length !== 1) {
      throw flowError(
        '1321-400',
        `The length of ${field} should be one, supplied size is ${ids.length}.`,
      );
    }
  }
  const [sourceId = '', targetId = ''] = [
    input.sourceConnectionIds[0],
    input.targetConnectionIds[0],
  ];
  const source = scope.maps.sourceConnection.get(sourceId);
  if (!source) throw badRequest(`Source connection ${sourceId} does not exist.`);
  const target = scope.maps.targetConnection.get(targetId);
  if (!target) throw badRequest(`Target connection ${targetId} does not exist.`);

  const transformations = input.transformations ?? [];
  const mapping = transformations.find((t) => t.name === 'Mapping');
  if (spec === FLOW_SPEC_NO_MAPPING) {
    if (mapping) {
      throw badRequest(
        `Flow spec ${FLOW_SPEC_NO_MAPPING} does not take a Mapping transformation; use ${FLOW_SPEC_MAPPING}.`,
      );
    }
    return;
  }
  const mappingId = mapping?.params?.mappingId;
  if (!mapping || !mappingId) {
    throw flowError(
      '1328-400',
      'The mapping transformation cannot be null when extracting mappingId. Please provide valid mapping transformation (name "Mapping") and try again.',
    );
  }
  const rawVersion = mapping.params?.mappingVersion;
  const set = scope.maps.mappingSet.get(mappingId);
  if (!set) {
    throw flowError(
      '1419-400',
      `Error while validating mapping with id ${mappingId}, version ${String(rawVersion ?? 0)}. The mapping set does not exist.`,
    );
  }
  const current = Number(set.body.version ?? 0);
  const version = rawVersion === undefined ? current : Number(rawVersion);
  if (!Number.isInteger(version) || version < 0 || version > current) {
    throw flowError(
      '1412-400',
      'Invalid Mapping Version in request. Please provide correct mapping version.',
    );
  }
  const dataset = datasetOfFlow(scope, {
    id: '',
    seq: 0,
    body: { targetConnectionIds: [targetId] },
  });
  const datasetSchema = dataset ? schemaIdOfDataset(dataset) : undefined;
  const mappingSchema = (set.body.outputSchema as { schemaRef?: { id?: string } } | undefined)
    ?.schemaRef?.id;
  if (datasetSchema !== mappingSchema) {
    throw flowError(
      '1425-400',
      `Error while matching schema in target dataset ${dataset?.id ?? '?'} with schema in mapping ${mappingId}. Schema with same id and version must be used in both mapping and target dataset.`,
    );
  }
}

// ---- list -------------------------------------------------------------------------------------

interface SortSpec {
  field: string | null;
  dir: 1 | -1;
}

type SortValue = string | number | null;
interface Cursor {
  v: SortValue;
  s: number;
}

/** The parameters that shape a list: what a continuation token carries on to the next page. */
interface ListQuery {
  property: string[];
  limit?: string;
  orderby?: string;
}

/** A continuation token: where the page ended (`v`, `s`) and the query it continues (`q`). */
interface Token extends Cursor {
  q: ListQuery;
}

function parseOrderBy(raw: string | undefined): SortSpec {
  if (raw === undefined) return { field: null, dir: 1 };
  // An unencoded `+` arrives as a space.
  const m = /^([+\- ]?)([A-Za-z][A-Za-z0-9_.]*)$/.exec(raw);
  if (!m) {
    throw flowError(
      '1432-400',
      'Sort order specified is not correct, prepend + for ascending order and - for descending order in the fieldName.',
    );
  }
  return { field: m[2] ?? 'name', dir: m[1] === '-' ? -1 : 1 };
}

function sortValue(doc: Doc, field: string | null): SortValue {
  if (field === null) return null;
  const v = resolvePath(
    doc.body,
    field.split('.').map((key) => ({ key, each: false })),
  )[0];
  return typeof v === 'string' || typeof v === 'number' ? v : null;
}

function compareKeys(a: Cursor, b: Cursor, dir: 1 | -1): number {
  if (a.v !== b.v) {
    if (a.v === null) return 1;
    if (b.v === null) return -1;
    const d =
      typeof a.v === 'number' && typeof b.v === 'number'
        ? a.v - b.v
        : String(a.v) < String(b.v)
          ? -1
          : 1;
    if (d !== 0) return d * dir;
  }
  return a.s - b.s;
}

const encodeToken = (t: Token) => Buffer.from(JSON.stringify(t)).toString('base64url');

const tokenSchema = z.object({
  v: z.union([z.string(), z.number(), z.null()]),
  s: z.number(),
  q: z.object({
    property: z.array(z.string()),
    limit: z.string().optional(),
    orderby: z.string().optional(),
  }),
});

function decodeToken(token: string): Token {
  try {
    const t = tokenSchema.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    if (t.success) return t.data;
  } catch {
    // fall through
  }
  throw flowError('1000-400', `The request is invalid: continuationToken ${token} is not valid.`);
}

const asList = queryList;

/**
 * One page of a Flow Service list. `docs` are what the caller may see (resources past their
 * `listLag`, static specs, runs). The body always carries `_links` (`{}` on the last page);
 * `_links.next.href` is `/{segment}?continuationToken=<token>` alone, as in Adobe's examples: the
 * token carries the query (`property`, `limit`, `orderby`) it continues, so the link re-sent as
 * it is pages on, and parameters sent along with a token are not read.
 */
function list(
  ctx: EmulatorContext,
  req: FastifyRequest,
  docs: Iterable<Doc>,
  segment: string,
): Record<string, unknown> {
  const params = req.query as Record<string, unknown>;
  for (const key of Object.keys(params)) {
    if (!LIST_PARAMS.has(key)) {
      throw flowError('1451-400', `Invalid params ${key} provided in query params.`);
    }
  }
  const tokenRaw = asList(params.continuationToken)[0];
  const token = tokenRaw === undefined || tokenRaw === '' ? undefined : decodeToken(tokenRaw);
  const query: ListQuery = token?.q ?? {
    property: asList(params.property),
    limit: asList(params.limit)[0],
    orderby: asList(params.orderby)[0],
  };
  let filters: PropertyFilter[];
  try {
    filters = query.property.map((p) => parsePropertyFilter(p, ctx.filterMode));
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw flowError(err.code, err.message);
    throw err;
  }
  const count = asList(params.count)[0] === 'true';
  if (count && query.limit !== undefined) {
    throw flowError(
      '1401-400',
      'The limit and count parameters cannot be given together in the same request. Please provide either only the limit or the count parameter and try again.',
    );
  }
  let limit = ctx.opts.defaultPageSize;
  if (query.limit !== undefined) {
    const n = Number(query.limit);
    if (!/^\d+$/.test(query.limit) || n < 1) {
      throw flowError('1452-400', `Invalid value ${query.limit} for field limit.`);
    }
    limit = Math.min(n, MAX_LIMIT);
  }
  const sort = parseOrderBy(query.orderby);

  const matched: Doc[] = [];
  for (const doc of docs) if (matchesAll(filters, doc.body)) matched.push(doc);
  if (count) return { count: matched.length };

  const keyed = matched.map((doc) => ({ doc, key: { v: sortValue(doc, sort.field), s: doc.seq } }));
  keyed.sort((a, b) => compareKeys(a.key, b.key, sort.dir));
  let start = 0;
  if (token) {
    start = keyed.findIndex((k) => compareKeys(k.key, token, sort.dir) > 0);
    if (start < 0) start = keyed.length;
  }
  const page = keyed.slice(start, start + limit);
  const links: Record<string, unknown> = {};
  const result: Record<string, unknown> = { items: page.map((k) => k.doc.body), _links: links };
  const last = page[page.length - 1];
  if (last && start + limit < keyed.length) {
    const next = encodeToken({ ...last.key, q: query });
    links.next = { href: `/${segment}?continuationToken=${next}` };
  }
  return result;
}

// ---- patch / delete / action -------------------------------------------------------------------

const READ_ONLY = new Set([
  'id',
  'createdAt',
  'updatedAt',
  'createdBy',
  'updatedBy',
  'createdClient',
  'updatedClient',
  'sandboxId',
  'sandboxName',
  'imsOrgId',
  'etag',
  'version',
  'state',
  'inheritedAttributes',
  'runs',
  'lastOperation',
  'baseConnectionId',
]);
const READ_ONLY_PARAMS = new Set(['inletId', 'inletUrl']);

function checkPatchPath(path: string): void {
  const parts = path.split('/');
  const top = parts[1] ?? '';
  if (top === 'connectionSpec' || top === 'flowSpec') {
    throw flowError('1414-400', 'The connection spec of a connection cannot be updated.');
  }
  if (READ_ONLY.has(top) || (top === 'auth' && READ_ONLY_PARAMS.has(parts[3] ?? ''))) {
    throw flowError(
      '1365-400',
      `The path ${path} provided in ops is invalid. Please provide valid path ${path} and try again.`,
    );
  }
}

function patch(ctx: EmulatorContext, req: FastifyRequest, kind: FlowKind, id: string) {
  const scope = scopeOf(req);
  const doc = getDoc(scope, kind, id);
  const ifMatch = req.headers['if-match'];
  if (ifMatch === undefined || ifMatch === '') {
    throw flowError(
      '1403-400',
      "The header 'If-Match' is missing in the request. Please provide the header and try again.",
    );
  }
  const body = req.body;
  if (isEmptyBody(body) || (Array.isArray(body) && body.length === 0)) throw emptyBody();
  const current = stripQuotes(String(doc.body.etag));
  if (stripQuotes(ifMatch) !== current) {
    throw flowError(
      '1404-412',
      `The supplied version '${ifMatch}' does not match the current version on entity '${current}'. Please ensure that the supplied version matches the current version on entity and try again.`,
    );
  }
  const ops = parseBody(z.union([z.array(patchOp), patchOp]), body, bodyError);
  const list: PatchOp[] = Array.isArray(ops) ? ops : [ops];
  let next: Record<string, unknown>;
  try {
    for (const op of list) checkPatchPath(op.path);
    next = applyPatch(doc.body, list);
  } catch (err) {
    if (err instanceof PatchError) throw flowError(err.code, err.message);
    throw err;
  }
  if (typeof next.name !== 'string' || next.name === '') {
    throw flowError('1000-400', 'The request is invalid: name must be a non-empty string.');
  }
  if (kind === 'flow') {
    const input = parseBody(flowBody, next, bodyError);
    validateFlow(scope, input);
    next.inheritedAttributes = inheritedAttributes(scope, input);
  }
  const now = Date.now();
  doc.body = {
    ...next,
    updatedAt: now,
    updatedBy: doc.body.createdBy,
    updatedClient: ctx.opts.clientId,
  };
  const tag = newEtagFor(doc, now);
  return { id, etag: tag };
}

function remove(ctx: EmulatorContext, req: FastifyRequest, kind: FlowKind, id: string): void {
  const scope = scopeOf(req);
  const doc = getDoc(scope, kind, id);
  if (kind === 'connection') {
    const flows = flowsUsingBaseConnection(scope, id);
    if (flows.length > 0) {
      throw flowError(
        '1418-400',
        `The base connection with the ID ${id} cannot be deleted because the base connection is being used in one or more flows. Please ensure that corresponding flows are deleted before deleting a base connection.`,
        { flows },
      );
    }
    const inlet = (doc.body.auth as { params?: { inletId?: string } } | undefined)?.params?.inletId;
    if (inlet) ctx.state.inlets.delete(inlet);
  }
  scope.remove(kind, id, req.emu.listLagMs);
  ctx.stats.deleted(kind);
}

function action(ctx: EmulatorContext, req: FastifyRequest, id: string) {
  const scope = scopeOf(req);
  const doc = getDoc(scope, 'flow', id);
  const op = asList((req.query as Record<string, unknown>).op)[0];
  const target =
    op?.toLowerCase() === 'enable'
      ? 'enabled'
      : op?.toLowerCase() === 'disable'
        ? 'disabled'
        : null;
  if (target === null) {
    throw flowError(
      '1434-400',
      `Unsupported operation '${op ?? ''}' received. Please use one of the supported operation types and try again.`,
    );
  }
  // Enabling an enabled flow (or disabling a disabled one) is a no-op answered 200: the state
  // is what the caller asked for, and retries of the action stay harmless.
  if (doc.body.state === target) return { id, etag: doc.body.etag };
  const now = Date.now();
  doc.body.state = target;
  doc.body.updatedAt = now;
  doc.body.lastOperation = {
    started: now,
    updated: now,
    operation: op?.toLowerCase(),
    percentCompleted: 100,
    status: { value: 'completed', errors: [] },
  };
  return { id, etag: newEtagFor(doc, now) };
}

// ---- inlet readiness (option inletReadyAfterMs) -----------------------------------------------

function inletPending(ctx: EmulatorContext, doc: { body: Record<string, unknown> }): boolean {
  const createdAt = typeof doc.body.createdAt === 'number' ? doc.body.createdAt : 0;
  return ctx.opts.inletReadyAfterMs > 0 && Date.now() - createdAt < ctx.opts.inletReadyAfterMs;
}

function withoutInlet(body: Record<string, unknown>): Record<string, unknown> {
  const auth = body.auth as { params?: Record<string, unknown> } | undefined;
  const params = { ...auth?.params };
  delete params.inletUrl;
  delete params.inletId;
  return { ...body, auth: { ...auth, params } };
}

// ---- registration -----------------------------------------------------------------------------

const sendJson = (reply: FastifyReply, status: number, json: string) =>
  reply.code(status).header('content-type', 'application/json; charset=utf-8').send(json);

export function registerFlowService(app: FastifyInstance, ctx: EmulatorContext): void {
  for (const [segment, kind] of Object.entries(KIND_BY_SEGMENT)) {
    const base = `${FLOW_BASE}/${segment}`;
    app.post(base, async (req, reply) => {
      const doc = createOf(ctx, scopeOf(req), kind, req.body);
      if (req.emu.listLagMs > 0) doc.listVisibleAt = Date.now() + req.emu.listLagMs;
      ctx.stats.created(kind);
      return reply.code(201).send({ id: doc.id, etag: doc.body.etag });
    });
    app.get(base, async (req) => list(ctx, req, scopeOf(req).listable(kind), segment));
    app.get<{ Params: { id: string } }>(`${base}/:id`, async (req, reply) => {
      const doc = getDoc(scopeOf(req), kind, req.params.id);
      if (kind === 'connection' && inletPending(ctx, doc)) {
        return sendJson(reply, 200, JSON.stringify({ items: [withoutInlet(doc.body)] }));
      }
      doc.itemsJson ??= JSON.stringify({ items: [doc.body] });
      return sendJson(reply, 200, doc.itemsJson);
    });
    app.patch<{ Params: { id: string } }>(`${base}/:id`, async (req) =>
      patch(ctx, req, kind, req.params.id),
    );
    app.delete<{ Params: { id: string } }>(`${base}/:id`, async (req, reply) => {
      remove(ctx, req, kind, req.params.id);
      return reply.code(204).send();
    });
  }
  app.post<{ Params: { id: string } }>(`${FLOW_BASE}/flows/:id/action`, async (req) =>
    action(ctx, req, req.params.id),
  );

  // Specs: reference data shared by every org and sandbox; `{items:[…]}` like the other lists.
  for (const [segment, specs, type] of [
    ['connectionSpecs', CONNECTION_SPEC_DOCS, 'connectionSpecs'],
    ['flowSpecs', FLOW_SPEC_DOCS, 'flowSpecs'],
  ] as const) {
    app.get(`${FLOW_BASE}/${segment}`, async (req) => list(ctx, req, specs, segment));
    app.get<{ Params: { id: string } }>(`${FLOW_BASE}/${segment}/:id`, async (req) => {
      const doc = specs.find((d) => d.id === req.params.id);
      if (!doc) throw specNotFound(type, req.params.id);
      return { items: [doc.body] };
    });
  }

  // Runs: built from the records the flows' inlets accepted (runs.ts).
  app.get(`${FLOW_BASE}/runs`, async (req) => list(ctx, req, runsOf(ctx, scopeOf(req)), 'runs'));
  app.get<{ Params: { id: string } }>(`${FLOW_BASE}/runs/:id`, async (req) => {
    const run = runsOf(ctx, scopeOf(req)).find((d) => d.id === req.params.id);
    if (!run) throw specNotFound('runs', req.params.id);
    return { items: [run.body] };
  });
}

const asDocs = (specs: readonly Record<string, unknown>[]): Doc[] =>
  specs.map((body, i) => ({ id: String(body.id), seq: i + 1, body }));
const CONNECTION_SPEC_DOCS = asDocs(CONNECTION_SPECS);
const FLOW_SPEC_DOCS = asDocs(FLOW_SPECS);

const specNotFound = (type: string, id: string) =>
  flowError(
    '1101-404',
    `The requested ${type} resource ${id} is not found. Verify the resource ID before trying again.`,
    { id, type },
  );
