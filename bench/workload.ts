/**
 * The provisioning the benchmark measures: the full variant of the tutorial (schema check, a new
 * dataset of the source's own, a Data Prep mapping set and the dataflow with its Mapping
 * transformation), raw JSON data, no smoke test (its activation wait is a 5-minute durable timer,
 * not work). A dataset several sources share by name costs a workflow more (docs/benchmark.md).
 */
import type { ProvisionRequestInput } from '../src/request';
import type { SequentialRequest } from './sequential';

/** A tenant schema of the emulator's fixtures with `_id` and `person.name.*` fields. */
export const SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';

const MAPPINGS = [
  { sourceAttribute: 'id', destinationXdmPath: '_id' },
  { sourceAttribute: 'firstName', destinationXdmPath: 'person.name.firstName' },
  { sourceAttribute: 'lastName', destinationXdmPath: 'person.name.lastName' },
];

export function provisionRequest(name: string, sandbox: string): ProvisionRequestInput {
  return {
    name,
    sandbox,
    description: 'aep-streaming-provisioner benchmark',
    dataType: 'raw',
    target: { schemaId: SCHEMA_ID, dataset: {} },
    mappings: MAPPINGS,
  };
}

export function sequentialRequest(name: string, sandbox: string): SequentialRequest {
  return {
    name,
    sandbox,
    schemaId: SCHEMA_ID,
    datasetName: name,
    mappings: MAPPINGS,
  };
}
