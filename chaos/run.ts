/**
 * `npm run chaos -- [options]`: starts the real dev server (SQLite file), the AEP emulator and
 * workers as separate processes, drives a scenario through the product's client library, then
 * audits the emulator's state against Temporal's results and searches every workflow history and
 * worker log for the client secret and every issued token. See docs/chaos.md.
 *
 * Progress goes to stderr; with --json the report is the last line of stdout. Exit code 0 when
 * the scenario's expectations hold, 1 when they do not, 2 on bad options, 3 when the run itself
 * broke (a process did not start...).
 */
import { setMaxListeners } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { REPO_ROOT } from '../tools/dev-server';
import {
  auditResources,
  executionsOnTaskQueue,
  needlesOf,
  percentiles,
  scanLogFiles,
  scanWorkflowHistories,
  type SourceOutcome,
} from './audit';
import { FAULT_KINDS, failingShare, parseFaultKinds } from './faults';
import { DEFAULTS, PRESETS, type ChaosOptions, type ScenarioKind } from './options';
import { runFleet } from './fleet';
import { runLifecycle } from './lifecycle';
import { runUnkind } from './unkind';
import { createRng } from './rng';
import {
  runCancel,
  runLoad,
  runMalformed,
  runPermanent,
  type Ctx,
  type Progress,
  type ScenarioResult,
} from './scenarios';
import { ChaosStack, EMULATOR_CREDENTIALS, firstLine, processesWithEnv } from './stack';

export interface ChaosReport {
  requested: number;
  succeeded: number;
  failed: number;
  duplicates: number;
  orphans: number;
  secretLeaks: number;
  workerKills: number;
  workerTerms?: number;
  serverRestarts: number;
  wallSeconds: number;
  cancelled: number;
  rejected: number;
  unfinished: number;
  missing: number;
  workerCrashes: number;
  /** Worker processes of this run still alive after it stopped everything (must be 0). */
  leftoverProcesses?: number;
  failuresByType: Record<string, number>;
  leftovers: { failed: number; cancelled: number; unfinished: number; unknownSource: number };
  resourcesInEmulator: number;
  emulatorRequests: number;
  faultsFired: number;
  historiesScanned: number;
  /** Duration of the workflow runs (first to last history event). */
  workflowSeconds: { p50: number; p95: number; max: number };
  activityRetries: number;
  maxActivityAttempt: number;
  workflowTaskTimeouts: number;
  tokensChecked: number;
  logBytesScanned: number;
  driveSeconds: number;
  auditSeconds: number;
  selfCheck?: { workflowId?: string; found: number };
  scenario: ScenarioKind;
  preset?: string;
  seed: number;
  sources: number;
  workers: number;
  faultRate: number;
  faultKinds: string[];
  cores: number;
  dataDir?: string;
  ok: boolean;
  problems: string[];
  examples: string[];
  [figure: string]: unknown;
}

const live = new Set<ChaosStack>();

export async function runChaos(
  opts: ChaosOptions,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<ChaosReport> {
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s`;
  const say = (line: string) => log(`[chaos ${elapsed()}] ${line}`);
  const label = opts.preset ?? opts.scenario;
  const runId = `${label}-s${opts.seed}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${process.pid}`;
  const dir = path.join(REPO_ROOT, '.data', 'chaos', runId);
  mkdirSync(dir, { recursive: true });
  say(`run ${runId}: ${describe(opts)}`);
  if (opts.scenario === 'load' && failingShare(faultPlanOf(opts)) > 0.5)
    say('warning: more than half of all requests fail; retries may run out');

  const stack = await ChaosStack.start({
    dir,
    workers: opts.workers,
    seed: opts.seed,
    taskQueue: `chaos-${runId}`,
    server: opts.server,
    workerLogLevel: opts.workerLogLevel,
    ...(opts.requestTimeoutMs !== undefined
      ? { workerEnv: { AEP_REQUEST_TIMEOUT_MS: String(opts.requestTimeoutMs) } }
      : {}),
    log: say,
  });
  live.add(stack);
  const progress: Progress = {
    requested: 0,
    started: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    unfinished: 0,
  };
  const ticker = setInterval(() => {
    const p = progress;
    const closed = p.succeeded + p.failed + p.cancelled + p.unfinished;
    say(
      `started ${p.started}/${p.requested} · succeeded ${p.succeeded} · failed ${p.failed} · cancelled ${p.cancelled} · open ${p.started - closed} · worker kills ${stack.counters.workerKills} · server restarts ${stack.counters.serverRestarts} · worker crashes ${stack.counters.workerCrashes}`,
    );
  }, 5000);
  ticker.unref();

  let report: ChaosReport;
  const calls = new AbortController();
  setMaxListeners(0, calls.signal); // one listener per Temporal call in flight
  try {
    const ctx: Ctx = {
      abort: calls.signal,
      stack,
      opts,
      rng: createRng(opts.seed),
      deadline: t0 + opts.timeoutSeconds * 1000,
      log: say,
      executions: [],
      progress,
      faultsFiredBefore: 0,
    };
    const prefix = `chaos ${opts.seed}`;
    const tDrive = Date.now();
    let result: ScenarioResult;
    switch (opts.scenario) {
      case 'load':
        result = await runLoad(ctx, prefix);
        break;
      case 'permanent':
        result = await runPermanent(ctx, prefix);
        break;
      case 'cancel':
        result = await runCancel(ctx, prefix);
        break;
      case 'malformed':
        result = await runMalformed(ctx);
        break;
      case 'lifecycle':
        result = await runLifecycle(ctx, prefix);
        break;
      case 'unkind':
        result = await runUnkind(ctx, prefix);
        break;
      case 'fleet':
        result = await runFleet(ctx, prefix);
        break;
    }
    const driveSeconds = (Date.now() - tDrive) / 1000;
    clearInterval(ticker);
    say(`scenario done in ${driveSeconds.toFixed(1)} s; auditing`);
    report = await audit(ctx, result, say);
    report.driveSeconds = round(driveSeconds);
  } finally {
    clearInterval(ticker);
    calls.abort();
    await stack.close();
    live.delete(stack);
  }
  // Every process this run started must be gone; one still running is a finding (and is ended).
  await new Promise((r) => setTimeout(r, 500));
  const leftover = processesWithEnv('TEMPORAL_TASK_QUEUE', stack.taskQueue);
  for (const pid of leftover) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  report.leftoverProcesses = leftover.length;
  if (leftover.length > 0) {
    report.problems.push(
      `${leftover.length} worker process(es) of this run were still running after it stopped everything (pids ${leftover.join(', ')}; killed now)`,
    );
    report.ok = false;
  }
  report.wallSeconds = round((Date.now() - t0) / 1000);
  if (report.ok && !opts.keep) rmSync(dir, { recursive: true, force: true });
  else report.dataDir = path.relative(REPO_ROOT, dir);
  say(`${report.ok ? 'PASS' : 'FAIL'} in ${report.wallSeconds} s`);
  for (const p of report.problems) say(`  problem: ${p}`);
  return report;
}

async function audit(
  ctx: Ctx,
  result: ScenarioResult,
  say: (line: string) => void,
): Promise<ChaosReport> {
  const { stack, opts } = ctx;
  const { control } = stack.emulator;
  const t0 = Date.now();
  const outcomes: SourceOutcome[] = result.outcomes;
  const counted = outcomes.filter(
    (o) => result.plantedWorkflowId === undefined || !o.name.includes(' self-check '),
  );
  const resources = await control.resources();
  const ra = result.audit ? result.audit(resources) : auditResources(resources, outcomes);
  // A scenario's own audit may add figures (lifecycle: datasetsDeletedInUse, stateMismatches,
  // dataLost, sourcesWithoutFlow and their examples).
  const auditExtras: Record<string, unknown> = Object.fromEntries(
    Object.entries(ra as unknown as Record<string, unknown>).filter(
      ([k]) =>
        !['resources', 'duplicates', 'orphans', 'missing', 'leftovers', 'examples'].includes(k),
    ),
  );
  const stats = await control.stats();
  const faultsFired =
    ctx.faultsFiredBefore + (await control.faults()).reduce((n, f) => n + f.fired, 0);

  const tokens = await control.tokens();
  const needles = needlesOf(EMULATOR_CREDENTIALS.clientSecret, tokens);
  const executions = await executionsOnTaskQueue(
    stack.client.client,
    stack.taskQueue,
    ctx.executions,
  );
  const planted = executions.filter((e) => e.workflowId === result.plantedWorkflowId);
  const scanned = executions.filter((e) => e.workflowId !== result.plantedWorkflowId);
  say(
    `scanning ${scanned.length} workflow histories and ${stack.workerLogFiles.length} worker logs for the secret and ${tokens.length} token(s)`,
  );
  const histories = await scanWorkflowHistories(stack.client.client, scanned, needles, {
    onProgress: (d, n) => say(`  ${d}/${n} histories scanned`),
  });
  const logs = scanLogFiles(stack.workerLogFiles, needles);
  const selfCheck = result.plantedWorkflowId
    ? {
        workflowId: result.plantedWorkflowId,
        found: (await scanWorkflowHistories(stack.client.client, planted, needles)).leaks,
      }
    : undefined;

  const count = (state: string) => counted.filter((o) => o.outcome.state === state).length;
  const failuresByType: Record<string, number> = {};
  for (const o of counted) {
    if (o.outcome.state !== 'failed') continue;
    const key =
      o.outcome.type === o.outcome.rootType
        ? o.outcome.type
        : `${o.outcome.type}/${o.outcome.rootType}`;
    failuresByType[key] = (failuresByType[key] ?? 0) + 1;
  }
  const figures = result.figures;
  const report: ChaosReport = {
    requested: ctx.progress.requested,
    succeeded: count('succeeded'),
    failed: count('failed'),
    duplicates: ra.duplicates,
    orphans: ra.orphans,
    secretLeaks: histories.leaks + logs.leaks,
    workerKills: stack.counters.workerKills,
    workerTerms: stack.counters.workerTerms,
    serverRestarts: stack.counters.serverRestarts,
    wallSeconds: 0,
    cancelled: count('cancelled'),
    rejected: typeof figures.rejected === 'number' ? figures.rejected : 0,
    unfinished: count('unfinished'),
    missing: ra.missing,
    workerCrashes: stack.counters.workerCrashes,
    failuresByType,
    leftovers: ra.leftovers,
    resourcesInEmulator: ra.resources,
    emulatorRequests: stats.total,
    faultsFired,
    historiesScanned: histories.scanned,
    workflowSeconds: percentiles(histories.durations),
    activityRetries: histories.activityRetries,
    maxActivityAttempt: histories.maxActivityAttempt,
    workflowTaskTimeouts: histories.workflowTaskTimeouts,
    attemptsByActivity: histories.attemptsByActivity,
    ...(histories.slowest ? { slowest: histories.slowest } : {}),
    tokensChecked: tokens.length,
    logBytesScanned: logs.bytes,
    driveSeconds: 0,
    auditSeconds: round((Date.now() - t0) / 1000),
    ...(selfCheck ? { selfCheck } : {}),
    ...figures,
    ...auditExtras,
    scenario: opts.scenario,
    ...(opts.preset ? { preset: opts.preset } : {}),
    seed: opts.seed,
    sources: opts.scenario === 'malformed' ? ctx.progress.requested : opts.sources,
    workers: opts.workers,
    faultRate: opts.faultRate,
    faultKinds: opts.faultRate > 0 ? opts.faultKinds : [],
    cores: (await import('node:os')).cpus().length,
    ok: false,
    problems: [],
    examples: [...ra.examples, ...histories.examples, ...logs.examples].slice(0, 30),
  };
  report.problems = expectations(opts, report, result.problems);
  report.ok = report.problems.length === 0;
  if (result.summaryFields)
    report.summary = result.summaryFields.map((k) => `${k}: ${String(report[k])}`).join(', ');
  return report;
}

/** What must hold for the scenario (docs/chaos.md, per preset), as a list of what did not. */
function expectations(opts: ChaosOptions, r: ChaosReport, scenarioProblems: string[]): string[] {
  const p: string[] = [];
  const zero = (name: keyof ChaosReport) => {
    const v = r[name];
    if (typeof v === 'number' && v !== 0) p.push(`${name} = ${v}, expected 0`);
  };
  zero('duplicates');
  zero('orphans');
  zero('secretLeaks');
  zero('unfinished');
  zero('workerCrashes');
  if (r.workerKills < opts.workerKills)
    p.push(
      `only ${r.workerKills} of ${opts.workerKills} worker kills happened before the work ran out`,
    );
  if (typeof r.workerTerms === 'number' && r.workerTerms < opts.workerTerms)
    p.push(
      `only ${r.workerTerms} of ${opts.workerTerms} worker SIGTERMs happened before the work ran out`,
    );
  if (r.serverRestarts < opts.serverRestarts)
    p.push(
      `only ${r.serverRestarts} of ${opts.serverRestarts} server restarts happened before the work ran out`,
    );
  if (r.selfCheck && r.selfCheck.found < 1)
    p.push('self-check: the secret planted in a workflow input was not found by the audit');
  switch (opts.scenario) {
    case 'load':
    case 'unkind':
      zero('missing');
      if (r.succeeded !== r.requested) p.push(`${r.succeeded} of ${r.requested} succeeded`);
      break;
    case 'permanent':
      if (r.failed !== r.requested) p.push(`${r.failed} of ${r.requested} failed`);
      break;
    case 'cancel':
      zero('missing');
      if (r.leftovers.cancelled !== 0)
        p.push(`cancelled runs left ${r.leftovers.cancelled} resource(s)`);
      break;
    case 'lifecycle':
      zero('datasetsDeletedInUse');
      zero('stateMismatches');
      zero('dataLost');
      zero('sourcesWithoutFlow');
      zero('driverErrors');
      break;
    case 'fleet': {
      zero('drifted');
      const removed = Number(r.removedFromDirectory);
      if (r.succeeded !== r.requested - removed)
        p.push(`${r.succeeded} of ${r.requested - removed} sources of the directory succeeded`);
      if (r.removedDatasetsKept !== removed)
        p.push(`${String(r.removedDatasetsKept)} of ${removed} removed sources' datasets kept`);
      break;
    }
    case 'malformed':
      if (r.rejected !== r.requested) p.push(`${r.rejected} of ${r.requested} were rejected`);
      if (r.rejectedNamingField !== r.requested)
        p.push(`${String(r.rejectedNamingField)} of ${r.requested} messages named the field`);
      break;
  }
  return [...p, ...scenarioProblems];
}

const round = (n: number) => Math.round(n * 10) / 10;

function faultPlanOf(o: ChaosOptions) {
  return {
    rate: o.faultRate,
    kinds: o.faultKinds,
    latencyMs: o.latencyMs,
    retryAfterSeconds: o.retryAfterSeconds,
  };
}

function describe(o: ChaosOptions): string {
  return [
    `scenario ${o.scenario}`,
    o.scenario === 'malformed'
      ? undefined
      : `${o.sources} source(s)${o.scenario === 'permanent' ? ' per step' : ''}`,
    o.faultRate > 0 ? `faults ${o.faultRate} of ${o.faultKinds.join(',')}` : undefined,
    o.workerKills > 0 ? `${o.workerKills} worker kill(s)` : undefined,
    o.workerTerms > 0 ? `${o.workerTerms} worker SIGTERM(s)` : undefined,
    o.serverRestarts > 0
      ? `${o.serverRestarts} server restart(s) (${o.serverStop === 'kill' ? 'SIGKILL' : 'SIGTERM'})`
      : undefined,
    o.scenario === 'cancel' ? `cancel ${o.cancelFraction}` : undefined,
    o.listLagMs > 0 ? `list lag ${o.listLagMs} ms` : undefined,
    o.scenario === 'lifecycle'
      ? `deleteDataset on ${Math.round(o.deleteDatasetShare * 100)} % of teardowns`
      : undefined,
    `${o.workers} worker(s)`,
    o.server === 'postgres' ? 'Temporal server on PostgreSQL' : 'dev server',
    `seed ${o.seed}`,
  ]
    .filter(Boolean)
    .join(', ');
}

// ---------------------------------------------------------------------------------------------
// Command line

const int = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  return n;
};
const fraction = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError(`${name} must be within 0..1`);
  return n;
};

const range = (name: string) => (value: string) => {
  const m = /^(\d+)(?:-(\d+))?$/.exec(value);
  const min = Number(m?.[1]);
  const max = Number(m?.[2] ?? m?.[1]);
  if (!m || max < min) throw new InvalidArgumentError(`${name} must be n or min-max (seconds)`);
  return [min, max] as [number, number];
};

export function parseArgs(argv: string[]): ChaosOptions {
  const program = new Command()
    .name('npm run chaos --')
    .description(
      'Chaos suite: provision sources under faults, crashes and restarts, then audit AEP and Temporal',
    )
    .addOption(
      new Option('--preset <name>', 'a named scenario (docs/chaos.md)').choices(
        Object.keys(PRESETS),
      ),
    )
    .addOption(
      new Option('--scenario <kind>', 'driver (set by the preset)').choices([
        'load',
        'permanent',
        'cancel',
        'malformed',
        'lifecycle',
        'unkind',
        'fleet',
      ]),
    )
    .option(
      '--sources <n>',
      'sources to provision (permanent: per failing step)',
      int('--sources', 1),
    )
    .option(
      '--fault-rate <r>',
      'probability that an AEP request meets a fault (0..1)',
      fraction('--fault-rate'),
    )
    .option('--fault-kinds <list>', `comma-separated: ${FAULT_KINDS.join(', ')}, or all`)
    .option('--latency-ms <ms>', 'delay added by a latency fault', int('--latency-ms', 0))
    .option('--retry-after <s>', 'Retry-After of a 429 fault, seconds', int('--retry-after', 0))
    .option(
      '--worker-kills <n>',
      'SIGKILL a random worker at random moments, then restart it; n times',
      int('--worker-kills', 0),
    )
    .option(
      '--worker-terms <n>',
      'SIGTERM a random worker (graceful, as a deploy) at random moments, then restart it; n times',
      int('--worker-terms', 0),
    )
    .option(
      '--request-timeout-ms <ms>',
      "the workers' AEP_REQUEST_TIMEOUT_MS (HTTP attempt timeout)",
      int('--request-timeout-ms', 1),
    )
    .option(
      '--slow-commit <r>',
      'share of Platform creates that commit after the attempt timeout',
      fraction('--slow-commit'),
    )
    .option('--slow-commit-ms <ms>', 'how late a slow commit lands', int('--slow-commit-ms', 0))
    .option(
      '--list-lag-ms <ms>',
      'Platform writes (Flow Service, Catalog, Data Prep) show in lists this much later',
      int('--list-lag-ms', 0),
    )
    .option(
      '--commit-504 <r>',
      'share of Platform creates that commit, then answer 504',
      fraction('--commit-504'),
    )
    .option(
      '--case-twins <f>',
      'share of sources with a twin whose name differs only in case',
      fraction('--case-twins'),
    )
    .option(
      '--server-restarts <n>',
      'stop and restart the Temporal server (same data) n times',
      int('--server-restarts', 0),
    )
    .addOption(
      new Option(
        '--server-stop <how>',
        'stop the Temporal server with SIGTERM, or SIGKILL it',
      ).choices(['term', 'kill']),
    )
    .addOption(
      new Option(
        '--server <kind>',
        "the Temporal server: 'dev' (CLI dev server, SQLite file) or 'postgres' (Temporal server on PostgreSQL, 4 shards: tools/pg-stack.ts)",
      ).choices(['dev', 'postgres']),
    )
    .option('--workers <n>', 'worker processes', int('--workers', 1))
    .option(
      '--seed <n>',
      "seed of the emulator's fault draws and of the driver's choices",
      int('--seed', 0),
    )
    .option('--concurrency <n>', 'provisionings open at once', int('--concurrency', 1))
    .option(
      '--cancel-fraction <f>',
      'cancel scenario: share of the runs cancelled mid-flight',
      fraction('--cancel-fraction'),
    )
    .addOption(
      new Option('--smoke-test <which>', 'sources that send a smoke record').choices([
        'none',
        'some',
        'all',
      ]),
    )
    .option('--timeout <s>', 'deadline of the whole run, seconds', int('--timeout', 10))
    .option('--self-check', 'plant the client secret in one extra workflow: the audit must find it')
    .addOption(
      new Option('--worker-log-level <level>', 'LOG_LEVEL of the workers').choices([
        'trace',
        'debug',
        'info',
        'warn',
        'error',
      ]),
    )
    .option('--triggers <n>', 'lifecycle: concurrent triggers per source', int('--triggers', 1))
    .option('--ops <n>', 'lifecycle: operations per trigger', int('--ops', 1))
    .option(
      '--activation-wait <s>',
      'lifecycle: activation wait of each source, seconds: n or min-max',
      range('--activation-wait'),
    )
    .option(
      '--delete-dataset <f>',
      'lifecycle: share of the teardowns that ask deleteDataset: true',
      fraction('--delete-dataset'),
    )
    .option('--keep', 'keep .data/chaos/<run>/ (SQLite, logs) even when the run passed')
    .option('--json', 'print the report as JSON on the last line of stdout')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.parse(argv, { from: 'user' });
  const o = program.opts<{
    preset?: string;
    scenario?: ScenarioKind;
    sources?: number;
    faultRate?: number;
    faultKinds?: string;
    latencyMs?: number;
    retryAfter?: number;
    workerKills?: number;
    workerTerms?: number;
    requestTimeoutMs?: number;
    slowCommit?: number;
    slowCommitMs?: number;
    listLagMs?: number;
    commit504?: number;
    caseTwins?: number;
    serverRestarts?: number;
    serverStop?: 'term' | 'kill';
    server?: 'dev' | 'postgres';
    workers?: number;
    seed?: number;
    concurrency?: number;
    cancelFraction?: number;
    smokeTest?: 'none' | 'some' | 'all';
    timeout?: number;
    selfCheck?: boolean;
    keep?: boolean;
    json?: boolean;
    workerLogLevel?: ChaosOptions['workerLogLevel'];
    triggers?: number;
    ops?: number;
    activationWait?: [number, number];
    deleteDataset?: number;
  }>();
  let faultKinds;
  try {
    faultKinds = o.faultKinds === undefined ? undefined : parseFaultKinds(o.faultKinds);
  } catch (err) {
    throw new InvalidArgumentError(firstLine(err));
  }
  const explicit: Partial<ChaosOptions> = Object.fromEntries(
    Object.entries({
      scenario: o.scenario,
      sources: o.sources,
      faultRate: o.faultRate,
      faultKinds,
      latencyMs: o.latencyMs,
      retryAfterSeconds: o.retryAfter,
      workerKills: o.workerKills,
      workerTerms: o.workerTerms,
      requestTimeoutMs: o.requestTimeoutMs,
      slowCommitRate: o.slowCommit,
      slowCommitMs: o.slowCommitMs,
      listLagMs: o.listLagMs,
      commitThen504Rate: o.commit504,
      caseTwins: o.caseTwins,
      serverRestarts: o.serverRestarts,
      serverStop: o.serverStop,
      server: o.server,
      workers: o.workers,
      seed: o.seed,
      concurrency: o.concurrency,
      cancelFraction: o.cancelFraction,
      smokeTest: o.smokeTest,
      timeoutSeconds: o.timeout,
      selfCheck: o.selfCheck,
      keep: o.keep,
      json: o.json,
      workerLogLevel: o.workerLogLevel,
      triggers: o.triggers,
      opsPerTrigger: o.ops,
      activationWaitMin: o.activationWait?.[0],
      activationWaitMax: o.activationWait?.[1],
      deleteDatasetShare: o.deleteDataset,
    }).filter(([, v]) => v !== undefined),
  );
  const preset = o.preset ? PRESETS[o.preset] : undefined;
  return {
    ...DEFAULTS,
    ...preset?.options,
    ...explicit,
    ...(o.preset ? { preset: o.preset } : {}),
  };
}

async function main(): Promise<void> {
  let opts: ChaosOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exit(0);
    if (!code?.startsWith('commander.')) process.stderr.write(`chaos: ${firstLine(err)}\n`);
    process.exit(2);
  }
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n[chaos] ${signal}: stopping every process this run started\n`);
    void Promise.allSettled([...live].map((s) => s.close())).then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A bug of the suite itself (an error thrown from a timer, a promise nobody awaits) must not
  // leave the dev server, the emulator and the workers running: stop them, then exit 3.
  const onCrash = (err: unknown) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(
      `chaos: the run itself crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    void Promise.allSettled([...live].map((s) => s.close())).then(() => process.exit(3));
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  try {
    const report = await runChaos(opts);
    if (opts.json) {
      // lifecycle and unkind: their key counts as one plain line, on stderr, so that the JSON
      // report stays the last line of stdout.
      if (typeof report.summary === 'string') process.stderr.write(`${report.summary}\n`);
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else process.stdout.write(humanReport(report));
    process.exit(report.ok ? 0 : 1);
  } catch (err) {
    process.stderr.write(
      `chaos: the run itself failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    await Promise.allSettled([...live].map((s) => s.close()));
    process.exit(3);
  }
}

function humanReport(r: ChaosReport): string {
  const lines = [
    `${r.ok ? 'PASS' : 'FAIL'}  ${r.preset ?? r.scenario} (seed ${r.seed}, ${r.workers} worker(s), ${r.cores} cores)`,
    `  requested ${r.requested}  succeeded ${r.succeeded}  failed ${r.failed}  cancelled ${r.cancelled}  rejected ${r.rejected}  unfinished ${r.unfinished}`,
    `  duplicates ${r.duplicates}  orphans ${r.orphans}  missing ${r.missing}  secret leaks ${r.secretLeaks}`,
    `  worker kills ${r.workerKills}  worker SIGTERMs ${r.workerTerms ?? 0}  server restarts ${r.serverRestarts}  worker crashes ${r.workerCrashes}`,
    `  AEP requests ${r.emulatorRequests}  faults fired ${r.faultsFired}  activity retries ${r.activityRetries} (max attempt ${r.maxActivityAttempt})  workflow task timeouts ${r.workflowTaskTimeouts}  histories scanned ${r.historiesScanned}`,
    `  workflow seconds p50 ${r.workflowSeconds.p50}  p95 ${r.workflowSeconds.p95}  max ${r.workflowSeconds.max}`,
    `  wall ${r.wallSeconds} s (scenario ${r.driveSeconds} s, audit ${r.auditSeconds} s)`,
  ];
  if (Object.keys(r.failuresByType).length > 0)
    lines.push(
      `  failures: ${Object.entries(r.failuresByType)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  for (const e of r.examples.slice(0, 10)) lines.push(`  e.g. ${e}`);
  if (r.dataDir) lines.push(`  logs and SQLite kept in ${r.dataDir}`);
  if (typeof r.summary === 'string') lines.push(r.summary);
  return `${lines.join('\n')}\n`;
}

if (require.main === module) void main();
