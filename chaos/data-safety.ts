import type { EmulatorControl, StoredResource } from '../emulator/control';
import { creatorSource } from '../src/activities/ownership';

/**
 * Data safety of the `lifecycle` scenario: which datasets held data, which sources wrote to them,
 * which teardowns asked to delete them, and what became of them. The driver records what the
 * product reported (each succeeded provisioning's `result.datasetId`, each teardown it started
 * with or without `deleteDataset: true`, and when) and samples the emulator's stored resources
 * during the run (`EmulatorControl.resources()`, which reads the store itself, not the lagging
 * lists); the audit below is a pure function of that log and of the resources at the end.
 *
 * Terms, per sandbox (a dataset is known by its id, which never comes back once deleted):
 *
 * - D **holds data** when a provisioning succeeded onto it: a succeeded run's `result.datasetId`
 *   is D (any source's run, the run that created D included). A dataset no provisioning ever
 *   succeeded onto held no data: a provisioning that fails or is cancelled may delete the dataset
 *   its own run created when no other source writes to it (compensation), and that is not data
 *   loss.
 * - The **writers** of D: the sources whose succeeded provisioning reported D, and the sources
 *   (by the ownership marker) seen with a target connection on D, in a sample or at the end.
 * - A teardown **asked to delete** D: a teardown run of a writer of D, started with
 *   `deleteDataset: true` (an attached teardown counts with the request of the run it attached
 *   to), asked while D existed (not before D's Catalog `created`, when a sample saw D, and not
 *   after the first sample that no longer held D), and, when it completed, whose result does not
 *   list D among the datasets it kept.
 *
 * `dataLost` counts datasets, each once, that meet either rule:
 *
 * 1. **gone without an explicit delete**: D holds data, D is gone at the end (a dataset seen
 *    deleted during the run is gone at the end too), and no teardown asked to delete D;
 * 2. **deleted under a live writer**: in a sample or at the end, a target connection points to D,
 *    D does not exist, and an enabled flow writes through that target connection (at the end,
 *    also: the target connection's source should exist, its last completed operation being a
 *    provision). A delete asked by another source does not excuse it: that source still wrote
 *    to D. (The product deletes the flow first, so a source's own teardown or compensation never
 *    leaves its enabled flow on a deleted dataset.)
 *
 * `sourcesWithoutFlow` counts base connections (a source's inlet) that exist at the end without
 * an enabled flow that reads from a source connection on that base connection and writes through
 * a target connection to a dataset that exists.
 *
 * Retention (for the audit's orphans): a dataset no target connection writes to and no source
 * wants is kept on purpose when it holds data (a teardown keeps the dataset unless asked), unless
 * the last completed teardown of a source that succeeded onto it asked `deleteDataset: true` and
 * did not keep it: then it should be gone, and is an orphan. A dataset without data and without a
 * writer is an orphan too (the compensation of the run that created it should have deleted it).
 */

// ---------------------------------------------------------------------------------------------
// What the driver records

/** A succeeded provisioning's `result.datasetId` (epoch ms). */
export interface DatasetReport {
  sandbox: string;
  name: string;
  datasetId: string;
  runId?: string;
  at: number;
}

/** A teardown the driver asked for (epoch ms). */
export interface TeardownRecord {
  sandbox: string;
  name: string;
  /** Whether this call asked `deleteDataset: true`. */
  deleteDataset: boolean;
  /** When `startDeprovision` was called. */
  askedAt: number;
  /** The teardown run it started or attached to; absent when refused (RequestConflictError). */
  runId?: string;
  /** False when it attached to a teardown already running (started by another call). */
  started?: boolean;
  outcome: 'open' | 'succeeded' | 'failed' | 'cancelled' | 'unfinished' | 'conflict' | 'error';
  closedAt?: number;
  /** From its result: the datasets it deleted, and those it kept (with why). */
  datasetsDeleted?: string[];
  datasetsKept?: Array<{ id: string; reason?: string }>;
}

/** A dataset as the samples saw it. */
export interface DatasetSeen {
  sandbox: string;
  id: string;
  name?: string;
  /** The source of its ownership marker (undefined: unmarked). */
  creator?: string;
  /** Catalog's `created` (epoch ms). */
  created?: number;
  firstSeen: number;
  lastSeen: number;
  /** The first observation that no longer held it. */
  goneAt?: number;
}

/** What samples of the emulator's resources showed (keys: `sandbox\0datasetId`). */
export interface DataWatch {
  observations: number;
  /** Samples that failed (the emulator busy or gone): a gap, not a finding. */
  errors: number;
  datasets: Record<string, DatasetSeen>;
  /** Per dataset: each source seen with a target connection on it, and when first. */
  writers: Record<string, Record<string, number>>;
  /** Per dataset missing under a target connection an enabled flow writes through: the first sighting. */
  deletedUnderFlow: Record<
    string,
    { targetConnectionId: string; source?: string; flowId: string; at: number }
  >;
}

export interface DataLog {
  /** When the scenario started (examples give times relative to it). */
  startedAt: number;
  reported: DatasetReport[];
  teardowns: TeardownRecord[];
  watch: DataWatch;
}

export const emptyDataWatch = (): DataWatch => ({
  observations: 0,
  errors: 0,
  datasets: {},
  writers: {},
  deletedUnderFlow: {},
});

export const emptyDataLog = (startedAt = 0): DataLog => ({
  startedAt,
  reported: [],
  teardowns: [],
  watch: emptyDataWatch(),
});

const dsKey = (sandbox: string, id: string) => `${sandbox}\u0000${id}`;
const splitKey = (key: string) => key.split('\u0000') as [string, string];

interface Body {
  params?: { dataSetId?: string };
  state?: string;
  baseConnectionId?: string;
  sourceConnectionIds?: string[];
  targetConnectionIds?: string[];
  created?: unknown;
}
const body = (r: StoredResource) => r.body as Body;

/** One sample of the emulator's resources, taken at `at`, added to `watch`. */
export function observe(watch: DataWatch, resources: readonly StoredResource[], at: number): void {
  watch.observations += 1;
  const held = new Set<string>();
  const enabledFlowOf = new Map<string, StoredResource>(); // sandbox\0targetConnectionId
  for (const r of resources) {
    if (r.kind === 'dataset') {
      const key = dsKey(r.sandbox, r.id);
      held.add(key);
      const created = body(r).created;
      const creator = creatorSource(r.description);
      const seen = (watch.datasets[key] ??= {
        sandbox: r.sandbox,
        id: r.id,
        ...(r.name !== undefined ? { name: r.name } : {}),
        ...(creator !== undefined ? { creator } : {}),
        ...(typeof created === 'number' ? { created } : {}),
        firstSeen: at,
        lastSeen: at,
      });
      seen.lastSeen = Math.max(seen.lastSeen, at);
    } else if (r.kind === 'flow' && body(r).state === 'enabled') {
      for (const t of body(r).targetConnectionIds ?? []) enabledFlowOf.set(dsKey(r.sandbox, t), r);
    }
  }
  for (const [key, seen] of Object.entries(watch.datasets))
    if (!held.has(key) && seen.goneAt === undefined) seen.goneAt = at;
  for (const t of resources) {
    if (t.kind !== 'targetConnection') continue;
    const ds = body(t).params?.dataSetId;
    if (ds === undefined) continue;
    const key = dsKey(t.sandbox, ds);
    const source = creatorSource(t.description);
    if (source !== undefined) (watch.writers[key] ??= {})[source] ??= at;
    if (held.has(key)) continue;
    const flow = enabledFlowOf.get(dsKey(t.sandbox, t.id));
    if (flow)
      watch.deletedUnderFlow[key] ??= {
        targetConnectionId: t.id,
        ...(source !== undefined ? { source } : {}),
        flowId: flow.id,
        at,
      };
  }
}

/**
 * Samples the emulator every `intervalMs` (the next sample starts when the previous one is done)
 * until `stop()`, which returns the watch.
 */
export function watchDatasets(
  control: Pick<EmulatorControl, 'resources'>,
  intervalMs = 1000,
): { watch: DataWatch; stop: () => Promise<DataWatch> } {
  const watch = emptyDataWatch();
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        const resources = await control.resources();
        if (!stopped) observe(watch, resources, Date.now());
      } catch {
        watch.errors += 1;
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, intervalMs).unref();
      });
    }
  })();
  return {
    watch,
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
      return watch;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The audit

/** The last completed operation per source: whether it should exist at the end. */
export interface SourceShouldExist {
  sandbox: string;
  name: string;
  /** True when its last completed operation is a provision. */
  present: boolean;
}

export interface DataSafetyAudit {
  /** Datasets lost (module comment: rules 1 and 2), each once. */
  dataLost: number;
  dataLostExamples: string[];
  /** Base connections at the end without an enabled flow to an existing dataset. */
  sourcesWithoutFlow: number;
  sourcesWithoutFlowExamples: string[];
  /** Datasets some provisioning succeeded onto. */
  datasetsWithData: number;
  /** Of those, the ones gone at the end. */
  datasetsWithDataGone: number;
  /** Datasets present at the end that no target connection writes to, kept because they hold data. */
  datasetsRetained: number;
  /** Teardown runs started with `deleteDataset: true`. */
  teardownsDeletingDataset: number;
}

export interface DataSafety extends DataSafetyAudit {
  /**
   * For a dataset present at the end that no target connection writes to: 'retained' (it holds
   * data and was not asked to go), or why it should be gone ('no data' / a teardown's words).
   */
  retention: (sandbox: string, id: string) => { retained: true } | { retained: false; why: string };
}

/**
 * One record per teardown run (several calls may share one: a call attaches to a teardown already
 * running): the call that started it gives `askedAt` and `deleteDataset`, a call that saw it
 * complete gives `closedAt` and what it deleted and kept.
 */
export function teardownRuns(records: readonly TeardownRecord[]): TeardownRecord[] {
  const byRun = new Map<string, TeardownRecord[]>();
  for (const t of records)
    if (t.runId !== undefined) byRun.set(t.runId, [...(byRun.get(t.runId) ?? []), t]);
  return [...byRun.values()].map((calls) => {
    const starter =
      calls.find((t) => t.started !== false) ??
      calls.reduce((a, b) => (b.askedAt < a.askedAt ? b : a));
    const done = calls.find((t) => t.outcome === 'succeeded') ?? calls.find((t) => t.closedAt);
    return {
      ...starter,
      // Only the starting call's request reached the run; an attached call's was not asked.
      deleteDataset: starter.started !== false && starter.deleteDataset,
      outcome: done?.outcome ?? starter.outcome,
      ...(done?.closedAt !== undefined ? { closedAt: done.closedAt } : {}),
      ...(done?.datasetsDeleted ? { datasetsDeleted: done.datasetsDeleted } : {}),
      ...(done?.datasetsKept ? { datasetsKept: done.datasetsKept } : {}),
    };
  });
}

export function auditDataSafety(
  resources: readonly StoredResource[],
  sources: readonly SourceShouldExist[],
  log: DataLog,
  endAt: number,
): DataSafety {
  const watch = structuredClone(log.watch);
  observe(watch, resources, endAt);
  const rel = (t: number | undefined) =>
    t === undefined ? '?' : `+${((t - log.startedAt) / 1000).toFixed(1)} s`;
  const runs = teardownRuns(log.teardowns);

  const held = new Set<string>();
  const base = new Map<string, StoredResource>();
  const sourceConn = new Map<string, StoredResource>();
  const targetConn = new Map<string, StoredResource>();
  const flows: StoredResource[] = [];
  for (const r of resources) {
    const key = dsKey(r.sandbox, r.id);
    if (r.kind === 'dataset') held.add(key);
    else if (r.kind === 'connection') base.set(key, r);
    else if (r.kind === 'sourceConnection') sourceConn.set(key, r);
    else if (r.kind === 'targetConnection') targetConn.set(key, r);
    else if (r.kind === 'flow') flows.push(r);
  }
  const referenced = new Set(
    [...targetConn.values()].map((t) => dsKey(t.sandbox, body(t).params?.dataSetId ?? '')),
  );

  // Who succeeded onto which dataset, and who wrote to it.
  const reporters = new Map<string, DatasetReport[]>();
  for (const r of log.reported) {
    const key = dsKey(r.sandbox, r.datasetId);
    reporters.set(key, [...(reporters.get(key) ?? []), r]);
  }
  const writersOf = (key: string) =>
    new Set([
      ...(reporters.get(key) ?? []).map((r) => r.name),
      ...Object.keys(watch.writers[key] ?? {}),
    ]);

  const lost = new Map<string, string>(); // dataset key → why (the first rule that counted it)
  const lose = (key: string, why: string) => {
    if (!lost.has(key)) lost.set(key, why);
  };
  const describe = (key: string) => {
    const [sandbox, id] = splitKey(key);
    const name = watch.datasets[key]?.name;
    return `dataset ${id}${name !== undefined ? ` "${name}"` : ''} in ${sandbox}`;
  };

  // Rule 1: a dataset holding data, gone at the end, without a teardown that asked to delete it.
  let withDataGone = 0;
  for (const [key, reps] of reporters) {
    if (held.has(key)) continue;
    withDataGone += 1;
    const [sandbox, id] = splitKey(key);
    const seen = watch.datasets[key];
    const writers = writersOf(key);
    const asked = runs.some(
      (t) =>
        t.deleteDataset &&
        t.sandbox === sandbox &&
        writers.has(t.name) &&
        (seen?.created === undefined || t.askedAt >= seen.created) &&
        (seen?.goneAt === undefined || t.askedAt <= seen.goneAt) &&
        !(t.datasetsKept ?? []).some((k) => k.id === id),
    );
    if (asked) continue;
    const first = reps.reduce((a, b) => (b.at < a.at ? b : a));
    lose(
      key,
      `${describe(key)} gone (${seen?.goneAt !== undefined ? `seen gone at ${rel(seen.goneAt)}` : 'at the end'}) without a teardown asking deleteDataset of a source writing to it: ${[...writers].join(', ')}; "${first.name}" had succeeded onto it at ${rel(first.at)}`,
    );
  }

  // Rule 2: a dataset deleted while a live source still wrote to it.
  for (const [key, w] of Object.entries(watch.deletedUnderFlow))
    lose(
      key,
      `${describe(key)} deleted at ${rel(w.at)} while flow ${w.flowId} of "${w.source ?? '?'}" wrote to it through target connection ${w.targetConnectionId}`,
    );
  const shouldExist = new Set(
    sources.filter((s) => s.present).map((s) => dsKey(s.sandbox, s.name)),
  );
  for (const t of targetConn.values()) {
    const ds = body(t).params?.dataSetId;
    if (ds === undefined || held.has(dsKey(t.sandbox, ds))) continue;
    const source = creatorSource(t.description);
    if (source !== undefined && shouldExist.has(dsKey(t.sandbox, source)))
      lose(
        dsKey(t.sandbox, ds),
        `${describe(dsKey(t.sandbox, ds))} missing at the end under target connection ${t.id} of "${source}", which should exist`,
      );
  }

  // Sources whose inlet exists without an enabled flow into an existing dataset.
  const flowing = new Set<string>(); // base connection keys
  for (const f of flows) {
    if (body(f).state !== 'enabled') continue;
    const intoDataset = (body(f).targetConnectionIds ?? []).some((id) => {
      const t = targetConn.get(dsKey(f.sandbox, id));
      const ds = t ? body(t).params?.dataSetId : undefined;
      return ds !== undefined && held.has(dsKey(f.sandbox, ds));
    });
    if (!intoDataset) continue;
    for (const id of body(f).sourceConnectionIds ?? []) {
      const s = sourceConn.get(dsKey(f.sandbox, id));
      const baseId = s ? body(s).baseConnectionId : undefined;
      if (baseId !== undefined) flowing.add(dsKey(f.sandbox, baseId));
    }
  }
  const readsFrom = (f: StoredResource, b: StoredResource) =>
    f.sandbox === b.sandbox &&
    (body(f).sourceConnectionIds ?? []).some((id) => {
      const s = sourceConn.get(dsKey(f.sandbox, id));
      return s !== undefined && body(s).baseConnectionId === b.id;
    });
  const withoutFlow: string[] = [];
  for (const [key, b] of base) {
    if (flowing.has(key)) continue;
    const why = flows.some((f) => readsFrom(f, b))
      ? 'its flow is disabled or writes to no existing dataset'
      : 'no flow reads from it';
    withoutFlow.push(
      `base connection ${b.id} of "${creatorSource(b.description) ?? '?'}" in ${b.sandbox}: ${why}`,
    );
  }

  // Retention of datasets nobody writes to at the end.
  const lastTeardownOf = (sandbox: string, names: ReadonlySet<string>) =>
    runs
      .filter(
        (t) =>
          t.outcome === 'succeeded' &&
          t.sandbox === sandbox &&
          names.has(t.name) &&
          t.closedAt !== undefined,
      )
      .reduce<TeardownRecord | undefined>(
        (a, b) => (!a || (b.closedAt ?? 0) > (a.closedAt ?? 0) ? b : a),
        undefined,
      );
  const retention: DataSafety['retention'] = (sandbox, id) => {
    const key = dsKey(sandbox, id);
    const reps = reporters.get(key);
    if (!reps) return { retained: false, why: 'no provisioning succeeded onto it' };
    const last = lastTeardownOf(sandbox, new Set(reps.map((r) => r.name)));
    if (last?.deleteDataset && !(last.datasetsKept ?? []).some((k) => k.id === id))
      return {
        retained: false,
        why: `the last teardown of a source that succeeded onto it ("${last.name}", done at ${rel(last.closedAt)}) asked deleteDataset and did not keep it`,
      };
    return { retained: true };
  };
  let retained = 0;
  for (const key of held) {
    if (referenced.has(key)) continue;
    const [sandbox, id] = splitKey(key);
    if (retention(sandbox, id).retained) retained += 1;
  }

  return {
    dataLost: lost.size,
    dataLostExamples: [...lost.values()].slice(0, 10),
    sourcesWithoutFlow: withoutFlow.length,
    sourcesWithoutFlowExamples: withoutFlow.slice(0, 10),
    datasetsWithData: reporters.size,
    datasetsWithDataGone: withDataGone,
    datasetsRetained: retained,
    teardownsDeletingDataset: runs.filter((t) => t.deleteDataset).length,
    retention,
  };
}
