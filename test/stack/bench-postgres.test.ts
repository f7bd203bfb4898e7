/**
 * Smoke test of `npm run bench -- --server postgres` at a tiny size: the scenarios run on the
 * PostgreSQL stack, the throughput phase also on the dev server, and the summary JSON carries both
 * side by side. Figures are shown by the benchmark, never asserted here.
 */
import { existsSync, readdirSync } from 'node:fs';
import type { Summary } from '../../bench/report';
import { positive, runBench } from '../bench/run-bench';
import { PG_STACK_ROOT } from '../../tools/pg-stack';

test('npm run bench -- --server postgres: throughput on both servers, side by side', async () => {
  const stacksBefore = existsSync(PG_STACK_ROOT) ? readdirSync(PG_STACK_ROOT) : [];
  const { code, stdout, stderr } = await runBench([
    '--server',
    'postgres',
    '--phases',
    'latency,throughput',
    '--runs',
    '2',
    '--sources',
    '10',
    '--latency',
    '0',
    '--workers',
    '1',
    '--json',
    '--no-save',
    '--timeout',
    '8',
  ]);
  expect([code, stderr.slice(-3000)]).toEqual([0, expect.any(String)]);
  expect(stderr).toContain('Temporal server 1.31.0'); // the PostgreSQL stack really started

  const lines = stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1] ?? '') as Summary;
  expect(Object.keys(summary.servers ?? {}).sort()).toEqual(['dev', 'postgres']);
  const { dev, postgres } = summary.servers!;
  expect(postgres!.server).toMatch(/PostgreSQL \(4 history shards\)/);
  expect(dev!.server).toMatch(/dev server/);
  for (const t of [dev!, postgres!]) {
    expect(t.sources).toBe(10);
    expect(t.failed).toBe(0);
    expect(positive(t.perSecond)).toBe(true);
    expect(positive(t.p95Ms)).toBe(true);
    expect(Object.keys(t.cores)).toEqual(expect.arrayContaining(['temporal', 'workers']));
  }
  expect(Object.keys(postgres!.cores)).toContain('postgres');
  expect(positive(postgres!.pgConnectionsPeak)).toBe(true);
  // The main throughput figure is the PostgreSQL stack's.
  expect(summary.throughput.perSecond).toBe(postgres!.perSecond);
  // Nothing left running or behind: the stack's folder of this run lives under the run's logs.
  const stacksAfter = existsSync(PG_STACK_ROOT) ? readdirSync(PG_STACK_ROOT) : [];
  expect(stacksAfter).toEqual(stacksBefore);
}, 600_000);
