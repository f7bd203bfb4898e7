/**
 * Standalone emulator: `npm run emulator -- --port 8090`. Prints the URL, the credentials and the
 * environment lines that point the worker, CLI and demo at it; stops cleanly on SIGINT/SIGTERM.
 */
import { Command, InvalidArgumentError } from 'commander';
import { startEmulator } from './index';

const int = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  return n;
};

async function main(): Promise<void> {
  const program = new Command()
    .name('aep-emulator')
    .description(
      'Offline AEP emulator: IMS, Flow Service, Catalog, Schema Registry, Data Prep and DCS on one loopback port',
    )
    .option('--port <n>', 'port to listen on (0 = random free port)', int('--port', 0), 8090)
    .option('--host <addr>', 'loopback address to bind', '127.0.0.1')
    .option(
      '--latency <ms>',
      'base latency added to every non-control call',
      int('--latency', 0),
      0,
    )
    .option(
      '--token-lifetime <s>',
      'IMS token lifetime in seconds',
      int('--token-lifetime', 1),
      86399,
    )
    .option('--client-id <id>', 'accepted client id (and x-api-key)', 'emulator-client-id')
    .option('--client-secret <secret>', 'accepted client secret', 'emulator-client-secret')
    .option('--org-id <org>', 'IMS org id', 'EMULATOR0000000000000000@AdobeOrg')
    .option('--sandboxes <list>', 'comma-separated sandbox names', 'prod,dev')
    .option(
      '--missing-sandbox <mode>',
      "missing x-sandbox-name: 'prod' or 'error' (2105-400)",
      'prod',
    )
    .option('--seed <n>', 'PRNG seed for fault probabilities', int('--seed', 0))
    .option(
      '--inlet-delay <ms>',
      'omit inletUrl from a new base connection for this long',
      int('--inlet-delay', 0),
      0,
    )
    .option(
      '--filter-quoting <mode>',
      "filter values: 'literal' (quoted = one literal), 'raw' (quotes kept, commas split) or 'strict' (literal; unquoted spaces → 1453-400)",
      'literal',
    )
    .option('--name-match <mode>', "name filters: 'exact' or 'case-insensitive'", 'exact')
    .option(
      '--mapping-set-delete <mode>',
      "DELETE /mappingSets/{id}: 'allow' (204) or 'unsupported' (405)",
      'allow',
    )
    .parse();

  const o = program.opts<{
    port: number;
    host: string;
    latency: number;
    tokenLifetime: number;
    clientId: string;
    clientSecret: string;
    orgId: string;
    sandboxes: string;
    missingSandbox: string;
    seed?: number;
    inletDelay: number;
    filterQuoting: string;
    nameMatch: string;
    mappingSetDelete: string;
  }>();
  const choice = <T extends string>(flag: string, value: string, map: Record<string, T>): T => {
    const v = map[value];
    if (v === undefined) {
      return program.error(`${flag} must be one of ${Object.keys(map).join(', ')}`);
    }
    return v;
  };
  const filterQuoting = choice('--filter-quoting', o.filterQuoting, {
    literal: 'literal',
    raw: 'raw',
    strict: 'strict',
  });
  const nameMatch = choice('--name-match', o.nameMatch, {
    exact: 'exact',
    'case-insensitive': 'caseInsensitive',
  });
  const mappingSetDelete = choice('--mapping-set-delete', o.mappingSetDelete, {
    allow: 'allow',
    unsupported: 'unsupported',
  });
  if (o.missingSandbox !== 'prod' && o.missingSandbox !== 'error') {
    program.error("--missing-sandbox must be 'prod' or 'error'");
  }

  const emu = await startEmulator({
    port: o.port,
    host: o.host,
    baseLatencyMs: o.latency,
    tokenLifetimeSeconds: o.tokenLifetime,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    orgId: o.orgId,
    sandboxes: o.sandboxes
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    missingSandbox: o.missingSandbox as 'prod' | 'error',
    inletReadyAfterMs: o.inletDelay,
    filterQuoting,
    nameMatch,
    mappingSetDelete,
    ...(o.seed === undefined ? {} : { seed: o.seed }),
  });

  const { clientId, clientSecret, orgId } = emu.credentials;
  process.stdout.write(
    [
      `AEP emulator listening on ${emu.url}`,
      `  IMS token:   POST ${emu.url}/ims/token/v3`,
      `  Platform:    ${emu.url}/data/foundation/...`,
      `  DCS inlets:  ${emu.url}/collection/{inletId}`,
      `  Control API: ${emu.url}/__emulator/`,
      `  Credentials: client id ${clientId}, client secret ${clientSecret}, org ${orgId}`,
      '',
      'Environment for the worker, CLI and demo:',
      `AEP_PLATFORM_URL=${emu.url}`,
      `AEP_IMS_URL=${emu.url}`,
      `AEP_CLIENT_ID=${clientId}`,
      `AEP_CLIENT_SECRET=${clientSecret}`,
      `AEP_ORG_ID=${orgId}`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the emulator\n`);
    emu.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`emulator: close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
