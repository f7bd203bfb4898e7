/** What a reconcile learns from Temporal: a sandbox's sources, each one's last applied request. */
import type { Client, WorkflowExecutionInfo as Run } from '@temporalio/client';
import { describeRun } from '../operations';
import { sourceNameOf, visibilityQuery } from '../operations/visibility';
import { InvalidRequestError, parseProvisionRequest, type Place } from '../request';
import type { ProvisionResult } from '../shared/model';
import { REQUEST_MEMO, WorkflowType } from '../shared/names';
import type { ManagedSource, SkippedSource } from '../shared/reconcile';
import { refuseOtherOrg } from './context';
import type { KnownResources } from './types';

/** Results read at once (one call each, for the ids the plan reads by id). */
const READS_AT_ONCE = 8;

const KNOWN_FIELDS = [
  'baseConnectionId',
  'sourceConnectionId',
  'targetConnectionId',
  'mappingSetId',
  'flowId',
  'datasetId',
] as const satisfies ReadonlyArray<keyof KnownResources & keyof ProvisionResult>;

export function reconcileActivities({
  temporal,
  place: served,
}: {
  temporal: Client;
  place: Place;
}) {
  return {
    /**
     * The sources of the sandbox, from Temporal visibility: per source workflow id its runs
     * (managedOf). A source's request (memo `request`, read through the worker's data converter)
     * is revalidated; its ids are read from the result of the provisioning that applied it.
     */
    async listManagedSources(
      place: Place,
    ): Promise<{ sources: ManagedSource[]; skipped: SkippedSource[] }> {
      refuseOtherOrg(place.imsOrg, served); // no credentials here for another org's sources
      const { imsOrg, sandbox } = place;
      const types = [WorkflowType.provision, WorkflowType.deprovision];
      const query = visibilityQuery({ types, imsOrg, sandbox });
      const runs = new Map<string, Run[]>();
      for await (const info of temporal.workflow.list({ query })) {
        runs.set(info.workflowId, [...(runs.get(info.workflowId) ?? []), info]);
      }
      const sources: Array<ManagedSource & { applied: Run }> = [];
      const skipped: SkippedSource[] = [];
      for (const history of runs.values()) {
        history.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
        const found = managedOf(history);
        if (found && 'reason' in found) skipped.push(found);
        if (!found || 'reason' in found) continue;
        const { name, latest, applied } = found;
        try {
          const request = parseProvisionRequest(applied.memo?.[REQUEST_MEMO], place);
          sources.push({
            name,
            workflowId: latest.workflowId,
            runId: latest.runId,
            applied,
            request,
          });
        } catch (err) {
          if (!(err instanceof InvalidRequestError)) throw err;
          const reason = `the request of run ${applied.runId} does not validate: ${err.problems.join('; ')}`;
          skipped.push({ name, reason });
        }
      }
      for (let i = 0; i < sources.length; i += READS_AT_ONCE) {
        await Promise.all(
          sources.slice(i, i + READS_AT_ONCE).map(async (s) => {
            const handle = temporal.workflow.getHandle(s.workflowId, s.applied.runId);
            const result = (await handle.result()) as ProvisionResult;
            const known = Object.fromEntries(
              KNOWN_FIELDS.filter((f) => result[f] !== undefined).map((f) => [f, result[f]]),
            );
            s.request = { ...s.request, known };
          }),
        );
      }
      const managed = sources.map(({ applied: _applied, ...s }): ManagedSource => s);
      return { sources: managed.sort((a, b) => (a.name < b.name ? -1 : 1)), skipped };
    },
    /** The id of the latest run of `workflowId` and whether it is open; null when it has none. */
    async latestRun(input: {
      workflowId: string;
    }): Promise<{ runId: string; open: boolean } | null> {
      const d = await describeRun({ client: temporal }, input.workflowId);
      return d ? { runId: d.runId, open: d.status.name === 'RUNNING' } : null;
    },
  };
}

/**
 * What a source's runs (newest first) make of it. Latest run open: skipped (an operation in
 * flight). Managed: its latest completed provisioning (`applied`, its request the desired
 * state), failed provisionings after it allowed. Out: a teardown after it, completed or not
 * (someone meant the source gone: not planned, nor repaired). Skipped: none succeeded.
 */
function managedOf(
  runs: Run[],
): { name: string; latest: Run; applied: Run } | SkippedSource | undefined {
  const latest = runs[0]!;
  const name = sourceNameOf(latest);
  if (latest.type !== WorkflowType.provision) return undefined;
  if (latest.status.name === 'RUNNING') {
    return { name, reason: `an operation is in flight (run ${latest.runId})` };
  }
  const applied = runs.find(
    (r) => r.type !== WorkflowType.provision || r.status.name === 'COMPLETED',
  );
  if (applied === undefined) {
    const reason = `no provisioning of it succeeded (last ${latest.status.name}, run ${latest.runId})`;
    return { name, reason };
  }
  return applied.type === WorkflowType.provision ? { name, latest, applied } : undefined;
}
