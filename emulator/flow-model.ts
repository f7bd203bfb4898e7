/**
 * Flow Service resources as AEP stores them: the documents a GET returns (request fields plus the
 * server-added ones) and the relations between kinds (flow → source connection → base connection
 * → inlet; flow → target connection → dataset → schema). Shared by the routes and the bulk seeder.
 */
import type { EmulatorContext } from './context';
import {
  datasetId as newDatasetId,
  etag as newEtag,
  flowServiceId,
  inletId as newInletId,
} from './ids';
import type { Doc, Scope } from './state';
import type { XdmSchema } from './types';

export const HTTP_API_CONNECTION_SPEC = 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb';
export const DATA_LAKE_TARGET_SPEC = 'c604ff05-7f1a-43c0-8e18-33bf874cb11c';
export const FLOW_SPEC_NO_MAPPING = 'd8a6f005-7eaf-4153-983e-e8574508b877';
export const FLOW_SPEC_MAPPING = 'c1a19761-d2c7-4702-b9fa-fe91f0613e81';

export interface SpecRef {
  id: string;
  version?: string | undefined;
}

const specOf = (ref: SpecRef) => ({ id: ref.id, version: ref.version ?? '1.0' });

/** The technical account a server-to-server client acts as. */
export const actorOf = (ctx: EmulatorContext) => `${ctx.opts.clientId}@techacct.adobe.com`;

function audit(ctx: EmulatorContext, scope: Scope, id: string, now: number) {
  const actor = actorOf(ctx);
  return {
    id,
    createdAt: now,
    updatedAt: now,
    createdBy: actor,
    updatedBy: actor,
    createdClient: ctx.opts.clientId,
    updatedClient: ctx.opts.clientId,
    sandboxId: scope.sandboxId,
    sandboxName: scope.sandbox,
    imsOrgId: scope.orgId,
  };
}

const optionalDescription = (description: string | undefined) =>
  description === undefined ? {} : { description };

export interface ConnectionInput {
  name: string;
  description?: string | undefined;
  connectionSpec: SpecRef;
  auth: { specName?: string | undefined; params: Record<string, unknown> };
}

/** Creates a base connection and binds a fresh inlet to it (the inlet exists as soon as the connection does). */
export function createConnection(ctx: EmulatorContext, scope: Scope, input: ConnectionInput): Doc {
  const id = flowServiceId();
  const now = Date.now();
  const tag = newEtag(now);
  const inlet = newInletId();
  const p = input.auth.params;
  const body = {
    ...audit(ctx, scope, id, now),
    name: input.name,
    ...optionalDescription(input.description),
    connectionSpec: specOf(input.connectionSpec),
    state: 'enabled',
    auth: {
      specName: input.auth.specName ?? 'Streaming Connection',
      params: {
        ...p,
        sourceId: typeof p.sourceId === 'string' ? p.sourceId : input.name,
        inletUrl: `${ctx.url}/collection/${inlet}`,
        authenticationRequired: p.authenticationRequired === true,
        inletId: inlet,
        dataType: typeof p.dataType === 'string' ? p.dataType : 'xdm',
        name: typeof p.name === 'string' ? p.name : input.name,
      },
    },
    version: tag,
    etag: tag,
  };
  const doc: Doc = { id, seq: ctx.state.nextSeq(), body };
  scope.maps.connection.set(id, doc);
  ctx.state.inlets.set(inlet, { scope, connectionId: id });
  return doc;
}

export interface SourceConnectionInput {
  name: string;
  description?: string | undefined;
  baseConnectionId: string;
  connectionSpec: SpecRef;
  data?: Record<string, unknown> | undefined;
  params?: Record<string, unknown> | undefined;
}

export function createSourceConnection(
  ctx: EmulatorContext,
  scope: Scope,
  input: SourceConnectionInput,
  base: Doc,
): Doc {
  const id = flowServiceId();
  const now = Date.now();
  const tag = newEtag(now);
  const body = {
    ...audit(ctx, scope, id, now),
    name: input.name,
    ...optionalDescription(input.description),
    baseConnectionId: input.baseConnectionId,
    state: 'enabled',
    ...(input.data === undefined ? {} : { data: input.data }),
    params: input.params ?? {},
    connectionSpec: specOf(input.connectionSpec),
    version: tag,
    etag: tag,
    inheritedAttributes: {
      baseConnection: { id: base.id, connectionSpec: base.body.connectionSpec },
    },
  };
  const doc: Doc = { id, seq: ctx.state.nextSeq(), body };
  scope.maps.sourceConnection.set(id, doc);
  return doc;
}

export interface TargetConnectionInput {
  name: string;
  description?: string | undefined;
  connectionSpec: SpecRef;
  data?: Record<string, unknown> | undefined;
  params: Record<string, unknown> & { dataSetId: string };
}

export function createTargetConnection(
  ctx: EmulatorContext,
  scope: Scope,
  input: TargetConnectionInput,
): Doc {
  const id = flowServiceId();
  const now = Date.now();
  const tag = newEtag(now);
  const body = {
    ...audit(ctx, scope, id, now),
    name: input.name,
    ...optionalDescription(input.description),
    state: 'enabled',
    data: input.data ?? {},
    params: input.params,
    connectionSpec: specOf(input.connectionSpec),
    version: tag,
    etag: tag,
  };
  const doc: Doc = { id, seq: ctx.state.nextSeq(), body };
  scope.maps.targetConnection.set(id, doc);
  return doc;
}

export interface FlowInput {
  name: string;
  description?: string | undefined;
  flowSpec: SpecRef;
  sourceConnectionIds: string[];
  targetConnectionIds: string[];
  transformations?: unknown[] | undefined;
  scheduleParams?: unknown;
}

export function createFlow(ctx: EmulatorContext, scope: Scope, input: FlowInput): Doc {
  const id = flowServiceId();
  const now = Date.now();
  const tag = newEtag(now);
  const body = {
    ...audit(ctx, scope, id, now),
    name: input.name,
    ...optionalDescription(input.description),
    flowSpec: specOf(input.flowSpec),
    state: 'enabled',
    version: tag,
    etag: tag,
    sourceConnectionIds: input.sourceConnectionIds,
    targetConnectionIds: input.targetConnectionIds,
    inheritedAttributes: inheritedAttributes(scope, input),
    ...(input.scheduleParams === undefined ? {} : { scheduleParams: input.scheduleParams }),
    transformations: input.transformations ?? [],
    runs: `/runs?property=flowId==${id}`,
    lastOperation: {
      started: now,
      updated: now,
      operation: 'create',
      percentCompleted: 100,
      status: { value: 'completed', errors: [] },
    },
  };
  const doc: Doc = { id, seq: ctx.state.nextSeq(), body };
  scope.maps.flow.set(id, doc);
  return doc;
}

export function inheritedAttributes(
  scope: Scope,
  input: Pick<FlowInput, 'sourceConnectionIds' | 'targetConnectionIds'>,
) {
  return {
    // Adobe's flow examples carry `properties.isSourceFlow`; the filtering guide filters on it
    // and on `isDestinationFlow`, so both are present (a source flow is never a destination one).
    properties: { isSourceFlow: true, isDestinationFlow: false },
    sourceConnections: input.sourceConnectionIds.map((sid) => {
      const src = scope.maps.sourceConnection.get(sid)?.body;
      const baseId = src?.baseConnectionId;
      const base = typeof baseId === 'string' ? scope.maps.connection.get(baseId)?.body : undefined;
      return {
        id: sid,
        connectionSpec: src?.connectionSpec,
        baseConnection: { id: baseId, connectionSpec: base?.connectionSpec },
      };
    }),
    targetConnections: input.targetConnectionIds.map((tid) => ({
      id: tid,
      connectionSpec: scope.maps.targetConnection.get(tid)?.body.connectionSpec,
    })),
  };
}

const idsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** Flows whose source connections sit on this base connection (what blocks its deletion: 1418-400). */
export function flowsUsingBaseConnection(scope: Scope, connectionId: string): string[] {
  const out: string[] = [];
  for (const flow of scope.maps.flow.values()) {
    const uses = idsOf(flow.body.sourceConnectionIds).some(
      (sid) => scope.maps.sourceConnection.get(sid)?.body.baseConnectionId === connectionId,
    );
    if (uses) out.push(flow.id);
  }
  return out;
}

/** The dataset a flow writes to (first target connection's `params.dataSetId`). */
export function datasetOfFlow(scope: Scope, flow: Doc): Doc | undefined {
  const tid = idsOf(flow.body.targetConnectionIds)[0];
  const target = tid === undefined ? undefined : scope.maps.targetConnection.get(tid);
  const params = target?.body.params as { dataSetId?: unknown } | undefined;
  return typeof params?.dataSetId === 'string'
    ? scope.maps.dataset.get(params.dataSetId)
    : undefined;
}

export function schemaIdOfDataset(dataset: Doc): string | undefined {
  const ref = dataset.body.schemaRef as { id?: unknown } | undefined;
  return typeof ref?.id === 'string' ? ref.id : undefined;
}

export const newEtagFor = (doc: Doc, now = Date.now()): string => {
  const tag = newEtag(now);
  doc.body.etag = tag;
  doc.body.version = tag;
  doc.itemsJson = undefined;
  return tag;
};

/**
 * Query Service table name of a dataset: its name in lower case, every run of other characters
 * as `_` (Adobe's derivation is UNCONFIRMED; this is the shape seen in its examples).
 */
export function pqsTableName(name: string): string {
  const t = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return t === '' ? 'dataset' : t;
}

/** `classification.dataBehavior` from the schema's class: profile → record, event → time-series. */
function dataBehaviorOf(schema: XdmSchema | undefined): string {
  const cls = schema?.['meta:class'];
  if (cls === 'https://ns.adobe.com/xdm/context/profile') return 'record';
  if (cls === 'https://ns.adobe.com/xdm/context/experienceevent') return 'time-series';
  return 'ad-hoc';
}

/**
 * Catalog's `created` of a new dataset, in ms: the clock, but strictly after the previous one, so
 * datasets created one after another are told apart by it (a reading docs/emulator.md records).
 */
let lastDatasetCreated = 0;
function datasetCreatedAt(): number {
  lastDatasetCreated = Math.max(Date.now(), lastDatasetCreated + 1);
  return lastDatasetCreated;
}

/** Catalog dataset document (GET `/dataSets/{id}` value, keyed by id in responses). */
export function createDataset(
  ctx: EmulatorContext,
  scope: Scope,
  input: {
    name: string;
    description?: string | undefined;
    schemaRef: { id: string; contentType?: string | undefined };
  } & Record<string, unknown>,
): Doc {
  const id = newDatasetId();
  const now = datasetCreatedAt();
  const { name, description, schemaRef, ...rest } = input;
  const schema = ctx.state.findSchema(schemaRef.id);
  const userTags = (rest.tags ?? {}) as Record<string, unknown>;
  const body: Record<string, unknown> = {
    ...rest,
    name,
    ...optionalDescription(description),
    imsOrg: scope.orgId,
    sandboxId: scope.sandboxId,
    version: '1.0.0',
    created: now,
    updated: now,
    createdClient: ctx.opts.clientId,
    createdUser: actorOf(ctx),
    updatedUser: actorOf(ctx),
    // Platform adds its own `adobe/…` tags to every dataset (Catalog spec `tags` properties; aepp
    // reads both): the Query Service table name and the lake table format.
    tags: {
      ...userTags,
      'adobe/pqs/table': [pqsTableName(name)],
      'adobe/siphon/table/format': ['parquet'],
    },
    classification: {
      dataBehavior: dataBehaviorOf(schema),
      managedBy: 'CUSTOMER',
    },
    schemaRef: {
      id: schemaRef.id,
      contentType: schemaRef.contentType ?? 'application/vnd.adobe.xed+json;version=1',
    },
    files: `@/dataSetFiles?dataSetId=${id}`,
    state: 'DRAFT',
  };
  const doc: Doc = { id, seq: ctx.state.nextSeq(), body };
  scope.maps.dataset.set(id, doc);
  return doc;
}

/**
 * Bulk-creates `count` unrelated HTTP API sources (base + source + target connection + flow, all
 * on one seed dataset) straight into the store: the "large sandbox" of benchmarks, in milliseconds
 * for 10,000. Seeded resources do not count as API creates in the stats.
 */
export function seedSources(ctx: EmulatorContext, scope: Scope, count: number, schema: XdmSchema) {
  const dataset = createDataset(ctx, scope, {
    name: `emulator-seed-dataset-${ctx.state.nextSeq()}`,
    schemaRef: { id: schema.$id, contentType: 'application/vnd.adobe.xed-full+json;version=1' },
  });
  const start = ctx.state.nextSeq();
  for (let i = 0; i < count; i++) {
    const name = `emulator-seed-${start}-${i}`;
    const spec = { id: HTTP_API_CONNECTION_SPEC, version: '1.0' };
    const base = createConnection(ctx, scope, {
      name,
      connectionSpec: spec,
      auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } },
    });
    const src = createSourceConnection(
      ctx,
      scope,
      { name: `${name} source`, baseConnectionId: base.id, connectionSpec: spec },
      base,
    );
    const tgt = createTargetConnection(ctx, scope, {
      name: `${name} target`,
      connectionSpec: { id: DATA_LAKE_TARGET_SPEC, version: '1.0' },
      data: {
        format: 'json',
        schema: { id: schema.$id, version: 'application/vnd.adobe.xed-full+json;version=1' },
      },
      params: { dataSetId: dataset.id },
    });
    createFlow(ctx, scope, {
      name: `${name} flow`,
      flowSpec: { id: FLOW_SPEC_NO_MAPPING, version: '1.0' },
      sourceConnectionIds: [src.id],
      targetConnectionIds: [tgt.id],
    });
  }
  return {
    sandbox: scope.sandbox,
    created: {
      dataset: 1,
      connection: count,
      sourceConnection: count,
      targetConnection: count,
      flow: count,
    },
  };
}
