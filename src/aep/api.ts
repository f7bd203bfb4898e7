/**
 * The AEP client's typed surface, one interface per API; the implementations live in one module
 * per API (catalog.ts, data-prep.ts, flow-service.ts, inlet.ts, schema-registry.ts) and are
 * assembled by `createAepClient` (client.ts), whose comment states the contract every method keeps.
 */
import type { FlowServiceKind } from './flow-service';
import type {
  BaseConnection,
  CreateBaseConnectionBody,
  CreateDatasetBody,
  CreatedFlowServiceResource,
  CreatedMappingSet,
  CreateFlowBody,
  CreateMappingSetBody,
  CreateSourceConnectionBody,
  CreateTargetConnectionBody,
  Dataset,
  DeleteOutcome,
  Flow,
  FlowAction,
  InletResponse,
  MappingSet,
  SendToInletArgs,
  SourceConnection,
  TargetConnection,
  XdmSchema,
} from './types';

export interface SchemaRegistryApi {
  /** The schema with this `$id` (or `meta:altId`), or null if the sandbox has none. */
  getSchema(sandbox: string, schemaId: string, signal?: AbortSignal): Promise<XdmSchema | null>;
}

export interface CatalogApi {
  createDataset(
    sandbox: string,
    body: CreateDatasetBody,
    signal?: AbortSignal,
  ): Promise<{ id: string }>;
  getDataset(sandbox: string, id: string, signal?: AbortSignal): Promise<Dataset | null>;
  /** Every dataset whose name is exactly `name` (all pages). */
  findDatasets(sandbox: string, q: { name: string }, signal?: AbortSignal): Promise<Dataset[]>;
  deleteDataset(sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome>;
}

export interface DataPrepApi {
  createMappingSet(
    sandbox: string,
    body: CreateMappingSetBody,
    signal?: AbortSignal,
  ): Promise<CreatedMappingSet>;
  /**
   * `PUT /mappingSets/{id}`: Data Prep stores the body as the set's next version and answers
   * the set with `version` incremented.
   */
  updateMappingSet(
    sandbox: string,
    id: string,
    body: CreateMappingSetBody,
    signal?: AbortSignal,
  ): Promise<CreatedMappingSet>;
  /** The set's latest version, or `version` when given; null when absent. */
  getMappingSet(
    sandbox: string,
    id: string,
    signal?: AbortSignal,
    version?: number,
  ): Promise<MappingSet | null>;
  /** Every mapping set whose name is exactly `name` (all pages). */
  findMappingSets(
    sandbox: string,
    q: { name: string },
    signal?: AbortSignal,
  ): Promise<MappingSet[]>;
  deleteMappingSet(sandbox: string, id: string, signal?: AbortSignal): Promise<DeleteOutcome>;
}

/** No sandbox header: the inlet URL identifies org and sandbox. */
export interface InletApi {
  /** One record to the inlet; resolves for 2xx, throws a mapped failure otherwise. */
  sendToInlet(args: SendToInletArgs): Promise<InletResponse>;
}

/** The Flow Service methods of one resource kind. */
type FS<TBody, TItem> = FlowServiceKind<TBody, TItem>;

/** Flow Service: one shape per kind (flow-service.ts), each method named after its kind. */
export interface FlowServiceApi {
  createConnection: FS<CreateBaseConnectionBody, BaseConnection>['create'];
  getConnection: FS<CreateBaseConnectionBody, BaseConnection>['get'];
  listConnections: FS<CreateBaseConnectionBody, BaseConnection>['list'];
  patchConnection: FS<CreateBaseConnectionBody, BaseConnection>['patch'];
  deleteConnection: FS<CreateBaseConnectionBody, BaseConnection>['delete'];

  createSourceConnection: FS<CreateSourceConnectionBody, SourceConnection>['create'];
  getSourceConnection: FS<CreateSourceConnectionBody, SourceConnection>['get'];
  listSourceConnections: FS<CreateSourceConnectionBody, SourceConnection>['list'];
  deleteSourceConnection: FS<CreateSourceConnectionBody, SourceConnection>['delete'];

  createTargetConnection: FS<CreateTargetConnectionBody, TargetConnection>['create'];
  getTargetConnection: FS<CreateTargetConnectionBody, TargetConnection>['get'];
  listTargetConnections: FS<CreateTargetConnectionBody, TargetConnection>['list'];
  patchTargetConnection: FS<CreateTargetConnectionBody, TargetConnection>['patch'];
  deleteTargetConnection: FS<CreateTargetConnectionBody, TargetConnection>['delete'];

  createFlow: FS<CreateFlowBody, Flow>['create'];
  getFlow: FS<CreateFlowBody, Flow>['get'];
  listFlows: FS<CreateFlowBody, Flow>['list'];
  patchFlow: FS<CreateFlowBody, Flow>['patch'];
  deleteFlow: FS<CreateFlowBody, Flow>['delete'];
  flowAction(
    sandbox: string,
    id: string,
    action: FlowAction,
    signal?: AbortSignal,
  ): Promise<CreatedFlowServiceResource>;
}

export interface AepClient
  extends SchemaRegistryApi, CatalogApi, FlowServiceApi, DataPrepApi, InletApi {}
