/**
 * The HTTP API's answer rate: the `api` phase of `npm run bench`, and `npm run bench:api` alone.
 * Starts a Temporal dev server (in-memory) of its own, the API on loopback with one key, and sends
 * `total` PUTs of distinct sources from `clients` concurrent clients; reports PUTs per second and
 * the latency percentiles of the `202 Accepted` answers. No worker runs: what is measured is the
 * API's own path (auth, validation, the idempotent start under the source's workflow id, the
 * no-worker check), not the provisioning. Bounded in count and time; traffic goes to loopback only.
 */
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import { newApiKey } from '../src/api/auth';
import { buildApi } from '../src/api/server';
import { ProvisioningClient } from '../src/client';
import { parseApiConfig } from '../src/config';
import { startDevServer } from '../tools/dev-server';

const SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface ApiLoadResult {
  clients: number;
  puts: number;
  seconds: number;
  putsPerSecond: number;
  accepted: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export async function runApiLoad(opts: {
  clients: number;
  total: number;
  deadlineSeconds: number;
}): Promise<ApiLoadResult> {
  const { clients, total } = opts;
  const deadline = Date.now() + opts.deadlineSeconds * 1000;
  const server = await startDevServer();
  const connection = await Connection.connect({ address: server.address });
  const { key, entry } = newApiKey('bench', ['prod']);
  const config = parseApiConfig({
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: 'bench-api',
    AEP_ORG_ID: 'BENCH000000000000000000@AdobeOrg',
    API_PORT: '0',
    API_KEYS: entry,
    API_RATE_LIMIT_PER_MINUTE: String(total * 10),
    API_RATE_LIMIT_CHANGES_PER_MINUTE: String(total * 10),
    API_MAX_OPEN_OPERATIONS_PER_KEY: String(total * 10),
  });
  const client = new ProvisioningClient(new Client({ connection }), config);
  const app = await buildApi({ config, client, logStream: new PassThrough() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total && Date.now() < deadline) {
      const i = next++;
      const name = `bench api ${i}`;
      const t0 = performance.now();
      const res = await fetch(`${base}/v1/sandboxes/prod/sources/${encodeURIComponent(name)}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          dataType: 'raw',
          target: { schemaId: SCHEMA_ID, dataset: { name } },
        }),
      });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 202) latencies.push(performance.now() - t0);
    }
  };
  try {
    await Promise.all(Array.from({ length: clients }, () => worker()));
  } finally {
    await app.close();
    await connection.close();
    await server.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const sent = [...statuses.values()].reduce((a, b) => a + b, 0);
  return {
    clients,
    puts: sent,
    seconds: Number(seconds.toFixed(2)),
    putsPerSecond: Number((sent / seconds).toFixed(1)),
    accepted: statuses.get(202) ?? 0,
    statuses: Object.fromEntries(statuses),
    p50Ms: Number(percentile(sorted, 50).toFixed(1)),
    p95Ms: Number(percentile(sorted, 95).toFixed(1)),
    p99Ms: Number(percentile(sorted, 99).toFixed(1)),
  };
}

if (require.main === module) {
  const opts = new Command('bench:api')
    .option('--clients <n>', 'concurrent clients', '200')
    .option('--total <n>', 'PUTs in all', '2000')
    .option('--deadline <s>', 'stop sending after this many seconds', '120')
    .parse()
    .opts<{ clients: string; total: string; deadline: string }>();
  runApiLoad({
    clients: Number(opts.clients),
    total: Number(opts.total),
    deadlineSeconds: Number(opts.deadline),
  }).then(
    (api) => process.stdout.write(`${JSON.stringify({ api })}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
