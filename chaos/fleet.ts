import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StoredResource } from '../emulator/types';
import { createAepClient } from '../src/aep/client';
import { parseMarker, userDescription } from '../src/activities/ownership';
import { parseConfig } from '../src/config';
import type { ProvisionResult } from '../src/shared/model';
import type { ReconcileReport } from '../src/shared/reconcile';
import { reconcileScheduleId, SearchAttributes, WorkflowType } from '../src/shared/names';
import { REPO_ROOT } from '../tools/dev-server';
import { emptyAudit, KIND, type SourceOutcome } from './audit';
import type { Ctx, ScenarioResult } from './scenarios';
import { sources, type SourceSpec } from './sources';
import { EMULATOR_CREDENTIALS } from './stack';
import { installUnkindFaults } from './unkind';

/**
 * Scenario `fleet` (issue #27, part 6): a fleet managed as one apply set from a directory, through
 * the CLI as an operator runs it. `--sources` sources (variants in rotation, one sandbox) are
 * applied with `apply <dir> --apply-set fleet --prune`; then a tenth is removed from the
 * directory and a tenth changed (description; mappings too for the mapping variant), and
 * `apply --prune` again; then drift is injected into another tenth outside the product (flows
 * disabled, mapping sets given other mappings through Data Prep) and the reconcile step runs. In
 * the end AEP must equal the directory: every source of it as its request says (`drifted`
 * counts those that are not), no duplicate, no orphan, the removed sources' datasets kept.
 */

export const FLEET_SET = 'fleet';
const SANDBOX = 'prod';

/**
 * The scheduled reconcile with `--repair`: the sandbox's schedule created by the CLI
 * (`reconcile --every 15m --repair`), triggered once, its run awaited; its report on stdout.
 * The schedule is deleted after.
 */
async function reconcile(ctx: Ctx): Promise<CliRun> {
  const args = ['reconcile', '--sandbox', SANDBOX, '--every', '15m', '--repair'];
  const created = await cli(ctx, [...args, ...concurrency(ctx)]);
  if (created.code !== 0) return created;
  const { client } = ctx.stack.client;
  const schedule = client.schedule.getHandle(
    reconcileScheduleId({ imsOrg: ctx.stack.client.place.imsOrg, sandbox: SANDBOX }),
  );
  const since = new Date();
  await schedule.trigger();
  const query = `WorkflowType = '${WorkflowType.reconcile}' AND ${SearchAttributes.sandbox.name} = '${SANDBOX}'`;
  try {
    for (let i = 0; i < 1200; i++) {
      for await (const run of client.workflow.list({ query })) {
        if (run.startTime < since || !run.workflowId.includes('/scheduled-')) continue;
        const report = (await client.workflow
          .getHandle(run.workflowId, run.runId)
          .result()) as ReconcileReport;
        return {
          code: report.stillDrifted === 0 ? 0 : 4,
          stdout: JSON.stringify(report),
          stderr: '',
        };
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    return { code: 1, stdout: '', stderr: 'the scheduled reconcile never started' };
  } finally {
    await schedule.delete();
  }
}

const concurrency = (ctx: Ctx) => ['--concurrency', String(Math.min(ctx.opts.concurrency, 20))];

export async function runFleet(ctx: Ctx, prefix: string): Promise<ScenarioResult> {
  const { opts, stack } = ctx;
  for (const line of await installUnkindFaults(stack.emulator.control, { ...opts, caseTwins: 0 }))
    ctx.log(`fleet: ${line}`);
  const specs = sources(opts.sources, { prefix, smokeTest: 'none', sandboxes: [SANDBOX] });
  ctx.progress.requested = specs.length;
  const order = shuffled(specs, ctx);
  const tenth = Math.max(1, Math.floor(specs.length / 10));
  const removed = order.slice(0, tenth);
  const changed = order.slice(tenth, 2 * tenth);
  const rest = order.slice(2 * tenth);
  const mapped = rest.filter((s) => s.variant.mapping).slice(0, Math.ceil(tenth / 2));
  const disabled = rest.filter((s) => !mapped.includes(s)).slice(0, tenth - mapped.length);
  const dir = path.join(REPO_ROOT, '.data', 'chaos', `fleet-${stack.taskQueue}`);
  mkdirSync(dir, { recursive: true });
  const file = (s: SourceSpec) => path.join(dir, `${String(s.index).padStart(4, '0')}.json`);
  for (const s of specs) writeFileSync(file(s), JSON.stringify(s.request));
  const figures: Record<string, unknown> = {
    applySet: FLEET_SET,
    removedFromDirectory: removed.length,
    changedInDirectory: changed.length,
    driftInjected: { flowsDisabled: disabled.length, mappingsEdited: mapped.length },
    reconcileStep: 'the sandbox reconcile schedule (--repair), triggered once',
  };
  const problems: string[] = [];
  const step = async (label: string, args: () => Promise<CliRun>) => {
    const t0 = Date.now();
    const r = await args();
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    figures[`${label}Seconds`] = seconds;
    ctx.log(`fleet: ${label} exited ${r.code} in ${seconds} s`);
    if (r.code !== 0) problems.push(`${label} exited ${r.code}: ${r.stderr.slice(-600)}`);
    return r;
  };
  try {
    const prune = [
      '--json',
      'apply',
      dir,
      '--apply-set',
      FLEET_SET,
      '--prune',
      ...concurrency(ctx),
    ];
    await step('firstApply', () => cli(ctx, prune));
    for (const s of removed) rmSync(file(s));
    const desired = new Map(specs.filter((s) => !removed.includes(s)).map((s) => [s.name, s]));
    for (const s of changed) {
      const request = { ...s.request, description: `${s.request.description ?? ''} (changed)` };
      if (request.mappings)
        request.mappings = [{ sourceAttribute: 'id', destinationXdmPath: '_id' }];
      desired.set(s.name, { ...s, request });
      writeFileSync(file(s), JSON.stringify(request));
    }
    const second = await step('pruneApply', () => cli(ctx, prune));
    const pruned = parsed<{ pruned?: Array<{ outcome: string }> }>(second.stdout)?.pruned ?? [];
    figures.pruned = pruned.filter((p) => p.outcome === 'deleted').length;
    if (figures.pruned !== removed.length)
      problems.push(
        `apply --prune tore down ${String(figures.pruned)} of ${removed.length} removed`,
      );
    await injectDrift(ctx, disabled, mapped);
    const report = parsed<ReconcileReport>((await step('reconcile', () => reconcile(ctx))).stdout);
    figures.reconcile = {
      drifted: report?.drifted.length,
      repaired: report?.drifted.filter((d) => d.repair?.outcome === 'repaired').length,
      stillDrifted: report?.stillDrifted,
    };
    // Every source's outcome: the prune apply's, the last operation each had from this run.
    const rows = parsed<{ applied?: ApplyRow[] }>(second.stdout)?.applied ?? [];
    const outcomes = outcomesOf(rows, desired);
    return {
      outcomes,
      figures,
      problems,
      audit: (resources) => auditFleet(resources, [...desired.values()], removed),
      summaryFields: ['duplicates', 'orphans', 'drifted', 'removedDatasetsKept'],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Drift made outside the product: flows disabled, mapping sets given other mappings. */
async function injectDrift(ctx: Ctx, disabled: SourceSpec[], mapped: SourceSpec[]) {
  const { url } = ctx.stack.emulator;
  const aep = createAepClient({
    config: parseConfig({
      AEP_PLATFORM_URL: url,
      AEP_IMS_URL: url,
      AEP_CLIENT_ID: EMULATOR_CREDENTIALS.clientId,
      AEP_CLIENT_SECRET: EMULATOR_CREDENTIALS.clientSecret,
      AEP_ORG_ID: EMULATOR_CREDENTIALS.orgId,
      AEP_SANDBOX: SANDBOX,
    }),
  });
  const stored = await ctx.stack.emulator.control.resources({ sandbox: SANDBOX });
  const of = (kind: string, s: SourceSpec) =>
    stored.find((r) => r.kind === kind && parseMarker(r.description)?.source === s.name);
  for (const s of disabled) {
    const flow = of('flow', s);
    if (flow) await aep.flowAction(SANDBOX, flow.id, 'disable');
  }
  for (const s of mapped) {
    const ms = of('mappingSet', s);
    const current = ms && (await aep.getMappingSet(SANDBOX, ms.id));
    if (!current) continue;
    await aep.updateMappingSet(SANDBOX, current.id, {
      name: current.name ?? s.name,
      description: current.description,
      version: 0,
      xdmSchema: current.xdmSchema ?? '',
      xdmVersion: '1.0',
      mappings: [
        { sourceAttribute: 'edited', destinationXdmPath: '_id', identity: false, version: 0 },
      ],
    });
  }
  ctx.log(
    `fleet: drift injected: ${disabled.length} flows disabled, ${mapped.length} mappings edited`,
  );
}

type ApplyRow = {
  sandbox: string;
  name: string;
  outcome: string;
  failure?: { type: string; rootType: string; message: string };
} & Partial<ProvisionResult>;

/** The prune apply's rows as the audit's outcomes (sources it did not report: unfinished). */
function outcomesOf(rows: ApplyRow[], desired: Map<string, SourceSpec>): SourceOutcome[] {
  const byName = new Map(rows.map((r) => [r.name, r]));
  return [...desired.values()].map((s) => {
    const r = byName.get(s.name);
    const outcome: SourceOutcome['outcome'] = !r
      ? { state: 'unfinished' }
      : r.failure
        ? { state: 'failed', ...r.failure }
        : { state: 'succeeded', result: { ...r, flowId: r.flowId ?? '' } as ProvisionResult };
    return { sandbox: s.sandbox, name: s.name, outcome };
  });
}

/**
 * AEP against the directory: each source of it once per kind, its base connection in the set
 * with its description, its flow enabled on its connections and on its mapping set's current
 * version holding its mappings (`drifted` counts the sources that differ); nothing of a removed
 * source but its dataset (`removedDatasetsKept`), nothing unmarked, nothing of another source.
 */
export function auditFleet(
  resources: readonly StoredResource[],
  desired: readonly SourceSpec[],
  removed: readonly SourceSpec[],
) {
  const audit = {
    ...emptyAudit(),
    drifted: 0,
    removedDatasetsKept: 0,
    driftByField: {} as Record<string, number>,
  };
  const example = (s: string) => audit.examples.length < 20 && audit.examples.push(s);
  const wanted = new Map(desired.map((s) => [s.name, s]));
  const gone = new Set(removed.map((s) => s.name));
  const bySource = new Map<string, Map<string, StoredResource[]>>();
  for (const r of resources) {
    if (r.kind === 'schema') continue;
    audit.resources += 1;
    const source = parseMarker(r.description)?.source;
    const kind = KIND[r.kind] ?? r.kind;
    if (source !== undefined && gone.has(source) && kind === 'dataset') {
      audit.removedDatasetsKept += 1;
      continue;
    }
    if (source === undefined || !wanted.has(source)) {
      audit.orphans += 1;
      audit.leftovers.unknownSource += 1;
      example(`orphan ${kind} ${r.id} of ${source === undefined ? 'no source' : `"${source}"`}`);
      continue;
    }
    const kinds = bySource.get(source) ?? new Map<string, StoredResource[]>();
    kinds.set(kind, [...(kinds.get(kind) ?? []), r]);
    bySource.set(source, kinds);
  }
  for (const s of desired) {
    const kinds = bySource.get(s.name) ?? new Map<string, StoredResource[]>();
    for (const [kind, list] of kinds) {
      if (list.length > 1) {
        audit.duplicates += list.length - 1;
        example(`duplicate ${kind} ×${list.length} of "${s.name}"`);
      }
    }
    const one = (k: string) => kinds.get(k)?.[0];
    const fields = driftOf(s, one);
    for (const f of fields) audit.driftByField[f] = (audit.driftByField[f] ?? 0) + 1;
    if (fields.length > 0) {
      audit.drifted += 1;
      example(`drifted "${s.name}": ${fields.join(', ')}`);
    }
  }
  return audit;
}

/** The fields in which the source in AEP differs from its request. */
function driftOf(s: SourceSpec, one: (kind: string) => StoredResource | undefined): string[] {
  const base = one('baseConnection');
  const flow = one('flow')?.body as FlowBody | undefined;
  const source = one('sourceConnection');
  const target = one('targetConnection');
  const ms = one('mappingSet');
  const d: string[] = [];
  if (!base) return ['baseConnection missing'];
  if (parseMarker(base.description)?.applySet !== FLEET_SET) d.push('applySet');
  if (userDescription(base.description) !== (s.request.description ?? '')) d.push('description');
  if (!flow || !source || !target) return [...d, 'flow or connection missing'];
  if (flow.state !== 'enabled') d.push('flow.state');
  if (
    !flow.sourceConnectionIds?.includes(source.id) ||
    !flow.targetConnectionIds?.includes(target.id)
  )
    d.push('flow connections');
  const want = s.request.mappings;
  if (!want) return ms ? [...d, 'mappingSet present'] : d;
  const body = ms?.body as MappingBody | undefined;
  if (!ms || !body) return [...d, 'mappingSet missing'];
  const key = (m: Array<{ sourceAttribute?: string; destinationXdmPath?: string }>) =>
    JSON.stringify(m.map((x) => [x.sourceAttribute, x.destinationXdmPath]));
  if (key(body.mappings ?? []) !== key(want)) d.push('mappings');
  const params = flow.transformations?.find((t) => t.name === 'Mapping')?.params;
  if (params?.mappingId !== ms.id || Number(params.mappingVersion) !== body.version)
    d.push('flow.mappingVersion');
  return d;
}

type FlowBody = {
  state?: string;
  sourceConnectionIds?: string[];
  targetConnectionIds?: string[];
  transformations?: Array<{ name: string; params?: Record<string, unknown> }>;
};
type MappingBody = {
  version?: number;
  mappings?: Array<{ sourceAttribute?: string; destinationXdmPath?: string }>;
};

function shuffled<T>(items: readonly T[], ctx: Ctx): T[] {
  const rng = ctx.rng.fork('fleet');
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function parsed<T>(stdout: string): T | undefined {
  const last = stdout.trim().split('\n').at(-1);
  try {
    return last ? (JSON.parse(last) as T) : undefined;
  } catch {
    return undefined;
  }
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const LOADER = pathToFileURL(
  path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs'),
).href;

/** `aep-stream <args>` as a child process, configured as the chaos stack's client is. */
function cli(ctx: Ctx, args: string[]): Promise<CliRun> {
  const env = ctx.stack.workerEnv();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', LOADER, path.join(REPO_ROOT, 'src', 'cli.ts'), ...args],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
          TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
          TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE,
          AEP_ORG_ID: env.AEP_ORG_ID,
          AEP_SANDBOX: SANDBOX,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
