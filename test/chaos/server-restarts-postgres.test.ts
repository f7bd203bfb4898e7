import { runChaosCli } from './run-chaos';

/**
 * The server-restarts preset, small, on the production shape (tools/pg-stack.ts: the Temporal
 * server on PostgreSQL with 4 history shards): 40 sources (enough that the restart, 3-10 s in,
 * lands while they run; 10 could all finish first), the Temporal server SIGKILLed once while they
 * run and started again on the same database. Every source succeeds, none twice, and
 * nothing is left behind. About a minute (most of it starting PostgreSQL, the server and workers).
 */
test('40 sources on the PostgreSQL stack survive a SIGKILLed Temporal server', async () => {
  const { code, report, stderr } = await runChaosCli(
    [
      '--preset',
      'server-restarts',
      '--server',
      'postgres',
      '--sources',
      '40',
      '--server-restarts',
      '1',
      '--server-stop',
      'kill',
    ],
    200_000,
  );
  expect({ code, problems: report.problems }).toEqual({ code: 0, problems: [] });
  expect(report.serverRestarts).toBe(1);
  expect(report.succeeded).toBe(40);
  expect(report.duplicates).toBe(0);
  expect(report.orphans).toBe(0);
  expect(report.unfinished).toBe(0);
  // It really ran on PostgreSQL: the compose file's setup jobs ran against a multi-shard server.
  expect(stderr).toContain('on PostgreSQL (4 history shards)');
}, 210_000);
