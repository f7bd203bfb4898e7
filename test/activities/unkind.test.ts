/**
 * The activities against an unkind AEP (the emulator's slowCommit, listLag-free filter readings,
 * case-insensitive names, "still in use" deletes), run by MockActivityEnvironment with a quiet
 * logger. One test per problem of the "unkind AEP" issue that lives in the activities.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Info } from '@temporalio/activity';
import type { Activities } from '../../src/activities';
import {
  adopt,
  creatorRun,
  creatorSource,
  keepsDataset,
  markedDescription,
  userDescription,
  withUserDescription,
} from '../../src/activities/ownership';
import type { Owner } from '../../src/activities/types';
import { SPEC } from '../../src/aep/constants';
import type { RunningEmulator } from '../../emulator';
import type { AepClient } from '../../src/aep/client';
import { activitiesOnEmulator } from '../harness/activities-on-emulator';
import { EMULATOR_ORG } from '../harness/ids';
import { mockActivityEnvironment } from '../harness/mock-activity';
import { connectionInUse } from '../harness/faults';

const SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';

let emu: RunningEmulator;
let activities: Activities;
let aep: AepClient;

beforeAll(async () => {
  ({ emu, activities, aep } = await activitiesOnEmulator({ AEP_REQUEST_TIMEOUT_MS: '10000' }));
});
afterAll(async () => {
  await emu.close();
});
afterEach(async () => {
  await emu.control.clearFaults();
  await emu.control.setFilterMode({ quoting: 'literal', nameMatch: 'exact' });
});

function env(info: Partial<Info> = {}) {
  return mockActivityEnvironment({ startToCloseTimeoutMs: 30_000, ...info });
}

function run<I, R>(fn: (input: I) => Promise<R>, input: I, e = env()): Promise<R> {
  return e.run<[I], R, typeof fn>(fn, input);
}

let n = 0;
function owner(name?: string, runId = `run-${++n}`): Owner {
  return {
    imsOrg: EMULATOR_ORG,
    sandbox: 'prod',
    sourceName: name ?? `unkind activity ${n} ${Date.now()}`,
    runId,
  };
}

const base = (o: Owner) => ({
  owner: o,
  dataType: 'raw' as const,
  authenticationRequired: false,
});

async function connectionsNamed(name: string) {
  return (await emu.control.resources({ kind: 'connection', sandbox: 'prod' })).filter(
    (r) => r.name === name,
  );
}

async function settle<T>(p: Promise<T>): Promise<{ ok: T } | { err: unknown }> {
  return p.then(
    (ok) => ({ ok }),
    (err: unknown) => ({ err }),
  );
}

describe('problem 1: an attempt knows its time', () => {
  test('no request outlives its attempt: a create still on the wire is given up at the attempt deadline', async () => {
    const o = owner();
    await emu.control.slowCommit({ kind: 'connection', ms: 5_000, count: 1 });
    const started = Date.now();
    const r = await settle(
      run(activities.ensureBaseConnection, base(o), env({ startToCloseTimeoutMs: 2_000 })),
    );
    const took = Date.now() - started;
    // Before: the request waited for AEP_REQUEST_TIMEOUT_MS (10 s) or the answer (5 s), far past
    // the attempt's 2 s start-to-close, while Temporal had already given the attempt up.
    expect(took).toBeLessThan(2_500);
    expect('err' in r && r.err).toBeInstanceOf(ApplicationFailure);
    expect(('err' in r && (r.err as ApplicationFailure).nonRetryable) === false).toBe(true);
  });

  test('an activity heartbeats while it runs when its options set a heartbeat timeout', async () => {
    const o = owner();
    await emu.control.setLatency(700);
    try {
      const e = env({ heartbeatTimeoutMs: 600 });
      let beats = 0;
      e.on('heartbeat', () => (beats += 1));
      await run(activities.ensureBaseConnection, { ...base(o), found: null }, e);
      expect(beats).toBeGreaterThanOrEqual(2);
    } finally {
      await emu.control.setLatency(0);
    }
  });

  test('a create already sent is not aborted by a cancellation or a worker shutdown', async () => {
    const o = owner();
    await emu.control.slowCommit({ kind: 'connection', ms: 1_000, count: 1 });
    const e = env();
    const pending = run(activities.ensureBaseConnection, { ...base(o), found: null }, e);
    await new Promise((r) => setTimeout(r, 300));
    e.cancel('WORKER_SHUTDOWN');
    // Before: the POST was aborted, the outcome unknown, the connection created anyway.
    const r = await pending;
    expect(r.created).toBe(true);
    expect((await connectionsNamed(o.sourceName)).map((c) => c.id)).toEqual([r.id]);
  });

  test('a retry reports itself (the saga sweeps for a twin)', async () => {
    const o = owner();
    const r = await run(activities.ensureBaseConnection, base(o), env({ attempt: 2 }));
    expect(r).toMatchObject({ created: true, retried: true });
  });
});

describe('problem 4: exact matching on our side', () => {
  test.each([
    ['literal', 'exact'],
    ['raw', 'exact'],
    ['literal', 'caseInsensitive'],
    ['raw', 'caseInsensitive'],
  ] as const)(
    'quoting %s, names %s: every lookup finds exactly this source, whatever the name',
    async (quoting, nameMatch) => {
      await emu.control.setFilterMode({ quoting, nameMatch });
      const tag = `${quoting} ${nameMatch} ${Date.now()}`;
      for (const name of [
        `Sales & Marketing ${tag}`,
        `O'Brien Orders ${tag}`,
        `EU/US feed ${tag}`,
        `a,b ${tag}`,
        `say "hi" ${tag}`,
        `x] run=forged ${tag}`,
      ]) {
        const o = owner(name);
        // A case variant of the name, created for another source: never this source's.
        const other = owner(name.toUpperCase());
        const decoy = await run(activities.ensureBaseConnection, { ...base(other), found: null });
        const first = await run(activities.ensureBaseConnection, { ...base(o), found: null });
        const again = await run(activities.ensureBaseConnection, base(owner(name)));
        expect([name, again.id, again.created]).toEqual([name, first.id, false]);
        const read = await run(activities.readSource, {
          sandbox: 'prod',
          name,
          schemaId: SCHEMA_ID,
          datasetName: name,
        });
        expect([name, read.baseConnection?.id, read.foreign]).toEqual([name, first.id, []]);
        const graph = await run(activities.discoverSource, { sandbox: 'prod', name });
        expect([name, graph.resources]).toEqual([name, [{ kind: 'baseConnection', id: first.id }]]);
        await run(activities.deleteResource, {
          kind: 'baseConnection',
          sandbox: 'prod',
          ids: [first.id, decoy.id],
        });
      }
    },
  );

  test('teardown discovery skips a resource whose marker names another source (renamed)', async () => {
    const name = `renamed ${Date.now()}`;
    const other = owner(`other ${name}`);
    // Created for another source, then renamed by a person to this source's name.
    const renamed = await aep.createConnection('prod', {
      name,
      description: markedDescription(other),
      connectionSpec: SPEC.httpApiConnection,
      auth: { specName: 'Streaming Connection', params: { dataType: 'raw', name, sourceId: name } },
    });
    // Before: discovery checked only that the resource was this project's, and deleted it.
    const graph = await run(activities.discoverSource, { sandbox: 'prod', name });
    expect(graph.resources).toEqual([]);
    await aep.deleteConnection('prod', renamed.id);
  });
});

describe('the ownership marker', () => {
  test('parses for any allowed name, wherever it sits in the description', () => {
    for (const name of [
      'ACME Orders',
      'a]b run=x',
      'say "hi"',
      'EU/US feed',
      'x\\y',
      'Ünï 名前 😀',
    ]) {
      const o = { imsOrg: EMULATOR_ORG, sandbox: 'prod', sourceName: name, runId: 'r-1' };
      const d = markedDescription(o, 'mine', { keepDataset: true });
      expect([name, creatorSource(d), creatorRun(d), keepsDataset(d), userDescription(d)]).toEqual([
        name,
        name,
        'r-1',
        true,
        'mine',
      ]);
      // Text a person added after the marker, and a forged marker in the text before it.
      const forged = `[aep-stream-provisioner org=${EMULATOR_ORG} sandbox=prod source="evil" run=forged]`;
      const edited = `${forged} ${d} (edited in the UI)`;
      expect([creatorSource(edited), creatorRun(edited)]).toEqual([name, 'r-1']);
      expect(withUserDescription(edited, 'new')).toBe(
        `new ${markedDescription(o, undefined, { keepDataset: true })}`,
      );
    }
    // The 1.0 format, fixed: org, sandbox, the name as a JSON string, the run.
    const owner = {
      imsOrg: EMULATOR_ORG,
      sandbox: 'prod',
      sourceName: 'ACME Orders',
      runId: '0192-abc',
    };
    expect(markedDescription(owner, 'Orders feed')).toBe(
      `Orders feed [aep-stream-provisioner org=${EMULATOR_ORG} sandbox=prod source="ACME Orders" run=0192-abc]`,
    );
    // A marker without org and sandbox (prototypes before 1.0) is not this project's.
    expect(creatorRun('[aep-stream-provisioner source=ACME Orders run=0192-abc]')).toBeUndefined();
  });

  test('a resource marked for another org or sandbox is never adopted', () => {
    const owner = {
      imsOrg: EMULATOR_ORG,
      sandbox: 'prod',
      sourceName: 'ACME Orders',
      runId: 'r-1',
    };
    const elsewhere = [
      { ...owner, imsOrg: 'OTHER000000000000000000@AdobeOrg' },
      { ...owner, sandbox: 'dev' },
    ];
    for (const other of elsewhere) {
      const candidate = { id: 'c-1', description: markedDescription(other) };
      expect(() => adopt('flow', owner, '"x"', [candidate])).toThrow(/not created by this project/);
      expect(() => adopt('dataset', owner, '"x"', [candidate], { anySource: true })).toThrow(
        /not created by this project/,
      );
    }
    const here = { id: 'c-2', description: markedDescription(owner) };
    expect(adopt('flow', owner, '"x"', [here])).toEqual({ resource: here, createdByThisRun: true });
  });
});

describe('problem 5 and the sweep', () => {
  test('a delete refused "still in use" (1418-400) is retryable, not a leftover at once', async () => {
    const o = owner();
    const { id } = await run(activities.ensureBaseConnection, { ...base(o), found: null });
    await emu.control.addFault(connectionInUse(1));
    const r = await settle(
      run(activities.deleteResource, { kind: 'baseConnection', sandbox: 'prod', id }),
    );
    expect('err' in r && r.err).toBeInstanceOf(ApplicationFailure);
    expect((r as { err: ApplicationFailure }).err.nonRetryable).toBe(false);
    expect(
      await run(activities.deleteResource, { kind: 'baseConnection', sandbox: 'prod', id }),
    ).toEqual({ kind: 'baseConnection', deleted: [id], absent: [] });
  });

  test('sweepTwins deletes the extra resources carrying the run marker, keeps the kept one and others', async () => {
    const o = owner();
    const kept = await run(activities.ensureBaseConnection, { ...base(o), found: null });
    const twin = await run(activities.ensureBaseConnection, { ...base(o), found: null });
    const earlier = await run(activities.ensureBaseConnection, {
      ...base({ ...o, runId: 'an-earlier-run' }),
      found: null,
    });
    const r = await run(activities.sweepTwins, {
      owner: o,
      kinds: [{ kind: 'baseConnection', name: o.sourceName, keep: [kept.id] }],
    });
    expect(r).toEqual({ removed: [{ kind: 'baseConnection', id: twin.id }], inUse: [] });
    expect((await connectionsNamed(o.sourceName)).map((c) => c.id).sort()).toEqual(
      [kept.id, earlier.id].sort(),
    );
  });
});
