import { twinName, twinsRemoved, unkindSources } from '../../chaos/unkind';
import { runChaosCli } from './run-chaos';

/**
 * The unkind preset, small: 20 sources (2 of them case twins) under slow commits past the 3 s
 * attempt timeout (10 % of Platform creates), a 2 s list lag, commit-then-504 (10 %),
 * case-insensitive name filters, one worker SIGTERM and one SIGKILL.
 *
 * Before the product's hardening (attempt deadlines, heartbeats, sweeps by marker, exact
 * lookups) this run ended with duplicates (a slow commit landing after the retry created a second
 * resource, unseen through the list lag) and a case twin refused with ExistingSourceDiffers.
 */
test('20 unkind sources with 1 SIGTERM and 1 SIGKILL: all succeed, no twin left in AEP', async () => {
  const { code, report, stdout, stderr } = await runChaosCli(
    ['--preset', 'unkind', '--sources', '20', '--worker-terms', '1', '--worker-kills', '1'],
    280_000,
  );
  // The problems first: a failure then says what went wrong, not only that something did.
  expect({ code, problems: report.problems }).toEqual({ code: 0, problems: [] });
  expect(report.workerTerms).toBe(1);
  expect(report.workerKills).toBe(1);
  expect(report.caseTwinSources).toBe(2);
  // With --json the report is stdout's last line, the plain summary stderr's.
  expect(JSON.parse(stdout.trim().split('\n').pop() ?? '')).toMatchObject({ ok: true });
  expect(stderr.trim().split('\n').pop()).toMatch(
    /^duplicates: \d+, orphans: \d+, secretLeaks: \d+, twinsRemoved: \d+$/,
  );
  expect(report.succeeded).toBe(20);
  expect(report.duplicates).toBe(0);
  expect(report.orphans).toBe(0);
  expect(report.secretLeaks).toBe(0);
}, 300_000);

test('case twins: same sandbox, names and dataset names differ only in case', () => {
  const specs = unkindSources(20, { prefix: 'chaos 1', caseTwins: 0.1, smokeTest: 'none' });
  expect(specs).toHaveLength(20);
  const twins = specs.filter((s, i) => i % 10 === 1);
  for (const t of twins) {
    const of = specs[t.index - 1]!;
    expect(t.name).not.toBe(of.name);
    expect(t.name.toLowerCase()).toBe(of.name.toLowerCase());
    expect(t.sandbox).toBe(of.sandbox);
    expect(t.request.target.dataset?.name?.toLowerCase()).toBe(
      of.request.target.dataset?.name?.toLowerCase(),
    );
  }
  expect(new Set(specs.map((s) => `${s.sandbox}/${s.name}`)).size).toBe(20);
  expect(twinName('chaos 1 0004 Raw')).toBe('CHAOS 1 0004 rAW');
});

test('twinsRemoved sums what the product reports, 0 when it reports nothing', () => {
  const ok = (extra: Record<string, unknown>) => ({
    sandbox: 'prod',
    name: 'x',
    outcome: { state: 'succeeded' as const, result: { ...extra } as never },
  });
  expect(twinsRemoved([ok({}), ok({})])).toBe(0);
  expect(twinsRemoved([ok({ twinsRemoved: 2 }), ok({ twinsRemoved: ['a'] }), ok({})])).toBe(3);
});
