/**
 * Flow Service connection and flow specifications: read-only reference data, the same for every
 * org and sandbox ("connection specs are tenant- and organization-independent", self-serve sources
 * API guide). Only the specs an HTTP API streaming source uses are served. Field set from the
 * spec's `ConnectionSpecItemDTO`/`FlowSpecItemDTO` and the `GenericStreamingAEP` flow spec example
 * of the streaming SDK guide. Connection spec names are the ones clients look specs up by
 * (`Streaming Connection`, `datalake`: aepp's defaults); flow spec names are UNCONFIRMED. Sources
 * in docs/emulator.md.
 */
import {
  DATA_LAKE_TARGET_SPEC,
  FLOW_SPEC_MAPPING,
  FLOW_SPEC_NO_MAPPING,
  HTTP_API_CONNECTION_SPEC,
} from './flow-model';

/** Provider id of the HTTP API connection spec (older HTTP API tutorial, aepp). */
export const STREAMING_PROVIDER_ID = '521eee4d-8cbe-4906-bb48-fb6bd4450033';

/** Provider id of the Data Lake connection spec (dataset base connection tutorial). */
const DATA_LAKE_PROVIDER_ID = '0ed90a81-07f4-4586-8190-b40eccef1c5a';

const draft7 = 'http://json-schema.org/draft-07/schema#';

const permissions = (name: string) => ({
  manage: [{ '@type': 'lowLevel', name, permissions: ['write'] }],
  view: [{ '@type': 'lowLevel', name, permissions: ['read'] }],
});

export const CONNECTION_SPECS: readonly Record<string, unknown>[] = [
  {
    id: HTTP_API_CONNECTION_SPEC,
    name: 'Streaming Connection',
    providerId: STREAMING_PROVIDER_ID,
    version: '1.0',
    authSpec: [
      {
        name: 'Streaming Connection',
        type: 'Streaming Connection',
        spec: {
          $schema: draft7,
          type: 'object',
          description: 'Defines the parameters of an HTTP API streaming connection.',
          properties: {
            dataType: { type: 'string', enum: ['xdm', 'raw'] },
            authenticationRequired: { type: 'boolean', default: false },
            sourceId: { type: 'string' },
            name: { type: 'string' },
          },
        },
      },
    ],
    sourceSpec: {
      attributes: { uiAttributes: { isSource: true, category: { key: 'streaming' } } },
      spec: { $schema: draft7, type: 'object', properties: {} },
    },
    attributes: {
      category: 'Streaming',
      connectorName: 'HTTP API',
      isSource: true,
      frequency: 'streaming',
    },
    permissionsInfo: permissions('StreamingSource'),
  },
  {
    id: DATA_LAKE_TARGET_SPEC,
    name: 'datalake',
    providerId: DATA_LAKE_PROVIDER_ID,
    version: '1.0',
    authSpec: [],
    targetSpec: {
      spec: {
        $schema: draft7,
        type: 'object',
        properties: { dataSetId: { type: 'string' } },
        required: ['dataSetId'],
      },
    },
    attributes: { category: 'Data Lake', isDestination: true },
    permissionsInfo: permissions('EnterpriseSource'),
  },
];

const optionSpec = {
  name: 'OptionSpec',
  spec: {
    $schema: draft7,
    type: 'object',
    properties: {
      errorDiagnosticsEnabled: {
        title: 'Error diagnostics.',
        description: 'Flag to enable detailed and sample error diagnostics summary.',
        type: 'boolean',
        default: false,
      },
      partialIngestionPercent: {
        title: 'Partial ingestion threshold.',
        description:
          'Percentage which defines the threshold of errors allowed before the run is marked as failed.',
        type: 'number',
        exclusiveMinimum: 0,
      },
    },
  },
};

const streamingAttributes = {
  isSourceFlow: true,
  flacValidationSupported: true,
  frequency: 'streaming',
  uiAttributes: { apiFeatures: { updateSupported: true, flowRunsSupported: true } },
};

export const FLOW_SPECS: readonly Record<string, unknown>[] = [
  {
    id: FLOW_SPEC_NO_MAPPING,
    name: 'Streaming Flow Spec',
    providerId: STREAMING_PROVIDER_ID,
    version: '1.0',
    sourceConnectionSpecIds: [HTTP_API_CONNECTION_SPEC],
    targetConnectionSpecIds: [DATA_LAKE_TARGET_SPEC],
    optionSpec,
    transformationSpecs: [],
    attributes: streamingAttributes,
    permissionsInfo: permissions('StreamingSource'),
  },
  {
    id: FLOW_SPEC_MAPPING,
    name: 'Mapping Streaming Flow Spec',
    providerId: STREAMING_PROVIDER_ID,
    version: '1.0',
    sourceConnectionSpecIds: [HTTP_API_CONNECTION_SPEC],
    targetConnectionSpecIds: [DATA_LAKE_TARGET_SPEC],
    optionSpec,
    transformationSpecs: [
      {
        name: 'Mapping',
        spec: {
          $schema: draft7,
          type: 'object',
          description:
            'defines various params required for different mapping from source to target',
          properties: { mappingId: { type: 'string' }, mappingVersion: { type: 'string' } },
        },
      },
    ],
    attributes: streamingAttributes,
    permissionsInfo: permissions('StreamingSource'),
  },
];
