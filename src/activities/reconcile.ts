/**
 * What a reconcile (src/workflows/reconcile.ts) learns from Temporal, the record of what this
 * project manages: the sources of a sandbox and the request each one's last provisioning applied.
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { InvalidRequestError, parseProvisionRequest, type Place } from '../request';
import type { ProvisionResult } from '../shared/model';
import { FailureType, REQUEST_MEMO, SearchAttributes, WorkflowType } from '../shared/names';
import type { ManagedSource, SkippedSource } from '../shared/reconcile';
import { refuse } from './context';
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
     * The sources of the sandbox, from Temporal visibility: per source workflow id its latest run.
     * A completed provisioning is managed (its memo `request`, read through the worker's data
     * converter, revalidated); a source torn down is not; one whose latest run is open or did not
     * succeed is skipped, with the reason.
     */
    async listManagedSources(
      place: Place,
    ): Promise<{ sources: ManagedSource[]; skipped: SkippedSource[] }> {
      if (place.imsOrg !== served.imsOrg) {
        // Another org's sources: this worker holds no credentials to read them.
        const problem = `imsOrg: ${place.imsOrg} is not the org this worker serves (${served.imsOrg})`;
        refuse(FailureType.InvalidRequest, problem, [{ problems: [problem] }]);
      }
      const query = [
        `(WorkflowType = '${WorkflowType.provision}' OR WorkflowType = '${WorkflowType.deprovision}')`,
        `${SearchAttributes.imsOrg.name} = '${place.imsOrg}'`,
        `${SearchAttributes.sandbox.name} = '${place.sandbox}'`,
      ].join(' AND ');
      const latest = new Map<string, WorkflowExecutionInfo>();
      for await (const info of temporal.workflow.list({ query })) {
        const seen = latest.get(info.workflowId);
        if (!seen || seen.startTime < info.startTime) latest.set(info.workflowId, info);
      }
      const sources: ManagedSource[] = [];
      const skipped: SkippedSource[] = [];
      for (const info of latest.values()) {
        if (info.type !== WorkflowType.provision) continue;
        const name =
          info.typedSearchAttributes.get(SearchAttributes.sourceName) ??
          info.workflowId.split('/').slice(3).join('/');
        const execution = info.status.name;
        if (execution === 'RUNNING') {
          skipped.push({ name, reason: `an operation is in flight (run ${info.runId})` });
        } else if (execution !== 'COMPLETED') {
          const reason = `its last provisioning did not succeed (${execution}, run ${info.runId})`;
          skipped.push({ name, reason });
        } else {
          try {
            const request = parseProvisionRequest(info.memo?.[REQUEST_MEMO], place);
            sources.push({ name, workflowId: info.workflowId, runId: info.runId, request });
          } catch (err) {
            if (!(err instanceof InvalidRequestError)) throw err;
            const reason = `the request of run ${info.runId} does not validate: ${err.problems.join('; ')}`;
            skipped.push({ name, reason });
          }
        }
      }
      for (let i = 0; i < sources.length; i += READS_AT_ONCE) {
        await Promise.all(
          sources.slice(i, i + READS_AT_ONCE).map(async (s) => {
            const result = (await temporal.workflow
              .getHandle(s.workflowId, s.runId)
              .result()) as ProvisionResult;
            const known = Object.fromEntries(
              KNOWN_FIELDS.filter((f) => result[f] !== undefined).map((f) => [f, result[f]]),
            );
            s.request = { ...s.request, known };
          }),
        );
      }
      return { sources: sources.sort((a, b) => (a.name < b.name ? -1 : 1)), skipped };
    },

    /** The id of the latest run of `workflowId` and whether it is open; null when it has none. */
    async latestRun({
      workflowId,
    }: {
      workflowId: string;
    }): Promise<{ runId: string; open: boolean } | null> {
      try {
        const d = await temporal.workflow.getHandle(workflowId).describe();
        return { runId: d.runId, open: d.status.name === 'RUNNING' };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return null;
        throw err;
      }
    },
  };
}
