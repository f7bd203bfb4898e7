/** Fixed Platform identifiers of HTTP API streaming sources (Adobe's HTTP API tutorial). */
export const AEP_IDS = {
  /** Base and source connections. */
  httpApiConnectionSpec: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb',
  /** Target connections. */
  dataLakeConnectionSpec: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c',
  streamingFlowSpec: 'd8a6f005-7eaf-4153-983e-e8574508b877',
  /** With the `Mapping` transformation. */
  streamingMappingFlowSpec: 'c1a19761-d2c7-4702-b9fa-fe91f0613e81',
} as const;

/** `data.schema.version` of a data lake target connection. */
export const XDM_FULL_CONTENT_TYPE = 'application/vnd.adobe.xed-full+json;version=1.0';
/** `schemaRef.contentType` of a Catalog dataset. */
export const XDM_DATASET_CONTENT_TYPE = 'application/vnd.adobe.xed+json;version=1';

/** As Flow Service bodies carry them. */
export const SPEC = {
  httpApiConnection: { id: AEP_IDS.httpApiConnectionSpec, version: '1.0' },
  dataLake: { id: AEP_IDS.dataLakeConnectionSpec, version: '1.0' },
  streamingFlow: { id: AEP_IDS.streamingFlowSpec, version: '1.0' },
  streamingFlowWithMapping: { id: AEP_IDS.streamingMappingFlowSpec, version: '1.0' },
} as const;
