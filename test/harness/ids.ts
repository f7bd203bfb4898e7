import { datasetWorkflowId, sourceWorkflowId } from '../../src/shared/names';

/** The emulator's IMS org (its default), which every test stack's worker and client use. */
export const EMULATOR_ORG = 'EMULATOR0000000000000000@AdobeOrg';

/** The workflow id of a source the tests provision through the emulator's org. */
export function sourceIdOf(name: string, sandbox = 'prod'): string {
  return sourceWorkflowId({ imsOrg: EMULATOR_ORG, sandbox, name });
}

/** The workflow id of the dataset workflow of a dataset named `name`. */
export function datasetIdOf(name: string, sandbox = 'prod'): string {
  return datasetWorkflowId({ imsOrg: EMULATOR_ORG, sandbox, name });
}

/** Org and sandbox of requests that name none, as the test stacks configure them. */
export const PROD = { imsOrg: EMULATOR_ORG, sandbox: 'prod' };
