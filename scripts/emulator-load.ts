/**
 * Load figure for the emulator (not a test): how many `GET /connections/{id}` per second it serves
 * on loopback with no added latency.
 *
 *   npx tsx scripts/emulator-load.ts [--url http://127.0.0.1:8090] [--in-process]
 *                                    [--concurrency 64] [--duration 10] [--warmup 2]
 *
 * Without --url the emulator runs in a child process (its own event loop, as in a benchmark);
 * --in-process shares this process's event loop with the load generator and so understates it.
 * Requests use keep-alive sockets, one request in flight per socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { Command } from 'commander';
import { startEmulator, type RunningEmulator } from '../emulator';

interface Target {
  url: string;
  clientId: string;
  clientSecret: string;
  orgId: string;
  stop(): Promise<void>;
}

const DEFAULTS = {
  clientId: 'emulator-client-id',
  clientSecret: 'emulator-client-secret',
  orgId: 'EMULATOR0000000000000000@AdobeOrg',
};

async function childEmulator(): Promise<Target> {
  const child: ChildProcess = spawn(
    process.execPath,
    [require.resolve('tsx/cli'), join(__dirname, '..', 'emulator', 'main.ts'), '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /AEP_PLATFORM_URL=(\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited early (${String(code)})`)));
  });
  return {
    url,
    ...DEFAULTS,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function inProcessEmulator(): Promise<Target> {
  const emu: RunningEmulator = await startEmulator({ port: 0 });
  return { url: emu.url, ...emu.credentials, stop: () => emu.close() };
}

async function prepare(t: Target): Promise<{ path: string; headers: Record<string, string> }> {
  const tokenRes = await fetch(`${t.url}/ims/token/v3`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: t.clientId,
      client_secret: t.clientSecret,
      scope: 'openid,AdobeID,read_organizations',
    }),
  });
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  const headers = {
    authorization: `Bearer ${access_token}`,
    'x-api-key': t.clientId,
    'x-gw-ims-org-id': t.orgId,
    'x-sandbox-name': 'prod',
  };
  const created = await fetch(`${t.url}/data/foundation/flowservice/connections`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `load-${Date.now()}`,
      connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' },
      auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } },
    }),
  });
  if (created.status !== 201)
    throw new Error(`create connection: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  return { path: `/data/foundation/flowservice/connections/${id}`, headers };
}

interface RunResult {
  count: number;
  errors: number;
  latenciesUs: number[];
  seconds: number;
}

async function run(
  url: string,
  req: { path: string; headers: Record<string, string> },
  concurrency: number,
  seconds: number,
): Promise<RunResult> {
  const { hostname, port } = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latenciesUs: number[] = [];
  let count = 0;
  let errors = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = process.hrtime.bigint();
      const r = http.request(
        { hostname, port, path: req.path, headers: req.headers, agent },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            latenciesUs.push(Number(process.hrtime.bigint() - t0) / 1000);
            count += 1;
            if (res.statusCode !== 200) errors += 1;
            resolve();
          });
        },
      );
      r.on('error', () => {
        errors += 1;
        resolve();
      });
      r.end();
    });
  const worker = async () => {
    while (process.hrtime.bigint() < deadline) await one();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { count, errors, latenciesUs, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);

async function main(): Promise<void> {
  const o = new Command()
    .option('--url <url>', 'a running emulator (default: start one in a child process)')
    .option('--in-process', 'run the emulator in this process', false)
    .option('--concurrency <n>', 'requests in flight', (v) => Number(v), 64)
    .option('--duration <s>', 'measured seconds', (v) => Number(v), 10)
    .option('--warmup <s>', 'unmeasured seconds first', (v) => Number(v), 2)
    .parse()
    .opts<{
      url?: string;
      inProcess: boolean;
      concurrency: number;
      duration: number;
      warmup: number;
    }>();

  const target: Target = o.url
    ? { url: o.url.replace(/\/+$/, ''), ...DEFAULTS, stop: async () => undefined }
    : o.inProcess
      ? await inProcessEmulator()
      : await childEmulator();
  try {
    const req = await prepare(target);
    if (o.warmup > 0) await run(target.url, req, o.concurrency, o.warmup);
    const r = await run(target.url, req, o.concurrency, o.duration);
    const sorted = r.latenciesUs.sort((a, b) => a - b);
    const ms = (us: number) => (us / 1000).toFixed(2);
    const mode = o.url ? 'external' : o.inProcess ? 'in-process' : 'child process';
    process.stdout.write(
      [
        `GET ${req.path}`,
        `emulator: ${target.url} (${mode}), concurrency ${o.concurrency}, ${r.seconds.toFixed(1)} s, keep-alive`,
        `requests: ${r.count}, errors: ${r.errors}`,
        `throughput: ${(r.count / r.seconds).toFixed(0)} requests/s`,
        `latency: p50 ${ms(percentile(sorted, 50))} ms, p90 ${ms(percentile(sorted, 90))} ms, p99 ${ms(percentile(sorted, 99))} ms, max ${ms(sorted[sorted.length - 1] ?? 0)} ms`,
        '',
      ].join('\n'),
    );
  } finally {
    await target.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`emulator-load: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
