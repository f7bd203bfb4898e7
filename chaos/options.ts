import { DEFAULT_FAULT_KINDS, type FaultKind } from './faults';

/** What a chaos run does; `--preset` fills these, explicit options override the preset. */
export type ScenarioKind =
  'load' | 'permanent' | 'cancel' | 'malformed' | 'lifecycle' | 'unkind' | 'fleet';

export interface ChaosOptions {
  scenario: ScenarioKind;
  preset?: string;
  /** Sources to provision (load, cancel); sources per failing step (permanent). */
  sources: number;
  faultRate: number;
  faultKinds: FaultKind[];
  latencyMs: number;
  retryAfterSeconds: number;
  workerKills: number;
  /** Graceful stops (SIGTERM, as a deploy) of a random worker, then a restart. */
  workerTerms: number;
  serverRestarts: number;
  /** How the dev server is stopped before a restart: SIGTERM (clean) or SIGKILL (a crash). */
  serverStop: 'term' | 'kill';
  /** The Temporal server: the dev server, or the production shape on PostgreSQL (tools/pg-stack.ts). */
  server: 'dev' | 'postgres';
  workers: number;
  seed: number;
  /** Provisionings open at once. */
  concurrency: number;
  /** Share of the sources cancelled mid-flight (cancel). */
  cancelFraction: number;
  smokeTest: 'none' | 'some' | 'all';
  /** Deadline of the whole run; what is still open then counts as unfinished. */
  timeoutSeconds: number;
  /** Plant the client secret in one extra workflow and check the audit finds it. */
  selfCheck: boolean;
  /** Keep .data/chaos/<run>/ (SQLite file, logs) even when the run passed. */
  keep: boolean;
  json: boolean;
  /** LOG_LEVEL of the workers (trace … error). */
  workerLogLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** lifecycle: concurrent triggers per source. */
  triggers: number;
  /** lifecycle: operations each trigger issues. */
  opsPerTrigger: number;
  /** lifecycle: each source's smokeTest.activationWaitSeconds is drawn from min..max. */
  activationWaitMin: number;
  activationWaitMax: number;
  /** lifecycle: share of the teardowns that ask `deleteDataset: true` (drawn by the seeded rng). */
  deleteDatasetShare: number;
  /** The workers' AEP_REQUEST_TIMEOUT_MS (the HTTP attempt timeout); the product's default when absent. */
  requestTimeoutMs?: number;
  /** unkind: share of Platform creates whose commit is slower than the attempt timeout. */
  slowCommitRate: number;
  /** unkind: how late a slow commit lands (default: the attempt timeout + 2 s). */
  slowCommitMs?: number;
  /**
   * unkind, lifecycle: what Platform writes (Flow Service, Catalog, Data Prep) create or delete
   * shows in lists and name filters only this much later.
   */
  listLagMs: number;
  /** unkind: share of Platform creates that commit, then answer a gateway 504. */
  commitThen504Rate: number;
  /** unkind: share of sources that get a twin whose name differs only in case. */
  caseTwins: number;
}

export const DEFAULTS: ChaosOptions = {
  scenario: 'load',
  sources: 20,
  faultRate: 0,
  faultKinds: [...DEFAULT_FAULT_KINDS],
  latencyMs: 1000,
  retryAfterSeconds: 1,
  workerKills: 0,
  workerTerms: 0,
  serverRestarts: 0,
  serverStop: 'term',
  server: 'dev',
  workers: 1,
  seed: 1,
  concurrency: 200,
  cancelFraction: 0.5,
  smokeTest: 'some',
  timeoutSeconds: 1800,
  selfCheck: false,
  keep: false,
  json: false,
  workerLogLevel: 'info',
  triggers: 3,
  opsPerTrigger: 4,
  activationWaitMin: 1,
  activationWaitMax: 3,
  deleteDatasetShare: 1 / 3,
  slowCommitRate: 0,
  listLagMs: 0,
  commitThen504Rate: 0,
  caseTwins: 0,
};

export interface Preset {
  /** The scenario this preset runs. */
  scenario: string;
  expect: string;
  options: Partial<ChaosOptions>;
}

export const PRESETS: Record<string, Preset> = {
  faults: {
    scenario: '1. 1,000 sources, 20 % faults of every kind',
    expect: 'all succeed, 0 duplicates, 0 orphans, 0 secret leaks',
    options: { scenario: 'load', sources: 1000, faultRate: 0.2, workers: 2, timeoutSeconds: 3600 },
  },
  'worker-kills': {
    scenario: '2. 200 sources, 10 worker SIGKILLs',
    expect: 'all succeed, 0 duplicates, 0 orphans',
    // Every AEP request takes 250 ms, so a kill lands while calls are on the wire.
    options: {
      scenario: 'load',
      sources: 200,
      workerKills: 10,
      workers: 2,
      faultRate: 1,
      faultKinds: ['latency'],
      latencyMs: 250,
    },
  },
  'server-restarts': {
    scenario: '3. 200 sources, 2 dev-server restarts (SQLite)',
    expect: 'all succeed, 0 duplicates, 0 orphans',
    options: { scenario: 'load', sources: 200, serverRestarts: 2, workers: 2 },
  },
  permanent: {
    scenario: '4. a permanent failure at each step, for each variant',
    expect: 'every workflow fails with its named type, 0 orphans',
    options: { scenario: 'permanent', sources: 10, workers: 2, smokeTest: 'all' },
  },
  cancel: {
    scenario: '5. half the runs cancelled mid-flight',
    expect: 'cancelled ones leave 0 resources, the others succeed',
    options: {
      scenario: 'cancel',
      sources: 200,
      cancelFraction: 0.5,
      faultRate: 1,
      faultKinds: ['latency'],
      latencyMs: 300,
      workers: 2,
    },
  },
  lifecycle: {
    scenario:
      'lifecycle: 100 sources, 3 racing triggers each (provision, change, plan, teardown, a third of the teardowns with deleteDataset), lists lagging 2 s',
    expect:
      'each source ends as its last completed operation wanted; 0 duplicates, 0 orphans, 0 datasets deleted in use, 0 data lost, 0 sources without a flow',
    options: {
      scenario: 'lifecycle',
      sources: 100,
      triggers: 3,
      opsPerTrigger: 3,
      activationWaitMin: 1,
      activationWaitMax: 3,
      deleteDatasetShare: 1 / 3,
      listLagMs: 2000,
      workers: 2,
      timeoutSeconds: 1800,
    },
  },
  unkind: {
    scenario:
      'unkind: 300 sources, slow commits past the attempt timeout, 2 s list lag, 504 after commit, case twins, 3 SIGTERMs + 3 SIGKILLs',
    expect: 'all succeed, 0 duplicates, 0 orphans, 0 secret leaks',
    options: {
      scenario: 'unkind',
      sources: 300,
      workers: 2,
      requestTimeoutMs: 3000,
      slowCommitRate: 0.1,
      listLagMs: 2000,
      commitThen504Rate: 0.1,
      caseTwins: 0.1,
      workerTerms: 3,
      workerKills: 3,
      timeoutSeconds: 1800,
    },
  },
  fleet: {
    scenario:
      'fleet (issue 27): 200 sources applied from a directory as one apply set; 20 removed and 20 changed in it, apply --prune; drift in 20 more (flows disabled, mappings edited outside), then the reconcile; lists lagging 2 s',
    expect:
      'AEP equals the directory: 0 duplicates, 0 orphans, 0 drifted, the 20 removed sources torn down with their datasets kept',
    options: { scenario: 'fleet', sources: 200, workers: 2, listLagMs: 2000, timeoutSeconds: 1800 },
  },
  malformed: {
    scenario: '6. the malformed-request corpus',
    expect: 'each rejected before any workflow starts, naming the field, 0 AEP calls',
    options: { scenario: 'malformed', workers: 1 },
  },
};
