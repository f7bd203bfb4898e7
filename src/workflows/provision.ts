import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EnsureResult, Owner, ResourceKind } from '../activities/types';
import type { ProvisionRequestInput } from '../request';
import { FailureType, progressQuery, SearchAttributes } from '../shared/names';
import type {
  CompensationOutcome,
  ProvisionProgress,
  ProvisionResult,
  ProvisionStatus,
  ResourceRef,
} from '../shared/results';
import { describeFailure, rootFailureType } from './failures';
import { AEP_CALL, DELETE, INLET_POLL, VALIDATE_LOCALLY } from './policies';

const aep = proxyActivities<Activities>(AEP_CALL);
const undo = proxyActivities<Activities>(DELETE);
const local = proxyLocalActivities<Activities>(VALIDATE_LOCALLY);

/** Reverse dependency order: the flow first (it pins everything), the base connection last. */
const TEARDOWN_ORDER: ResourceKind[] = [
  'flow',
  'sourceConnection',
  'targetConnection',
  'mappingSet',
  'dataset',
  'baseConnection',
];

interface Compensation {
  kind: ResourceKind;
  /** The name the create used: lets compensation find a resource whose create outcome is unknown. */
  name: string;
  id?: string;
  /** Resolved after the create: false when reused from an earlier run or named by the request. */
  createdByThisRun?: boolean;
}

export async function ProvisionStreamingSource(
  input: ProvisionRequestInput,
): Promise<ProvisionResult> {
  const progress: ProvisionProgress = {
    status: 'VALIDATING',
    step: 'Validating the request',
    completedSteps: [],
    resources: {},
    compensation: [],
  };
  setHandler(progressQuery, () => progress);

  // The status search attribute is written only when it changes: every write is a visibility
  // update on the Temporal server. VALIDATING is not written at all: validation is a local
  // activity inside the first workflow task, so no one could ever see it between QUEUED (set by
  // the client at start) and PROVISIONING.
  let published: ProvisionStatus | undefined;
  const setStatus = (status: ProvisionStatus, step: string) => {
    progress.status = status;
    progress.step = step;
    setCurrentDetails(`**${status}** — ${step}`);
    if (status === published || status === 'VALIDATING') return;
    upsertSearchAttributes([{ key: SearchAttributes.status, value: status }]);
    published = status;
  };
  const done = (step: string) => {
    progress.completedSteps.push(step);
  };
  setStatus('VALIDATING', 'Validating the request');

  // A local activity: pure code, no I/O, run by the worker inside this workflow task (no task
  // round trip on the critical path).
  const req = await local.validateProvisionRequest.executeWithOptions(
    { ...VALIDATE_LOCALLY, summary: 'Validate the request' },
    [input],
  );
  // The client sets sandbox and source name at start; a run started otherwise sets them here.
  const started = workflowInfo().typedSearchAttributes;
  if (
    started.get(SearchAttributes.sandbox) !== req.sandbox ||
    started.get(SearchAttributes.sourceName) !== req.name
  ) {
    upsertSearchAttributes([
      { key: SearchAttributes.sandbox, value: req.sandbox },
      { key: SearchAttributes.sourceName, value: req.name },
    ]);
  }
  done('request validated');

  const owner: Owner = {
    sandbox: req.sandbox,
    sourceName: req.name,
    runToken: workflowInfo().runId,
  };
  const compensations: Compensation[] = [];
  const record = (kind: ResourceKind, r: EnsureResult, owned = true): ResourceRef => {
    const ref: ResourceRef = { id: r.id, created: r.created, owned };
    progress.resources[kind] = ref;
    done(`${kind} ${r.created ? 'created' : 'found'}: ${r.id}`);
    return ref;
  };
  /**
   * Every create this run has issued. A branch can fail while a create of another call is still
   * on the wire (the inlet read beside the source connection); compensation waits until each has
   * settled, or it would miss a resource that lands after its lookup.
   */
  const creates: Array<Promise<unknown>> = [];
  /** Registers the undo before the call, then resolves it from the call's outcome. */
  const ensure = async <T extends EnsureResult>(
    kind: ResourceKind,
    name: string,
    call: () => Promise<T>,
    owned = true,
  ): Promise<T> => {
    // A dataset the request named by id is never this project's to delete: no undo at all.
    if (!owned) return call();
    const comp: Compensation = { kind, name };
    compensations.push(comp);
    const pending = call();
    creates.push(pending);
    const result = await pending;
    comp.id = result.id;
    comp.createdByThisRun = result.created;
    return result;
  };

  const authenticationRequired = req.authentication?.required ?? false;
  setStatus('PROVISIONING', 'Creating connections, dataset and mapping in parallel');

  const branches = new CancellationScope();
  const baseBranch = branches.run(async () => {
    const base = await ensure('baseConnection', req.name, () =>
      aep.ensureBaseConnection.executeWithOptions(
        { ...AEP_CALL, summary: `Base connection "${req.name}"` },
        [{ owner, description: req.description, dataType: req.dataType, authenticationRequired }],
      ),
    );
    record('baseConnection', base);
    // The source connection needs only the base connection's id, so it does not wait for the
    // inlet URL: the two calls overlap and the critical path stays base → source → flow.
    const [inlet, source] = await Promise.all([
      aep.getInlet.executeWithOptions({ ...INLET_POLL, summary: 'Read the inlet URL' }, [
        { sandbox: req.sandbox, baseConnectionId: base.id },
      ]),
      ensure('sourceConnection', req.name, () =>
        aep.ensureSourceConnection.executeWithOptions(
          { ...AEP_CALL, summary: 'Source connection' },
          [{ owner, baseConnectionId: base.id, lookupFirst: !base.created }],
        ),
      ),
    ]);
    progress.inletUrl = inlet.inletUrl;
    done('inlet URL read');
    record('sourceConnection', source);
    return { base, inlet, source };
  });

  // The schema check, with the lookups of the target side beside it (read-only). Nothing is
  // created on the target side before it has passed; the creates then carry what it found, so
  // the target side's critical path is schema → dataset → target connection → flow, no lookups.
  const inspection = branches.run(() =>
    aep.inspectTarget.executeWithOptions(
      { ...AEP_CALL, summary: 'Check the target XDM schema; find what an earlier run created' },
      [
        {
          owner,
          schemaId: req.target.schemaId,
          datasetName: req.target.datasetId === undefined ? req.target.dataset?.name : undefined,
          mappingSet: req.mappings !== undefined,
        },
      ],
    ),
  );
  const schemaChecked = branches.run(async () => {
    await inspection;
    done('schema found');
  });

  const targetBranch = branches.run(async () => {
    await schemaChecked;
    const found = await inspection;
    const datasetName = req.target.dataset?.name ?? req.name;
    const datasetOwned = req.target.datasetId === undefined;
    const dataset = await ensure(
      'dataset',
      datasetName,
      () =>
        aep.ensureDataset.executeWithOptions(
          {
            ...AEP_CALL,
            summary: req.target.datasetId
              ? `Check dataset ${req.target.datasetId}`
              : `Dataset "${datasetName}"`,
          },
          [
            {
              owner,
              lookupFirst: true,
              schemaId: req.target.schemaId,
              datasetId: req.target.datasetId,
              dataset: req.target.dataset,
              found: found.dataset,
            },
          ],
        ),
      datasetOwned,
    );
    record('dataset', dataset, datasetOwned);
    const target = await ensure('targetConnection', req.name, () =>
      aep.ensureTargetConnection.executeWithOptions({ ...AEP_CALL, summary: 'Target connection' }, [
        {
          owner,
          lookupFirst: true,
          datasetId: dataset.id,
          schemaId: req.target.schemaId,
          found: found.targetConnection,
        },
      ]),
    );
    record('targetConnection', target);
    return { dataset, target };
  });

  const mappings = req.mappings;
  const mappingBranch = mappings
    ? branches.run(async () => {
        await schemaChecked;
        const found = await inspection;
        const mappingSet = await ensure('mappingSet', req.name, () =>
          aep.ensureMappingSet.executeWithOptions(
            { ...AEP_CALL, summary: `Data Prep mapping set (${mappings.length} mappings)` },
            [
              {
                owner,
                lookupFirst: true,
                schemaId: req.target.schemaId,
                mappings,
                found: found.mappingSet,
              },
            ],
          ),
        );
        record('mappingSet', mappingSet);
        return mappingSet;
      })
    : Promise.resolve(undefined);

  try {
    let parts: [
      Awaited<typeof baseBranch>,
      Awaited<typeof targetBranch>,
      Awaited<typeof mappingBranch>,
      void,
    ];
    try {
      parts = await Promise.all([baseBranch, targetBranch, mappingBranch, schemaChecked]);
    } catch (err) {
      // One branch failed: stop the others and wait until every call in flight has settled, so
      // that compensation sees every resource any branch may have created.
      branches.cancel();
      await Promise.allSettled([baseBranch, targetBranch, mappingBranch, schemaChecked]);
      // A branch settles as soon as one of its parallel calls fails; its other call may still be
      // running (activities are cancelled with WAIT_CANCELLATION_COMPLETED, so these settle only
      // once the worker is done with them).
      await Promise.allSettled(creates);
      throw err;
    }
    const [{ base, inlet, source }, { dataset, target }, mappingSet] = parts;
    throwIfCancelled();

    setStatus('PROVISIONING', 'Creating the dataflow');
    const flow = await ensure('flow', req.name, () =>
      aep.ensureFlow.executeWithOptions({ ...AEP_CALL, summary: 'Dataflow' }, [
        {
          owner,
          lookupFirst: !source.created,
          sourceConnectionId: source.id,
          targetConnectionId: target.id,
          mappingSet: mappingSet ? { id: mappingSet.id, version: mappingSet.version } : undefined,
        },
      ]),
    );
    record('flow', flow);
    // A cancellation that arrives while the last create is on the wire is still honoured: the
    // caller asked for no source, so what was created is compensated.
    throwIfCancelled();

    let smokeTest: ProvisionResult['smokeTest'];
    if (req.smokeTest) {
      const wait = req.smokeTest.activationWaitSeconds;
      setStatus('WAITING_FOR_ACTIVATION', `Waiting ${wait}s for the dataflow to activate`);
      // A durable timer: a worker restart during the wait loses nothing.
      await sleep(wait * 1000);
      setStatus('SMOKE_TESTING', 'Sending one record to the inlet');
      smokeTest = await aep.sendSmokeRecord.executeWithOptions(
        { ...AEP_CALL, summary: 'Smoke test: one record to the inlet' },
        [
          {
            sandbox: req.sandbox,
            inletUrl: inlet.inletUrl,
            flowId: flow.id,
            dataType: req.dataType,
            schemaId: req.target.schemaId,
            datasetId: dataset.id,
            authenticated: inlet.authenticationRequired,
            record: req.smokeTest.record,
          },
        ],
      );
      done(`smoke test accepted (${smokeTest.status})`);
    }

    const refs = progress.resources;
    const kinds = Object.keys(refs) as ResourceKind[];
    const result: ProvisionResult = {
      sandbox: req.sandbox,
      name: req.name,
      inletUrl: inlet.inletUrl,
      inletId: inlet.inletId,
      flowId: flow.id,
      baseConnectionId: base.id,
      sourceConnectionId: source.id,
      targetConnectionId: target.id,
      datasetId: dataset.id,
      mappingSetId: mappingSet?.id,
      dataType: req.dataType,
      authenticationRequired: inlet.authenticationRequired,
      smokeTest,
      created: kinds.filter((k) => refs[k]?.created),
      reused: kinds.filter((k) => !refs[k]?.created),
    };
    setStatus('SUCCEEDED', `Inlet ${inlet.inletUrl} — flow ${flow.id}`);
    return result;
  } catch (err) {
    // The caller's cancellation wins over the error it surfaces as: Temporal does not retry an
    // activity whose cancellation was requested, so a call on the wire when the cancel arrived
    // can reach here as its own (retryable) failure, e.g. a 429, instead of a CancelledFailure.
    const cancelled = isCancellation(err) || CancellationScope.current().consideredCancelled;
    progress.error = describeFailure(err);
    setStatus(
      'COMPENSATING',
      `Deleting what this run created (${cancelled ? 'cancelled' : progress.error})`,
    );
    log.warn('Provisioning failed; compensating', { error: progress.error, cancelled });

    const outcomes = await CancellationScope.nonCancellable(() => compensate(compensations, owner));
    progress.compensation = outcomes;
    const leftovers = outcomes.filter((o) => o.outcome === 'failed');
    const compensated = outcomes.filter((o) => o.outcome !== 'failed');

    if (leftovers.length > 0) {
      setStatus('FAILED', `Compensation left ${leftovers.length} resource(s) behind`);
      throw ApplicationFailure.create({
        type: FailureType.CompensationFailed,
        message: `Provisioning of "${req.name}" failed (${progress.error}) and ${leftovers.length} resource(s) could not be deleted: ${leftovers
          .map((l) => `${l.kind} ${l.id ?? '(unknown id)'}`)
          .join(', ')}`,
        nonRetryable: true,
        details: [{ leftovers, compensated, cause: rootFailureType(err) }],
        cause: err instanceof Error ? err : undefined,
      });
    }
    if (cancelled) {
      setStatus('CANCELLED', `Cancelled; ${compensated.length} resource(s) deleted`);
      throw isCancellation(err)
        ? err
        : new CancelledFailure(
            'Provisioning cancelled',
            [],
            err instanceof Error ? err : undefined,
          );
    }
    setStatus('FAILED', `${progress.error}; ${compensated.length} resource(s) deleted`);
    throw ApplicationFailure.create({
      type: FailureType.ProvisioningFailed,
      message: `Provisioning of "${req.name}" failed: ${progress.error}. Compensated: ${
        compensated.map((c) => `${c.kind} ${c.id ?? ''}`.trim()).join(', ') || 'nothing to delete'
      }`,
      nonRetryable: true,
      details: [{ compensated, cause: rootFailureType(err) }],
      cause: err instanceof Error ? err : undefined,
    });
  }
}

function throwIfCancelled(): void {
  if (CancellationScope.current().consideredCancelled) {
    throw new CancelledFailure('Provisioning cancelled');
  }
}

/**
 * Deletes, in reverse dependency order, every resource this run created — including one whose
 * create call failed or was cancelled after Adobe may have committed it (found by the run's own
 * ownership marker). Resources reused from an earlier run or named by the request are kept.
 */
async function compensate(
  compensations: Compensation[],
  owner: Owner,
): Promise<CompensationOutcome[]> {
  const outcomes: CompensationOutcome[] = [];
  for (const kind of TEARDOWN_ORDER) {
    for (const comp of compensations.filter((c) => c.kind === kind)) {
      if (comp.createdByThisRun === false) continue;
      try {
        const r = await undo.deleteResource.executeWithOptions(
          {
            ...DELETE,
            summary: `Compensate: delete ${kind}${comp.id ? ` ${comp.id}` : ` "${comp.name}" if created`}`,
          },
          [
            comp.id
              ? { kind, sandbox: owner.sandbox, id: comp.id }
              : { kind, sandbox: owner.sandbox, owned: { name: comp.name, owner } },
          ],
        );
        for (const id of r.deleted) outcomes.push({ kind, id, outcome: 'deleted' });
        for (const id of r.absent) outcomes.push({ kind, id, outcome: 'absent' });
      } catch (err) {
        outcomes.push({ kind, id: comp.id, outcome: 'failed', error: describeFailure(err) });
      }
    }
  }
  return outcomes;
}
