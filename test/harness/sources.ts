import type { ProvisionRequestInput } from '../../src/request';
import type { RunningEmulator } from '../../emulator';
import { SCHEMA_ID } from './stack';

let seq = 0;
/** A source name no other test of the run uses (`prefix` keeps it readable in failures). */
export const uniqueName = (prefix: string) => `${prefix} ${Date.now().toString(36)}${seq++}`;

/** The smallest request: `name`, a new dataset named after it, the test schema. */
export function sourceRequest(
  name: string,
  dataType: 'raw' | 'xdm',
  extra: Partial<ProvisionRequestInput> = {},
): ProvisionRequestInput {
  return {
    name,
    dataType,
    target: { schemaId: SCHEMA_ID, dataset: { name: `${name} dataset` } },
    ...extra,
  };
}

/** Every resource the emulator holds in `prod` whose name (or dataset name) is this source's. */
export async function resourcesOf(emulator: RunningEmulator, name: string) {
  const all = await emulator.control.resources({ sandbox: 'prod' });
  return all.filter(
    (r) => r.kind !== 'schema' && (r.name === name || r.name === `${name} dataset`),
  );
}
