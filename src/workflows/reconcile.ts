/**
 * ReconcileSources: plans every managed source of a sandbox against the request it last applied,
 * reports the drifted ones and, with `repair`, provisions them again, a few at a time.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  metricMeter,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { describeFailure, failureTypeOf, rootOf } from '../shared/failures';
import { formatPlan, type SourcePlan } from '../shared/model';
import * as names from '../shared/names';
import * as contract from '../shared/reconcile';
import type { ProvisionStreamingSource } from './provision';
import { planOf } from './plan';
import { READ_LOCALLY, step } from './policies';

/** Sources read at once: each read is six AEP requests. */
const READS_AT_ONCE = 4;

/** Per worker process: the value of the last run it completed (ims_org, sandbox). Not on replay. */
const driftedGauge = metricMeter.createGauge(
  names.DRIFTED_SOURCES_METRIC,
  'int',
  undefined,
  'Sources the last reconcile of the sandbox found drifted and did not repair',
);

export async function ReconcileSources(
  input: contract.ReconcileInput,
): Promise<contract.ReconcileReport> {
  const { imsOrg, sandbox } = input;
  const counts = { sources: 0, planned: 0, drifted: [], skipped: [], stillDrifted: 0 };
  const report: contract.ReconcileReport = { imsOrg, sandbox, status: 'LISTING', ...counts };
  setHandler(names.reconcileQuery, () => report);
  const status = (s: contract.ReconcileReport['status']) => {
    report.status = s;
    report.stillDrifted = contract.stillDrifted(report).length;
    setCurrentDetails(detailsOf(report));
  };
  status('LISTING');
  const listing = { imsOrg, sandbox };
  const listed = await step('listManagedSources', `List the sources of ${sandbox}`, listing).catch(
    (err: unknown) => {
      if (!(err instanceof ActivityFailure)) throw err;
      // The run fails with the listing's own failure type and message, not "Activity task failed".
      throw ApplicationFailure.create({
        type: failureTypeOf(rootOf(err)),
        message: `Could not list the sources of sandbox ${sandbox}: ${describeFailure(err)}`,
        nonRetryable: true,
      });
    },
  );
  report.sources = listed.sources.length;
  report.skipped.push(...listed.skipped);
  status('PLANNING');

  const found = new Map<string, { source: contract.ManagedSource; plan: SourcePlan }>();
  await inLanes(listed.sources, READS_AT_ONCE, async (source) => {
    const plan = await planOf(source.request).catch((err: unknown) => {
      if (!(err instanceof ActivityFailure)) throw err;
      report.skipped.push({ name: source.name, reason: `read failed: ${describeFailure(err)}` });
      return undefined;
    });
    report.planned++;
    // Drift: applying the request again would change something, or would be refused.
    if (plan && (plan.changes || plan.needsReplace.length > 0 || plan.schemaMissing)) {
      // The plan's lines but the kept resources'.
      const changes = formatPlan(plan).filter((line) => !/^\S+\s+keep\b/.test(line));
      report.drifted.push({ name: source.name, runId: source.runId, changes });
      found.set(source.name, { source, plan });
    }
    status('PLANNING');
  });
  report.drifted.sort((a, b) => (a.name < b.name ? -1 : 1));

  if (input.repair && report.drifted.length > 0) {
    status('REPAIRING');
    const lanes = input.concurrency ?? contract.DEFAULT_REPAIR_CONCURRENCY;
    await inLanes(report.drifted, lanes, async (d) => {
      const { source, plan } = found.get(d.name)!;
      const refused = refusalOf(plan);
      d.repair = refused
        ? { outcome: 'skipped', workflowId: source.workflowId, reason: refused }
        : await repair(source);
      status('REPAIRING');
    });
  }
  status('DONE');
  driftedGauge.set(report.stillDrifted, { ims_org: imsOrg, sandbox });
  return report;
}

/**
 * Why a drifted source is not repaired: a provisioning would be refused, or (`replace: true`)
 * would give it a new inlet URL its senders would not know: both are for a person to decide.
 */
function refusalOf(plan: SourcePlan): string | undefined {
  if (plan.schemaMissing) return 'its schema is gone: provisioning would fail (SchemaNotFound)';
  if (plan.conflicts.length > 0) return 'a resource of its name is not this project`s';
  if (plan.needsReplace.length === 0) return undefined;
  const fields = plan.needsReplace.map((c) => c.field).join(', ');
  return `${fields} changed in a way only replacing the source (new inlet URL) undoes: apply it by hand`;
}

/**
 * A repair: a provisioning as the client starts one, as an abandoned child (never cut short by
 * the reconcile). Skipped if the source's latest run is no longer the one planned.
 */
async function repair(source: contract.ManagedSource): Promise<contract.RepairOutcome> {
  const { workflowId, request } = source;
  const skipped = (reason: string) => ({ outcome: 'skipped' as const, workflowId, reason });
  const summary = `Check no operation ran on "${source.name}" since`;
  const latest = await step('latestRun', summary, { workflowId }, { local: READ_LOCALLY });
  if (latest?.runId !== source.runId) {
    return skipped(
      latest?.open
        ? `an operation is in flight (run ${latest.runId})`
        : `another operation ran since the plan (run ${latest?.runId ?? 'none'})`,
    );
  }
  const { known: _known, ...desired } = request;
  try {
    const child = await startChild<typeof ProvisionStreamingSource>(names.WorkflowType.provision, {
      workflowId: names.sourceWorkflowId(request),
      args: [request],
      memo: { [names.REQUEST_MEMO]: desired },
      typedSearchAttributes: names.sourceSearchAttributes(request),
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      parentClosePolicy: 'ABANDON',
      cancellationType: 'ABANDON',
      staticSummary: `Provision HTTP API streaming source "${request.name}" in sandbox ${request.sandbox}`,
      staticDetails: `Repair of drift found by ${workflowInfo().workflowId}`,
    });
    const runId = child.firstExecutionRunId;
    try {
      await child.result();
      return { outcome: 'repaired', workflowId, runId };
    } catch (err) {
      if (!(err instanceof ChildWorkflowFailure)) throw err;
      return { outcome: 'failed', workflowId, runId, reason: describeFailure(err) };
    }
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return skipped('an operation is in flight');
  }
}

/** `fn` over `items`, at most `lanes` at once, in order. */
async function inLanes<T>(items: T[], lanes: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, items.length)) }, lane));
}

/** The run's current details in the Temporal UI: where it is, and each drifted source. */
function detailsOf(r: contract.ReconcileReport): string {
  const head = `**${r.status}** ${r.planned}/${r.sources} planned, ${r.drifted.length} drifted, ${r.stillDrifted} not repaired, ${r.skipped.length} skipped`;
  const line = (d: contract.DriftedSource) =>
    `- ${d.name}${d.repair ? ` (repair ${d.repair.outcome})` : ''}: ${d.changes.join('; ')}`;
  const skipped = (s: { name: string; reason: string }) => `- ${s.name}: skipped, ${s.reason}`;
  return [head, ...r.drifted.map(line), ...r.skipped.map(skipped)].join('\n');
}
