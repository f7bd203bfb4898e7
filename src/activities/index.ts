import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AepClient } from '../aep/client';
import {
  AEP_IDS,
  SPEC_VERSION,
  XDM_DATASET_CONTENT_TYPE,
  XDM_FULL_CONTENT_TYPE,
} from '../aep/constants';
import type { BaseConnection, PropertyFilter } from '../aep/types';
import {
  InvalidRequestError,
  parseDeprovisionRequest,
  parseProvisionRequest,
  type DeprovisionRequest,
  type ProvisionRequest,
} from '../request';
import { FailureType } from '../shared/names';
import { adopt, creatorRun, creatorSource, isOwned, markedDescription } from './ownership';
import type {
  DeleteResourceInput,
  DeleteResourceResult,
  EnsureBaseConnectionInput,
  EnsureDatasetInput,
  EnsureFlowInput,
  EnsureMappingSetInput,
  EnsureResult,
  EnsureSourceConnectionInput,
  EnsureTargetConnectionInput,
  InletInfo,
  InspectTargetInput,
  MappingSetResult,
  Owner,
  PriorDataset,
  PriorMappingSet,
  PriorTargetConnection,
  ResourceKind,
  SmokeTestInput,
  SmokeTestResult,
  SourceGraph,
  TargetInspection,
} from './types';

/** The fixed spec references of an HTTP API streaming source (ids in src/aep/constants.ts). */
export const SPEC = {
  httpApiConnection: { id: AEP_IDS.httpApiConnectionSpec, version: SPEC_VERSION },
  dataLake: { id: AEP_IDS.dataLakeConnectionSpec, version: SPEC_VERSION },
  streamingFlow: { id: AEP_IDS.streamingFlowSpec, version: SPEC_VERSION },
  streamingFlowWithMapping: { id: AEP_IDS.streamingMappingFlowSpec, version: SPEC_VERSION },
} as const;

const XDM_FULL = XDM_FULL_CONTENT_TYPE;

export interface ActivityDeps {
  aep: AepClient;
  /** Sandbox of requests that name none (config AEP_SANDBOX). */
  defaultSandbox: string;
}

/** Attempt number and cancellation signal when running as an activity; neutral values otherwise. */
function activityContext(): { attempt: number; signal?: AbortSignal } {
  try {
    const ctx = Context.current();
    return { attempt: ctx.info.attempt, signal: ctx.cancellationSignal };
  } catch {
    return { attempt: 1 };
  }
}

/** Look for what an earlier attempt or run created when asked to, and always on a retry. */
function shouldLookUp(lookupFirst: boolean): boolean {
  return lookupFirst || activityContext().attempt > 1;
}

/**
 * What an earlier attempt or run created, if anything. A retry always looks up (an earlier attempt
 * may have committed the create before its answer was lost); a first attempt uses the workflow's
 * early lookup when it made one (`found`, see inspectTarget), and otherwise looks up when asked to.
 */
async function priorResource<T>(
  input: { lookupFirst: boolean; found?: T | null },
  lookUp: () => Promise<T | undefined>,
): Promise<T | undefined> {
  if (activityContext().attempt > 1) return lookUp();
  if (input.found !== undefined) return input.found ?? undefined;
  return input.lookupFirst ? lookUp() : undefined;
}

const byName = (name: string): PropertyFilter => ({ path: 'name', value: name });

// The lookups of the target side, shared by inspectTarget and the ensure* activities.

async function lookUpDataset(
  aep: AepClient,
  owner: Owner,
  name: string,
  signal?: AbortSignal,
): Promise<PriorDataset | undefined> {
  const found = adopt(
    'dataset',
    owner,
    `named "${name}"`,
    await aep.findDatasets(owner.sandbox, { name }, signal),
  );
  return found
    ? {
        id: found.resource.id,
        createdByThisRun: found.createdByThisRun,
        schemaId: found.resource.schemaRef.id,
      }
    : undefined;
}

async function lookUpTargetConnection(
  aep: AepClient,
  owner: Owner,
  signal?: AbortSignal,
): Promise<PriorTargetConnection | undefined> {
  const found = adopt(
    'targetConnection',
    owner,
    `named "${owner.sourceName}"`,
    await aep.listTargetConnections(
      owner.sandbox,
      [byName(owner.sourceName), { path: 'connectionSpec.id', value: SPEC.dataLake.id }],
      undefined,
      signal,
    ),
  );
  if (!found) return undefined;
  const dataSetId = found.resource.params?.dataSetId;
  return {
    id: found.resource.id,
    createdByThisRun: found.createdByThisRun,
    ...(dataSetId !== undefined ? { dataSetId } : {}),
  };
}

async function lookUpMappingSet(
  aep: AepClient,
  owner: Owner,
  signal?: AbortSignal,
): Promise<PriorMappingSet | undefined> {
  const found = adopt(
    'mappingSet',
    owner,
    `named "${owner.sourceName}"`,
    await aep.findMappingSets(owner.sandbox, { name: owner.sourceName }, signal),
  );
  return found
    ? {
        id: found.resource.id,
        createdByThisRun: found.createdByThisRun,
        version: found.resource.version,
      }
    : undefined;
}

function schemaNotFound(sandbox: string, schemaId: string): never {
  throw ApplicationFailure.create({
    type: FailureType.SchemaNotFound,
    message: `XDM schema ${schemaId} does not exist in sandbox "${sandbox}"`,
    nonRetryable: true,
  });
}

function invalid(err: unknown): never {
  if (err instanceof InvalidRequestError) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidRequest,
      message: err.message,
      nonRetryable: true,
      details: [{ problems: err.problems }],
    });
  }
  throw err;
}

function differs(message: string, details: Record<string, unknown>): never {
  throw ApplicationFailure.create({
    type: FailureType.ExistingSourceDiffers,
    message,
    nonRetryable: true,
    details: [details],
  });
}

/**
 * The provisioning activities, one per AEP call (or per idempotent "find or create"). Each is safe
 * to run twice: creates look up the resource this project owns first (always when the workflow
 * says a parent was reused, and on every retry, since an earlier attempt may have committed it
 * before its response was lost), so Temporal's retries never produce duplicates. Secrets never
 * appear in inputs or results: the AEP client holds the token.
 */
export function createActivities({ aep, defaultSandbox }: ActivityDeps) {
  return {
    /** Pure validation (no AEP call); InvalidRequest is non-retryable. */
    async validateProvisionRequest(input: unknown): Promise<ProvisionRequest> {
      try {
        return parseProvisionRequest(input, defaultSandbox);
      } catch (err) {
        return invalid(err);
      }
    },

    async validateDeprovisionRequest(input: unknown): Promise<DeprovisionRequest> {
      try {
        return parseDeprovisionRequest(input, defaultSandbox);
      } catch (err) {
        return invalid(err);
      }
    },

    /** Read-only. SchemaNotFound is non-retryable: nothing is created for a missing schema. */
    async checkSchema(input: { sandbox: string; schemaId: string }): Promise<{ title: string }> {
      const schema = await aep.getSchema(input.sandbox, input.schemaId, activityContext().signal);
      if (!schema) schemaNotFound(input.sandbox, input.schemaId);
      return { title: schema.title };
    },

    /**
     * Read-only, started beside the base connection: checks the target schema and, in parallel,
     * finds what an earlier provisioning of this source created on the target side (its dataset,
     * target connection and mapping set, by name). The creates that follow take these results
     * instead of looking up again on their first attempt, so no lookup waits on the target side's
     * critical path (schema → dataset → target connection → flow). Nothing is created here, and
     * nothing is created by the workflow before the schema check has passed. SchemaNotFound and
     * ForeignResourceConflict are non-retryable.
     */
    async inspectTarget(input: InspectTargetInput): Promise<TargetInspection> {
      const { owner, datasetName } = input;
      const { signal } = activityContext();
      const [schema, dataset, targetConnection, mappingSet] = await Promise.all([
        aep.getSchema(owner.sandbox, input.schemaId, signal),
        datasetName !== undefined ? lookUpDataset(aep, owner, datasetName, signal) : undefined,
        lookUpTargetConnection(aep, owner, signal),
        input.mappingSet ? lookUpMappingSet(aep, owner, signal) : undefined,
      ]);
      if (!schema) schemaNotFound(owner.sandbox, input.schemaId);
      return {
        schemaTitle: schema.title,
        ...(datasetName !== undefined ? { dataset: dataset ?? null } : {}),
        targetConnection: targetConnection ?? null,
        ...(input.mappingSet ? { mappingSet: mappingSet ?? null } : {}),
      };
    },

    /**
     * An existing dataset named by id is checked (exists, same schema) and never owned; a named
     * dataset is found by name among this project's datasets, or created.
     */
    async ensureDataset(input: EnsureDatasetInput): Promise<EnsureResult> {
      const { owner, schemaId } = input;
      const { signal } = activityContext();
      if (input.datasetId) {
        const ds = await aep.getDataset(owner.sandbox, input.datasetId, signal);
        if (!ds) {
          throw ApplicationFailure.create({
            type: FailureType.DatasetMismatch,
            message: `Dataset ${input.datasetId} does not exist in sandbox "${owner.sandbox}"`,
            nonRetryable: true,
          });
        }
        if (ds.schemaRef.id !== schemaId) {
          throw ApplicationFailure.create({
            type: FailureType.DatasetMismatch,
            message: `Dataset ${input.datasetId} uses schema ${ds.schemaRef.id}, not ${schemaId}`,
            nonRetryable: true,
          });
        }
        return { id: ds.id, created: false };
      }
      const spec = input.dataset;
      if (!spec) throw new Error('ensureDataset needs datasetId or dataset');
      const prior = await priorResource(input, () => lookUpDataset(aep, owner, spec.name, signal));
      if (prior) {
        if (prior.schemaId !== schemaId) {
          differs(
            `Dataset "${spec.name}" (${prior.id}) exists with schema ${prior.schemaId}, not ${schemaId}`,
            { kind: 'dataset', id: prior.id },
          );
        }
        return { id: prior.id, created: prior.createdByThisRun };
      }
      const { id } = await aep.createDataset(
        owner.sandbox,
        {
          name: spec.name,
          description: markedDescription(owner, spec.description),
          schemaRef: { id: schemaId, contentType: XDM_DATASET_CONTENT_TYPE },
          fileDescription: { persisted: true, containerFormat: 'parquet', format: 'parquet' },
        },
        signal,
      );
      return { id, created: true };
    },

    async ensureBaseConnection(input: EnsureBaseConnectionInput): Promise<EnsureResult> {
      const { owner } = input;
      const { signal } = activityContext();
      // Always looked up: the base connection is the root that tells a new source from a re-run.
      const found = adopt(
        'baseConnection',
        owner,
        `named "${owner.sourceName}"`,
        await aep.listConnections(
          owner.sandbox,
          [
            byName(owner.sourceName),
            { path: 'connectionSpec.id', value: SPEC.httpApiConnection.id },
          ],
          undefined,
          signal,
        ),
      );
      if (found) {
        checkBaseConnectionMatches(found.resource, input);
        return { id: found.resource.id, created: found.createdByThisRun };
      }
      const { id } = await aep.createConnection(
        owner.sandbox,
        {
          name: owner.sourceName,
          description: markedDescription(owner, input.description),
          connectionSpec: SPEC.httpApiConnection,
          auth: {
            specName: 'Streaming Connection',
            params: {
              dataType: input.dataType,
              name: owner.sourceName,
              sourceId: owner.sourceName,
              ...(input.authenticationRequired ? { authenticationRequired: true } : {}),
            },
          },
        },
        signal,
      );
      return { id, created: true };
    },

    /** Read-only; InletNotReady is retryable, so the workflow's retry policy is the wait loop. */
    async getInlet(input: { sandbox: string; baseConnectionId: string }): Promise<InletInfo> {
      const conn = await aep.getConnection(
        input.sandbox,
        input.baseConnectionId,
        activityContext().signal,
      );
      if (!conn) {
        throw ApplicationFailure.create({
          type: FailureType.AepNotFound,
          message: `Base connection ${input.baseConnectionId} disappeared before its inlet URL was read`,
          nonRetryable: true,
        });
      }
      const params = conn.auth?.params;
      if (!params?.inletUrl || !params.inletId) {
        throw ApplicationFailure.retryable(
          `Base connection ${input.baseConnectionId} has no inlet URL yet`,
          FailureType.InletNotReady,
        );
      }
      return {
        inletUrl: params.inletUrl,
        inletId: params.inletId,
        authenticationRequired: params.authenticationRequired === true,
      };
    },

    async ensureSourceConnection(input: EnsureSourceConnectionInput): Promise<EnsureResult> {
      const { owner } = input;
      const { signal } = activityContext();
      if (shouldLookUp(input.lookupFirst)) {
        const found = adopt(
          'sourceConnection',
          owner,
          `on base connection ${input.baseConnectionId}`,
          await aep.listSourceConnections(
            owner.sandbox,
            [{ path: 'baseConnectionId', value: input.baseConnectionId }],
            undefined,
            signal,
          ),
        );
        if (found) return { id: found.resource.id, created: found.createdByThisRun };
      }
      const { id } = await aep.createSourceConnection(
        owner.sandbox,
        {
          name: owner.sourceName,
          description: markedDescription(owner),
          baseConnectionId: input.baseConnectionId,
          connectionSpec: SPEC.httpApiConnection,
        },
        signal,
      );
      return { id, created: true };
    },

    async ensureTargetConnection(input: EnsureTargetConnectionInput): Promise<EnsureResult> {
      const { owner } = input;
      const { signal } = activityContext();
      const prior = await priorResource(input, () => lookUpTargetConnection(aep, owner, signal));
      if (prior) {
        if (prior.dataSetId !== input.datasetId) {
          differs(
            `Source "${owner.sourceName}" already writes to dataset ${prior.dataSetId ?? '(none)'}, not ${input.datasetId}: deprovision it first or choose another name`,
            { kind: 'targetConnection', id: prior.id },
          );
        }
        return { id: prior.id, created: prior.createdByThisRun };
      }
      const { id } = await aep.createTargetConnection(
        owner.sandbox,
        {
          name: owner.sourceName,
          description: markedDescription(owner),
          data: { format: 'json', schema: { id: input.schemaId, version: XDM_FULL } },
          params: { dataSetId: input.datasetId },
          connectionSpec: SPEC.dataLake,
        },
        signal,
      );
      return { id, created: true };
    },

    async ensureMappingSet(input: EnsureMappingSetInput): Promise<MappingSetResult> {
      const { owner } = input;
      const { signal } = activityContext();
      const prior = await priorResource(input, () => lookUpMappingSet(aep, owner, signal));
      if (prior) return { id: prior.id, version: prior.version, created: prior.createdByThisRun };
      const created = await aep.createMappingSet(
        owner.sandbox,
        {
          name: owner.sourceName,
          description: markedDescription(owner),
          version: 0,
          xdmSchema: input.schemaId,
          xdmVersion: '1.0',
          mappings: input.mappings.map((m) => ({
            sourceAttribute: m.sourceAttribute,
            destinationXdmPath: m.destinationXdmPath,
            identity: m.identity,
            version: 0,
          })),
        },
        signal,
      );
      return { id: created.id, version: created.version, created: true };
    },

    async ensureFlow(input: EnsureFlowInput): Promise<EnsureResult> {
      const { owner } = input;
      const { signal } = activityContext();
      if (shouldLookUp(input.lookupFirst)) {
        const found = adopt(
          'flow',
          owner,
          `named "${owner.sourceName}"`,
          await aep.listFlows(owner.sandbox, [byName(owner.sourceName)], undefined, signal),
        );
        if (found) {
          const flow = found.resource;
          if (
            !flow.sourceConnectionIds.includes(input.sourceConnectionId) ||
            !flow.targetConnectionIds.includes(input.targetConnectionId)
          ) {
            differs(
              `Dataflow "${owner.sourceName}" (${flow.id}) exists with other connections: deprovision it first or choose another name`,
              { kind: 'flow', id: flow.id },
            );
          }
          return { id: flow.id, created: found.createdByThisRun };
        }
      }
      const { id } = await aep.createFlow(
        owner.sandbox,
        {
          name: owner.sourceName,
          description: markedDescription(owner),
          flowSpec: input.mappingSet ? SPEC.streamingFlowWithMapping : SPEC.streamingFlow,
          sourceConnectionIds: [input.sourceConnectionId],
          targetConnectionIds: [input.targetConnectionId],
          ...(input.mappingSet
            ? {
                transformations: [
                  {
                    name: 'Mapping' as const,
                    params: {
                      mappingId: input.mappingSet.id,
                      mappingVersion: input.mappingSet.version,
                    },
                  },
                ],
              }
            : {}),
        },
        signal,
      );
      return { id, created: true };
    },

    /**
     * Sends one record to the inlet (XDM envelope or raw JSON). Not idempotent on Adobe's side,
     * and need not be: a retried smoke record is one more test record, not a resource.
     */
    async sendSmokeRecord(input: SmokeTestInput): Promise<SmokeTestResult> {
      const record =
        input.dataType === 'xdm'
          ? {
              header: {
                schemaRef: { id: input.schemaId, contentType: XDM_FULL },
                flowId: input.flowId,
                datasetId: input.datasetId,
                source: { name: 'aep-streaming-provisioner smoke test' },
              },
              body: {
                xdmMeta: { schemaRef: { id: input.schemaId, contentType: XDM_FULL } },
                xdmEntity: input.record ?? { _id: `smoke-test-${input.flowId}` },
              },
            }
          : (input.record ?? { smokeTest: true, flowId: input.flowId });
      let res;
      try {
        res = await aep.sendToInlet({
          inletUrl: input.inletUrl,
          flowId: input.flowId,
          record,
          authenticated: input.authenticated,
          signal: activityContext().signal,
        });
      } catch (err) {
        // A refused record (4xx) is the smoke test's verdict, not an AEP outage: name it so.
        // Retryable failures (429, 5xx, network) pass through and are retried.
        if (err instanceof ApplicationFailure && err.nonRetryable) {
          throw ApplicationFailure.create({
            type: FailureType.SmokeTestFailed,
            message: `The inlet refused the smoke-test record: ${err.message}`,
            nonRetryable: true,
            details: err.details ? [...err.details] : undefined,
          });
        }
        throw err;
      }
      const body = (res.body ?? {}) as { xactionId?: unknown; receivedTimeMs?: unknown };
      return {
        status: res.status,
        xactionId: typeof body.xactionId === 'string' ? body.xactionId : undefined,
        receivedTimeMs: typeof body.receivedTimeMs === 'number' ? body.receivedTimeMs : undefined,
      };
    },

    /**
     * Idempotent delete. By id: 404 counts as done. By ownership: deletes only resources carrying
     * this run's marker (a create whose outcome is unknown), never another run's or a foreign one.
     */
    async deleteResource(input: DeleteResourceInput): Promise<DeleteResourceResult> {
      const { signal } = activityContext();
      const result: DeleteResourceResult = { kind: input.kind, deleted: [], absent: [] };
      let ids: string[] = [];
      if (input.id) {
        ids = [input.id];
      } else if (input.owned) {
        const { name, owner } = input.owned;
        const candidates = await listByName(aep, input.kind, input.sandbox, name, signal);
        ids = candidates
          .filter((c) => creatorRun(c.description) === owner.runToken)
          .map((c) => c.id);
      }
      for (const id of ids) {
        const outcome = await deleteById(aep, input.kind, input.sandbox, id, signal);
        (outcome === 'deleted' ? result.deleted : result.absent).push(id);
      }
      return result;
    },

    /**
     * Finds the resources of a provisioned source (teardown), by source name or flow id. Only
     * resources carrying this project's marker are returned for deletion; a dataset the request
     * named by id is reported as kept.
     */
    async discoverSource(input: {
      sandbox: string;
      name?: string;
      flowId?: string;
    }): Promise<SourceGraph> {
      const { sandbox } = input;
      const { signal } = activityContext();
      const graph: SourceGraph = { sandbox, resources: [], kept: [] };
      const add = (kind: ResourceKind, id: string | undefined) => {
        if (id && !graph.resources.some((r) => r.kind === kind && r.id === id))
          graph.resources.push({ kind, id });
      };

      let name = input.name;
      const flows = [];
      if (input.flowId) {
        const flow = await aep.getFlow(sandbox, input.flowId, signal);
        if (!flow) {
          throw ApplicationFailure.create({
            type: FailureType.SourceNotFound,
            message: `Dataflow ${input.flowId} does not exist in sandbox "${sandbox}"`,
            nonRetryable: true,
          });
        }
        if (!isOwned(flow.description)) {
          throw ApplicationFailure.create({
            type: FailureType.ForeignResourceConflict,
            message: `Dataflow ${input.flowId} was not created by this project; it is left untouched`,
            nonRetryable: true,
          });
        }
        name = flow.name;
        flows.push(flow);
      }
      if (!name) throw new Error('discoverSource needs a name or a flowId');
      graph.sourceName = name;
      if (!input.flowId) {
        flows.push(
          ...(await aep.listFlows(sandbox, [byName(name)], undefined, signal)).filter((f) =>
            isOwned(f.description),
          ),
        );
      }
      const bases = (
        await aep.listConnections(
          sandbox,
          [byName(name), { path: 'connectionSpec.id', value: SPEC.httpApiConnection.id }],
          undefined,
          signal,
        )
      ).filter((c) => isOwned(c.description));
      const targets = (
        await aep.listTargetConnections(
          sandbox,
          [byName(name), { path: 'connectionSpec.id', value: SPEC.dataLake.id }],
          undefined,
          signal,
        )
      ).filter((t) => isOwned(t.description));
      const sources = [];
      for (const base of bases) {
        sources.push(
          ...(
            await aep.listSourceConnections(
              sandbox,
              [{ path: 'baseConnectionId', value: base.id }],
              undefined,
              signal,
            )
          ).filter((s) => isOwned(s.description)),
        );
      }
      const mappingSets = (await aep.findMappingSets(sandbox, { name }, signal)).filter((m) =>
        isOwned(m.description),
      );

      for (const f of flows) add('flow', f.id);
      for (const s of sources) add('sourceConnection', s.id);
      for (const t of targets) add('targetConnection', t.id);
      for (const m of mappingSets) add('mappingSet', m.id);
      for (const f of flows) {
        for (const t of f.transformations ?? []) {
          const mappingId = t.params?.mappingId;
          if (t.name === 'Mapping' && typeof mappingId === 'string') {
            const ms = await aep.getMappingSet(sandbox, mappingId, signal);
            if (ms && isOwned(ms.description)) add('mappingSet', ms.id);
          }
        }
      }
      for (const t of targets) {
        const dsId = t.params?.dataSetId;
        if (!dsId) continue;
        const ds = await aep.getDataset(sandbox, dsId, signal);
        if (!ds) continue;
        // A dataset is deleted with the source it was created for; one shared with (or named by)
        // another source is kept.
        if (creatorSource(ds.description) === name) add('dataset', ds.id);
        else if (!graph.kept.some((k) => k.id === ds.id))
          graph.kept.push({ kind: 'dataset', id: ds.id });
      }
      for (const b of bases) add('baseConnection', b.id);
      return graph;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

function checkBaseConnectionMatches(conn: BaseConnection, input: EnsureBaseConnectionInput): void {
  const params = conn.auth?.params;
  const dataType = params?.dataType;
  const auth = params?.authenticationRequired === true;
  if ((dataType && dataType !== input.dataType) || auth !== input.authenticationRequired) {
    differs(
      `Source "${input.owner.sourceName}" already exists (base connection ${conn.id}) with dataType=${dataType ?? '?'} and authenticationRequired=${auth}; deprovision it first or choose another name`,
      { kind: 'baseConnection', id: conn.id },
    );
  }
}

async function listByName(
  aep: AepClient,
  kind: ResourceKind,
  sandbox: string,
  name: string,
  signal?: AbortSignal,
): Promise<Array<{ id: string; description?: string }>> {
  switch (kind) {
    case 'baseConnection':
      return aep.listConnections(sandbox, [byName(name)], undefined, signal);
    case 'sourceConnection':
      return aep.listSourceConnections(sandbox, [byName(name)], undefined, signal);
    case 'targetConnection':
      return aep.listTargetConnections(sandbox, [byName(name)], undefined, signal);
    case 'flow':
      return aep.listFlows(sandbox, [byName(name)], undefined, signal);
    case 'mappingSet':
      return aep.findMappingSets(sandbox, { name }, signal);
    case 'dataset':
      return aep.findDatasets(sandbox, { name }, signal);
  }
}

async function deleteById(
  aep: AepClient,
  kind: ResourceKind,
  sandbox: string,
  id: string,
  signal?: AbortSignal,
): Promise<'deleted' | 'absent'> {
  switch (kind) {
    case 'baseConnection':
      return aep.deleteConnection(sandbox, id, signal);
    case 'sourceConnection':
      return aep.deleteSourceConnection(sandbox, id, signal);
    case 'targetConnection':
      return aep.deleteTargetConnection(sandbox, id, signal);
    case 'flow':
      return aep.deleteFlow(sandbox, id, signal);
    case 'mappingSet':
      return aep.deleteMappingSet(sandbox, id, signal);
    case 'dataset':
      return aep.deleteDataset(sandbox, id, signal);
  }
}
