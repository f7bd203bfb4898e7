import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { RequestConflictError, summarizeFailure } from '../src/client';
import type { StoredResource } from '../emulator/control';
import { creatorSource, userDescription } from '../src/activities/ownership';
import { SPEC } from '../src/aep/constants';
import type { ProvisionRequest, ProvisionRequestInput } from '../src/request';
import { progressQuery, REQUEST_MEMO, sourceWorkflowId, WorkflowType } from '../src/shared/names';
import type { Mapping } from '../src/shared/model';
import { sameMappings } from '../src/shared/plan-source';
import { emptyAudit, KIND, type ResourceAudit } from './audit';
import {
  auditDataSafety,
  emptyDataWatch,
  watchDatasets,
  type DataLog,
  type DataSafetyAudit,
  type TeardownRecord,
} from './data-safety';
import type { Rng } from './rng';
import type { Ctx, ScenarioResult } from './scenarios';
import { SCHEMA_ID, sourceKey, VARIANTS, type Variant } from './sources';
import { EMULATOR_CREDENTIALS, firstLine } from './stack';
import { installUnkindFaults } from './unkind';

/**
 * Scenario `lifecycle` ("one source, one life"): every source gets several concurrent triggers,
 * each issuing a seeded random sequence of provision / changed provision / plan / teardown /
 * teardown during the activation wait, so operations on one source race each other through the
 * product's client (attach, RequestConflictError, teardown cancelling an open provisioning).
 * Afterwards the audit compares each source's state in the emulator with the desired state of the
 * last operation that completed on the source's workflow id (its request, or nothing after a
 * teardown), and counts duplicates, orphans and datasets deleted while a target connection still
 * writes to them. Some sources share a dataset (same `target.dataset.name`).
 *
 * AEP's lists lag (the preset's `--list-lag-ms`, 2 s: every Flow Service, Catalog and Data Prep
 * write shows in lists and name filters that much later), and a seeded share of the teardowns
 * (`--delete-dataset`, a third) asks `deleteDataset: true`; the driver logs those and each
 * succeeded provisioning's dataset, samples the emulator's datasets, and the audit counts data
 * lost and sources left without a flow (chaos/data-safety.ts says the exact rules).
 */

// ---------------------------------------------------------------------------------------------
// Sources and their request versions

export interface RequestVersion {
  /** base, description, mappings, auth (replace), dataType (replace), dataType (no replace). */
  label: string;
  /** Part of the "changed provision" pool (everything but `base`). */
  changed: boolean;
  request: ProvisionRequestInput;
}

export interface LifecycleSource {
  index: number;
  sandbox: string;
  name: string;
  variant: Variant;
  datasetName: string;
  versions: RequestVersion[];
}

const MAPPINGS_A = [
  { sourceAttribute: 'id', destinationXdmPath: '_id' },
  { sourceAttribute: 'firstName', destinationXdmPath: 'person.name.firstName' },
];
const MAPPINGS_B = [
  { sourceAttribute: 'id', destinationXdmPath: '_id' },
  { sourceAttribute: 'lastName', destinationXdmPath: 'person.name.lastName' },
];

/**
 * Sources in blocks of 8 alternate sandboxes (even: prod, odd: dev); in each block sources 0 and
 * 2 (prod) and 1 and 3 (dev) write to one shared dataset, so half the sources share one; sources
 * 4 and 5 have their own (their requests name none), 6 and 7 name one of their own.
 */
export function lifecycleSources(
  count: number,
  opts: { prefix: string; activationWaitSeconds: (index: number) => number },
): LifecycleSource[] {
  return Array.from({ length: count }, (_, index) => {
    const variant = VARIANTS[index % VARIANTS.length]!;
    const sandbox = index % 2 === 0 ? 'prod' : 'dev';
    const name = `${opts.prefix} ${String(index).padStart(4, '0')} ${variant.label}`;
    const block = Math.floor(index / 8);
    const own = index % 8 === 4 || index % 8 === 5;
    const datasetName =
      index % 8 < 4 ? `${opts.prefix} shared ${block} ${sandbox} ds` : own ? name : `${name} ds`;
    const base: ProvisionRequestInput = {
      name,
      sandbox,
      description: `lifecycle ${index}`,
      dataType: variant.dataType,
      ...(variant.authenticated ? { authentication: { required: true } } : {}),
      target: { schemaId: SCHEMA_ID, dataset: own ? {} : { name: datasetName } },
      ...(variant.mapping ? { mappings: MAPPINGS_A } : {}),
      smokeTest: { activationWaitSeconds: opts.activationWaitSeconds(index) },
    };
    const versions: RequestVersion[] = [
      { label: 'base', changed: false, request: base },
      {
        label: 'description',
        changed: true,
        request: { ...base, description: `lifecycle ${index} (changed)` },
      },
      {
        label: 'auth+replace',
        changed: true,
        request: {
          ...base,
          authentication: { required: !variant.authenticated },
          replace: true,
        },
      },
    ];
    if (variant.dataType === 'raw') {
      // In place: a new mapping-set version (mapping variant), or mappings added (flow replaced).
      versions.push({
        label: variant.mapping ? 'mappings changed' : 'mappings added',
        changed: true,
        request: { ...base, mappings: variant.mapping ? MAPPINGS_B : MAPPINGS_A },
      });
      if (variant.mapping) {
        const { mappings: _dropped, ...withoutMappings } = base;
        versions.push({ label: 'mappings removed', changed: true, request: withoutMappings });
      }
    } else {
      // Refused with ExistingSourceDiffers while the xdm source exists; created when it does not.
      versions.push({
        label: 'dataType (no replace)',
        changed: true,
        request: { ...base, dataType: 'raw' },
      });
      versions.push({
        label: 'dataType+replace',
        changed: true,
        request: { ...base, dataType: 'raw', replace: true },
      });
    }
    return { index, sandbox, name, variant, datasetName, versions };
  });
}

// ---------------------------------------------------------------------------------------------
// The audit (pure: resources + the desired state of each source)

export interface SourceFinal {
  sandbox: string;
  name: string;
  /** The last completed operation's request, or null (a teardown, or nothing completed). */
  desired: ProvisionRequest | null;
  /** What that operation was, for the examples. */
  lastCompleted?: string;
}

export interface LifecycleAudit extends ResourceAudit, DataSafetyAudit {
  datasetsDeletedInUse: number;
  /** Sources whose AEP state is not their last completed operation's desired state. */
  stateMismatches: number;
  /** Per field, the sources whose state differs in it. */
  mismatchesByField: Record<string, number>;
}

interface Body {
  auth?: { params?: { dataType?: string; authenticationRequired?: boolean } };
  baseConnectionId?: string;
  params?: { dataSetId?: string };
  schemaRef?: { id?: string };
  name?: string;
  flowSpec?: { id?: string };
  state?: string;
  sourceConnectionIds?: string[];
  targetConnectionIds?: string[];
  transformations?: Array<{
    name?: string;
    params?: { mappingId?: unknown; mappingVersion?: unknown };
  }>;
  mappings?: Array<{ sourceAttribute?: string; destinationXdmPath?: string; identity?: boolean }>;
  version?: number;
}
const body = (r: StoredResource) => r.body as Body;

/**
 * `log`: what the driver recorded about datasets (succeeded provisionings' `datasetId`, teardowns
 * with or without `deleteDataset`, samples of the emulator), for the data-safety counts
 * (chaos/data-safety.ts) and to tell a dataset kept on purpose from an orphan; `endAt`: when the
 * final resources were read. Without a log nothing succeeded onto any dataset, so a dataset no
 * target connection writes to and no source wants is an orphan.
 */
export function auditLifecycle(
  resources: readonly StoredResource[],
  finals: readonly SourceFinal[],
  log: DataLog = { startedAt: 0, reported: [], teardowns: [], watch: emptyDataWatch() },
  endAt = Date.now(),
): LifecycleAudit {
  const safety = auditDataSafety(
    resources,
    finals.map((f) => ({ sandbox: f.sandbox, name: f.name, present: f.desired !== null })),
    log,
    endAt,
  );
  const { retention, ...safetyCounts } = safety;
  const a: LifecycleAudit = {
    ...emptyAudit(),
    datasetsDeletedInUse: 0,
    stateMismatches: 0,
    mismatchesByField: {},
    ...safetyCounts,
  };
  const example = (s: string) => {
    if (a.examples.length < 30) a.examples.push(s);
  };
  const finalOf = new Map(finals.map((f) => [sourceKey(f.sandbox, f.name), f]));
  const datasets = new Map<string, StoredResource>(); // sandbox\0id
  const datasetsByName = new Map<string, StoredResource[]>(); // sandbox\0name
  const targets: StoredResource[] = [];
  const perSource = new Map<string, StoredResource[]>(); // sandbox/name\0kind
  const group = (key: string, kind: string) => perSource.get(`${key}\u0000${kind}`) ?? [];

  for (const r of resources) {
    if (r.kind === 'schema') continue;
    a.resources += 1;
    if (r.kind === 'dataset') {
      datasets.set(`${r.sandbox}\u0000${r.id}`, r);
      const k = `${r.sandbox}\u0000${r.name ?? body(r).name ?? ''}`;
      datasetsByName.set(k, [...(datasetsByName.get(k) ?? []), r]);
      continue;
    }
    if (r.kind === 'targetConnection') targets.push(r);
    const source = creatorSource(r.description);
    if (source === undefined) {
      a.orphans += 1;
      a.leftovers.unknownSource += 1;
      example(`orphan ${r.kind} ${r.id} in ${r.sandbox}: no ownership marker`);
      continue;
    }
    const key = `${sourceKey(r.sandbox, source)}\u0000${KIND[r.kind] ?? r.kind}`;
    perSource.set(key, [...(perSource.get(key) ?? []), r]);
  }

  // Non-dataset resources: one per kind for a source that should exist, none otherwise.
  for (const [key, list] of perSource) {
    const [src, kind] = key.split('\u0000') as [string, string];
    const final = finalOf.get(src);
    const desired = final?.desired ?? null;
    const expected = desired ? (kind === 'mappingSet' ? (desired.mappings ? 1 : 0) : 1) : 0;
    if (!final) a.leftovers.unknownSource += list.length;
    if (list.length <= expected) continue;
    if (expected === 1) {
      a.duplicates += list.length - 1;
      example(`duplicate ${kind} ×${list.length} of ${src}: ${list.map((r) => r.id).join(', ')}`);
    } else {
      a.orphans += list.length;
      example(
        `orphan ${kind} ${list.map((r) => r.id).join(', ')} of ${src} (${final ? `last completed: ${final.lastCompleted ?? 'nothing'}` : 'not a source of this run'})`,
      );
    }
  }

  // Datasets: one per (sandbox, name); one no target connection writes to and no source wants
  // is an orphan (a shared one stays while any source writes to it), unless it is retained: it
  // holds data (a provisioning succeeded onto it) and no teardown asked to delete it
  // (chaos/data-safety.ts, retention).
  const referenced = new Set(targets.map((t) => `${t.sandbox}\u0000${body(t).params?.dataSetId}`));
  const wanted = new Set(
    finals
      .filter((f) => f.desired?.target.dataset)
      .map((f) => `${f.sandbox}\u0000${f.desired!.target.dataset!.name ?? f.name}`),
  );
  for (const [k, list] of datasetsByName) {
    if (list.length > 1) {
      a.duplicates += list.length - 1;
      example(
        `duplicate dataset ×${list.length} "${k.split('\u0000')[1]}" in ${k.split('\u0000')[0]}: ${list.map((r) => r.id).join(', ')}`,
      );
    }
    for (const ds of list) {
      const marked = creatorSource(ds.description) !== undefined;
      if (referenced.has(`${ds.sandbox}\u0000${ds.id}`)) continue;
      if (marked && wanted.has(k)) continue;
      const kept = retention(ds.sandbox, ds.id);
      if (marked && kept.retained) continue;
      a.orphans += 1;
      if (!marked) a.leftovers.unknownSource += 1;
      example(
        `orphan dataset ${ds.id} "${ds.name ?? ''}" in ${ds.sandbox}: no target connection writes to it${kept.retained ? '' : `, ${kept.why}`}`,
      );
    }
  }

  // A target connection writing to a dataset that is gone: deleted while in use.
  for (const t of targets) {
    const ds = body(t).params?.dataSetId;
    if (ds !== undefined && !datasets.has(`${t.sandbox}\u0000${ds}`)) {
      a.datasetsDeletedInUse += 1;
      example(
        `dataset ${ds} deleted while target connection ${t.id} (${creatorSource(t.description) ?? '?'}) in ${t.sandbox} writes to it`,
      );
    }
  }

  // Each source against its last completed operation's desired state.
  for (const f of finals) {
    const key = sourceKey(f.sandbox, f.name);
    const fields = f.desired
      ? mismatches(f.desired, {
          base: group(key, 'baseConnection')[0],
          source: group(key, 'sourceConnection')[0],
          target: group(key, 'targetConnection')[0],
          mappingSet: group(key, 'mappingSet')[0],
          flow: group(key, 'flow')[0],
          dataset: (id) => datasets.get(`${f.sandbox}\u0000${id}`),
        })
      : ['baseConnection', 'sourceConnection', 'targetConnection', 'mappingSet', 'flow']
          .filter((kind) => group(key, kind).length > 0)
          .map((kind) => `${kind} present`);
    if (fields.length === 0) continue;
    a.stateMismatches += 1;
    for (const field of fields) a.mismatchesByField[field] = (a.mismatchesByField[field] ?? 0) + 1;
    example(
      `state of ${key} differs from "${f.lastCompleted ?? 'nothing completed'}": ${fields.join(', ')}`,
    );
  }
  for (const e of [...safety.dataLostExamples, ...safety.sourcesWithoutFlowExamples]) example(e);
  return a;
}

interface Held {
  base?: StoredResource;
  source?: StoredResource;
  target?: StoredResource;
  mappingSet?: StoredResource;
  flow?: StoredResource;
  dataset: (id: string) => StoredResource | undefined;
}

/** The fields in which what AEP holds differs from the request (empty when it matches). */
export function mismatches(req: ProvisionRequest, held: Held): string[] {
  const out: string[] = [];
  const { base, source, target, mappingSet, flow } = held;
  if (!base) out.push('baseConnection missing');
  else {
    const params = body(base).auth?.params;
    if (params?.dataType !== req.dataType) out.push('dataType');
    if ((params?.authenticationRequired === true) !== (req.authentication?.required ?? false))
      out.push('authentication');
    if (userDescription(base.description) !== (req.description ?? '')) out.push('description');
  }
  if (!source) out.push('sourceConnection missing');
  else if (base && body(source).baseConnectionId !== base.id)
    out.push('sourceConnection.baseConnectionId');
  if (!target) out.push('targetConnection missing');
  else {
    const dsId = body(target).params?.dataSetId;
    const ds = dsId === undefined ? undefined : held.dataset(dsId);
    if (!ds) out.push('dataset missing');
    else {
      if (
        req.target.datasetId !== undefined
          ? ds.id !== req.target.datasetId
          : ds.name !== (req.target.dataset?.name ?? req.name)
      )
        out.push('dataset');
      if (body(ds).schemaRef?.id !== req.target.schemaId) out.push('schema');
    }
  }
  const wanted = req.mappings;
  if (wanted) {
    if (!mappingSet) out.push('mappingSet missing');
    else {
      const held: Mapping[] = (body(mappingSet).mappings ?? []).map((m) => ({
        sourceAttribute: m.sourceAttribute ?? '',
        destinationXdmPath: m.destinationXdmPath ?? '',
        identity: m.identity === true,
      }));
      if (!sameMappings(held, wanted)) out.push('mappings');
    }
  } else if (mappingSet) out.push('mappingSet present');
  if (!flow) out.push('flow missing');
  else {
    const b = body(flow);
    const spec = wanted ? SPEC.streamingFlowWithMapping.id : SPEC.streamingFlow.id;
    if (b.flowSpec?.id !== spec) out.push('flowSpec');
    if (b.state !== 'enabled') out.push('flow.state');
    if (source && !(b.sourceConnectionIds ?? []).includes(source.id))
      out.push('flow.sourceConnection');
    if (target && !(b.targetConnectionIds ?? []).includes(target.id))
      out.push('flow.targetConnection');
    if (wanted && mappingSet) {
      const m = (b.transformations ?? []).find((t) => t.name === 'Mapping')?.params;
      if (m?.mappingId !== mappingSet.id) out.push('flow.mappingId');
      else if (Number(m.mappingVersion ?? -1) !== Number(body(mappingSet).version ?? 0))
        out.push('flow.mappingVersion');
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The driver

type OpKind = 'provision' | 'changedProvision' | 'plan' | 'teardown' | 'teardownDuringWait';

interface OpWeights {
  kind: OpKind;
  weight: number;
}
const OPS: readonly OpWeights[] = [
  { kind: 'provision', weight: 0.3 },
  { kind: 'changedProvision', weight: 0.3 },
  { kind: 'plan', weight: 0.15 },
  { kind: 'teardown', weight: 0.1 },
  { kind: 'teardownDuringWait', weight: 0.15 },
];

function pickOp(rng: Rng): OpKind {
  let x = rng.next();
  for (const o of OPS) {
    if (x < o.weight) return o.kind;
    x -= o.weight;
  }
  return 'provision';
}

interface Tally {
  operations: Record<OpKind, number>;
  succeeded: number;
  failed: number;
  cancelled: number;
  unfinished: number;
  requestConflicts: number;
  /** Teardowns that cancelled an open provisioning first (the client's onWait). */
  provisioningsCancelledByTeardown: number;
  /** Teardowns sent while the provisioning was seen in WAITING_FOR_ACTIVATION. */
  teardownsDuringActivationWait: number;
  /** Teardown calls that asked `deleteDataset: true` (refused ones included). */
  teardownsAskingDeleteDataset: number;
  /** Failures by `operation type/rootType`. */
  failuresByType: Record<string, number>;
  /** The first message of each failure key: what a reader needs to tell a bug from a refusal. */
  failureExamples: Record<string, string>;
  /** Errors of the driver's own calls (start, describe) that are none of the above. */
  driverErrors: number;
  examples: string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for a workflow result until the run's deadline; 'unfinished' after it. */
async function until<T>(ctx: Ctx, p: Promise<T>): Promise<T | 'unfinished'> {
  // Given up on at the deadline, p may still reject later: that must not be unhandled.
  p.catch(() => undefined);
  const left = ctx.deadline - Date.now();
  if (left <= 0) return 'unfinished';
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<'unfinished'>((r) => {
        timer = setTimeout(() => r('unfinished'), left);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runLifecycle(ctx: Ctx, prefix: string): Promise<ScenarioResult> {
  const { opts, stack } = ctx;
  const client = stack.client;
  // Lists that lag (and any other unkind fault asked for on the command line).
  for (const line of await installUnkindFaults(stack.emulator.control, opts))
    ctx.log(`lifecycle: ${line}`);
  const waitRng = ctx.rng.fork('activation-wait');
  const specs = lifecycleSources(opts.sources, {
    prefix,
    activationWaitSeconds: () => waitRng.int(opts.activationWaitMin, opts.activationWaitMax),
  });
  const tally: Tally = {
    operations: {
      provision: 0,
      changedProvision: 0,
      plan: 0,
      teardown: 0,
      teardownDuringWait: 0,
    },
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    unfinished: 0,
    requestConflicts: 0,
    provisioningsCancelledByTeardown: 0,
    teardownsDuringActivationWait: 0,
    teardownsAskingDeleteDataset: 0,
    failuresByType: {},
    failureExamples: {},
    driverErrors: 0,
    examples: [],
  };
  const runsOf = new Map<string, Set<string>>(); // workflow id → run ids seen
  const note = (workflowId: string, runId: string) => {
    const s = runsOf.get(workflowId) ?? new Set<string>();
    s.add(runId);
    runsOf.set(workflowId, s);
    ctx.executions.push({ workflowId, runId });
  };
  const failure = (op: string, err: unknown) => {
    const s = summarizeFailure(err);
    if (s.type === 'Cancelled') {
      tally.cancelled += 1;
      ctx.progress.cancelled += 1;
      return;
    }
    const key = `${op} ${s.type === s.rootType ? s.type : `${s.type}/${s.rootType}`}`;
    tally.failuresByType[key] = (tally.failuresByType[key] ?? 0) + 1;
    tally.failureExamples[key] ??= s.message;
    tally.failed += 1;
    ctx.progress.failed += 1;
  };
  const driverError = (what: string, err: unknown) => {
    tally.driverErrors += 1;
    if (tally.examples.length < 10) tally.examples.push(`${what}: ${firstLine(err)}`);
  };
  type Settled<T> =
    { state: 'succeeded'; value: T } | { state: 'failed' | 'cancelled' | 'unfinished' | 'error' };
  const settle = async <T>(op: string, p: Promise<T>): Promise<Settled<T>> => {
    try {
      const r = await until(ctx, p);
      if (r === 'unfinished') {
        tally.unfinished += 1;
        ctx.progress.unfinished += 1;
        return { state: 'unfinished' };
      }
      tally.succeeded += 1;
      ctx.progress.succeeded += 1;
      return { state: 'succeeded', value: r };
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        failure(op, err);
        return { state: summarizeFailure(err).type === 'Cancelled' ? 'cancelled' : 'failed' };
      }
      driverError(`${op} result`, err);
      return { state: 'error' };
    }
  };

  // The data log: each succeeded provisioning's dataset and each teardown asked, with when (kept
  // in memory for the audit, and appended to lifecycle-log.jsonl in the run's directory).
  const dataLog: DataLog = {
    startedAt: Date.now(),
    reported: [],
    teardowns: [],
    watch: emptyDataWatch(),
  };
  const logFile = path.join(stack.opts.dir, 'lifecycle-log.jsonl');
  const record = (event: string, fields: object) => {
    try {
      appendFileSync(logFile, `${JSON.stringify({ event, ...fields })}\n`);
    } catch {
      // The log file is for a reader; the audit works from memory.
    }
  };

  const provision = async (spec: LifecycleSource, v: RequestVersion) => {
    let started;
    try {
      started = await client.startProvision(v.request);
    } catch (err) {
      if (err instanceof RequestConflictError) {
        tally.requestConflicts += 1;
        return;
      }
      driverError(`provision ${spec.name} (${v.label})`, err);
      return;
    }
    note(started.workflowId, started.runId);
    ctx.progress.started += 1;
    const r = await settle('provision', started.handle.result());
    if (r.state === 'succeeded') {
      const report = {
        sandbox: spec.sandbox,
        name: spec.name,
        datasetId: r.value.datasetId,
        runId: started.runId,
        at: Date.now(),
      };
      dataLog.reported.push(report);
      record('provisioned', { ...report, version: v.label });
    }
  };

  const teardown = async (spec: LifecycleSource, duringWait: boolean, deleteDataset: boolean) => {
    const workflowId = sourceWorkflowId({ imsOrg: EMULATOR_CREDENTIALS.orgId, ...spec });
    if (duringWait) {
      // Wait (bounded) until the open provisioning sleeps before its smoke record, then strike.
      for (let i = 0; i < 40 && Date.now() < ctx.deadline; i++) {
        try {
          const h = client.client.workflow.getHandle(workflowId);
          const d = await h.describe();
          if (d.status.name === 'RUNNING' && d.type === WorkflowType.provision) {
            const p = await h.query(progressQuery);
            if (p.status === 'WAITING_FOR_ACTIVATION') {
              tally.teardownsDuringActivationWait += 1;
              break;
            }
          }
        } catch {
          // Not started yet, or between runs: look again.
        }
        await sleep(100);
      }
    }
    if (deleteDataset) tally.teardownsAskingDeleteDataset += 1;
    const asked: TeardownRecord = {
      sandbox: spec.sandbox,
      name: spec.name,
      deleteDataset,
      askedAt: Date.now(),
      outcome: 'open',
    };
    dataLog.teardowns.push(asked);
    let started;
    try {
      started = await client.startDeprovision(
        { sandbox: spec.sandbox, name: spec.name, ...(deleteDataset ? { deleteDataset } : {}) },
        () => {
          tally.provisioningsCancelledByTeardown += 1;
        },
      );
    } catch (err) {
      if (err instanceof RequestConflictError) {
        tally.requestConflicts += 1;
        asked.outcome = 'conflict';
      } else {
        asked.outcome = 'error';
        driverError(`teardown ${spec.name}`, err);
      }
      record('teardown', asked);
      return;
    }
    asked.runId = started.runId;
    asked.started = started.started;
    record('teardown asked', asked);
    note(started.workflowId, started.runId);
    ctx.progress.started += 1;
    const r = await settle('teardown', started.handle.result());
    asked.outcome = r.state;
    if (r.state !== 'unfinished') asked.closedAt = Date.now();
    if (r.state === 'succeeded') {
      asked.datasetsDeleted = r.value.deleted.filter((d) => d.kind === 'dataset').map((d) => d.id);
      asked.datasetsKept = r.value.kept
        .filter((k) => k.kind === 'dataset')
        .map((k) => ({ id: k.id, ...(k.reason !== undefined ? { reason: k.reason } : {}) }));
    }
    record('teardown', asked);
  };

  const plan = async (spec: LifecycleSource, v: RequestVersion) => {
    ctx.progress.started += 1;
    await settle('plan', client.plan(v.request));
  };

  const trigger = async (spec: LifecycleSource, t: number) => {
    const rng = ctx.rng.fork(`trigger ${spec.index} ${t}`);
    // Its own stream, so that the share does not shift the operations drawn.
    const deleteRng = ctx.rng.fork(`delete dataset ${spec.index} ${t}`);
    await sleep(rng.int(0, 500));
    for (let i = 0; i < opts.opsPerTrigger && Date.now() < ctx.deadline; i++) {
      const op = pickOp(rng);
      tally.operations[op] += 1;
      ctx.progress.requested += 1;
      const changed = spec.versions.filter((v) => v.changed);
      const run = (): Promise<void> => {
        switch (op) {
          case 'provision':
            return provision(spec, spec.versions[0]!);
          case 'changedProvision':
            return provision(spec, rng.pick(changed));
          case 'plan':
            return plan(spec, rng.pick(spec.versions));
          case 'teardown':
            return teardown(spec, false, deleteRng.next() < opts.deleteDatasetShare);
          case 'teardownDuringWait':
            return teardown(spec, true, deleteRng.next() < opts.deleteDatasetShare);
        }
      };
      // Every Temporal call of the operation ends when the scenario does (ctx.abort).
      await until(ctx, client.client.withAbortSignal(ctx.abort, run)).catch((err: unknown) =>
        driverError(`${op} ${spec.name}`, err),
      );
      await sleep(rng.int(0, 1000));
    }
  };

  ctx.log(
    `${specs.length} sources × ${opts.triggers} triggers × ${opts.opsPerTrigger} operations; activation wait ${opts.activationWaitMin}-${opts.activationWaitMax} s; list lag ${opts.listLagMs} ms; deleteDataset on ${Math.round(opts.deleteDatasetShare * 100)} % of teardowns; data log ${path.relative(process.cwd(), logFile)}`,
  );
  const watcher = watchDatasets(stack.emulator.control, 1000);
  // At most --concurrency sources have their triggers running at once.
  let next = 0;
  const lane = async () => {
    for (;;) {
      const spec = specs[next++];
      if (!spec) return;
      await Promise.all(Array.from({ length: opts.triggers }, (_, t) => trigger(spec, t)));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, specs.length) }, lane));
  } finally {
    dataLog.watch = await watcher.stop();
  }

  // Which operation completed last on each source's workflow id, and what it wanted.
  const finals: SourceFinal[] = [];
  let stillOpen = 0;
  const problems: string[] = [];
  await Promise.all(
    specs.map(async (spec) => {
      const workflowId = sourceWorkflowId({ imsOrg: EMULATOR_CREDENTIALS.orgId, ...spec });
      const runs = [...(runsOf.get(workflowId) ?? [])];
      let last:
        { closed: number; type: string; memo?: Record<string, unknown>; runId: string } | undefined;
      for (const runId of runs) {
        try {
          const d = await client.client.workflow.getHandle(workflowId, runId).describe();
          if (d.status.name === 'RUNNING') stillOpen += 1;
          if (d.status.name !== 'COMPLETED' || !d.closeTime) continue;
          const closed = d.closeTime.getTime();
          if (!last || closed > last.closed)
            last = { closed, type: d.type, runId, ...(d.memo ? { memo: d.memo } : {}) };
        } catch (err) {
          driverError(`describe ${workflowId} ${runId}`, err);
        }
      }
      let desired: ProvisionRequest | null = null;
      if (last?.type === WorkflowType.provision) {
        try {
          desired = client.validate(last.memo?.[REQUEST_MEMO]);
        } catch (err) {
          problems.push(
            `the request of ${workflowId} run ${last.runId} could not be read: ${firstLine(err)}`,
          );
        }
      }
      const deletedDataset = (runId: string) =>
        dataLog.teardowns.some((t) => t.runId === runId && t.started !== false && t.deleteDataset);
      const label = last
        ? last.type === WorkflowType.provision
          ? `provision ${spec.versions.find((v) => sameRequest(v.request, desired))?.label ?? '?'}`
          : deletedDataset(last.runId)
            ? 'teardown (deleteDataset)'
            : 'teardown'
        : undefined;
      finals.push({
        sandbox: spec.sandbox,
        name: spec.name,
        desired,
        ...(label ? { lastCompleted: label } : {}),
      });
    }),
  );
  if (stillOpen > 0) problems.push(`${stillOpen} operation(s) still running at the audit`);
  const withSource = finals.filter((f) => f.desired).length;
  ctx.log(
    `operations ${JSON.stringify(tally.operations)}; ${withSource} source(s) should exist, ${finals.length - withSource} should be gone`,
  );

  return {
    outcomes: [],
    problems,
    audit: (resources) => auditLifecycle(resources, finals, dataLog, Date.now()),
    summaryFields: [
      'duplicates',
      'orphans',
      'datasetsDeletedInUse',
      'stateMismatches',
      'dataLost',
      'sourcesWithoutFlow',
    ],
    figures: {
      succeeded: tally.succeeded,
      failed: tally.failed,
      cancelled: tally.cancelled,
      unfinished: tally.unfinished,
      failuresByType: tally.failuresByType,
      failureExamples: tally.failureExamples,
      operations: tally.operations,
      requestConflicts: tally.requestConflicts,
      provisioningsCancelledByTeardown: tally.provisioningsCancelledByTeardown,
      teardownsDuringActivationWait: tally.teardownsDuringActivationWait,
      teardownsAskingDeleteDataset: tally.teardownsAskingDeleteDataset,
      deleteDatasetShare: opts.deleteDatasetShare,
      listLagMs: opts.listLagMs,
      datasetSamples: dataLog.watch.observations,
      datasetSampleErrors: dataLog.watch.errors,
      driverErrors: tally.driverErrors,
      driverErrorExamples: tally.examples,
      sourcesPresent: withSource,
      sourcesGone: finals.length - withSource,
      triggers: opts.triggers,
      opsPerTrigger: opts.opsPerTrigger,
    },
  };
}

function sameRequest(input: ProvisionRequestInput, req: ProvisionRequest | null): boolean {
  if (!req) return false;
  const norm = (r: unknown) =>
    JSON.stringify(r, (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
        : v,
    );
  const withDefaults = {
    ...input,
    ...(input.mappings
      ? { mappings: input.mappings.map((m) => ({ ...m, identity: m.identity ?? false })) }
      : {}),
  };
  return norm(withDefaults) === norm(req);
}
