import { RESOURCE_KINDS } from '../../emulator/types';
import type { EmulatorControl } from '../../emulator/control';
/**
 * Fault rules several suites add to the emulator. Flow Service answers a DELETE of a base
 * connection a flow still uses with `400 FLOW-1418-400 Connection in use` (docs/emulator.md);
 * `count` DELETEs get that answer before the emulator deletes again.
 */
export function connectionInUse(count: number) {
  return {
    method: 'DELETE',
    kind: 'connection',
    count,
    action: {
      type: 'status',
      status: 400,
      body: {
        type: 'https://ns.adobe.com/aep/errors/FLOW-1418-400',
        title: 'Connection in use',
        status: 400,
      },
    },
  } as const;
}

/** The next create of a target connection waits `ms` before Flow Service handles it. */
export function slowTargetConnectionCreate(ms: number) {
  return {
    method: 'POST',
    path: '/data/foundation/flowservice/targetConnections',
    count: 1,
    action: { type: 'latency', ms },
  } as const;
}

/** Every write's effect shows in Flow Service, Catalog and Data Prep lists `ms` late. */
export async function lagEveryList(control: EmulatorControl, ms: number): Promise<void> {
  for (const kind of RESOURCE_KINDS) {
    if (kind !== 'schema') await control.listLag({ kind, ms });
  }
}
