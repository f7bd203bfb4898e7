import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

/** What the connection needs beyond address and namespace. Secrets are redacted when printed. */
export class TemporalConnection {
  constructor(
    /** apiKey, tls, metadata: only those set. */
    readonly options: Pick<NativeConnectionOptions, 'apiKey' | 'tls' | 'metadata'>,
    /** Where the settings came from, for logs: "environment" or "profile X of FILE". */
    readonly source: string,
  ) {}

  /** How the connection is secured, for logs and `aep-stream` messages (no secret). */
  describe(): string {
    const { apiKey, tls } = this.options;
    const mtls = typeof tls === 'object' && tls?.clientCertPair !== undefined;
    const auth = apiKey ? 'API key' : mtls ? 'mTLS' : 'no credentials';
    return `${tls === undefined || tls === false ? 'plaintext' : 'TLS'}, ${auth} (${this.source})`;
  }

  toJSON(): Record<string, unknown> {
    return { security: this.describe(), apiKey: this.options.apiKey ? '[redacted]' : undefined };
  }

  [inspect.custom](): string {
    return `TemporalConnection(${this.describe()})`;
  }
}

/**
 * How every process reaches Temporal, by Temporal's own conventions (@temporalio/envconfig, as the
 * Temporal CLI): environment variables win over the temporal.toml profile. Resolved from an
 * environment (cleaned of empty values) while the configuration parses, so that every problem is
 * listed with the others: a missing profile or file, a TOML error, an unreadable certificate, a
 * certificate without its key. `fromProfile`: the profile's address and namespace.
 */
export function loadTemporalConnection(env: Record<string, string>) {
  const file = env.TEMPORAL_CONFIG_FILE;
  const problems = [
    'TEMPORAL_TLS_CLIENT_CERT_PATH',
    'TEMPORAL_TLS_CLIENT_KEY_PATH',
    'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  ].flatMap((v) => unreadable(v, env[v]));
  if (!env.TEMPORAL_TLS_CLIENT_CERT_PATH !== !env.TEMPORAL_TLS_CLIENT_KEY_PATH) {
    problems.push(
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together (mTLS needs both)',
    );
  }
  problems.push(...unreadable('TEMPORAL_CONFIG_FILE', file));
  const failed = {
    connection: new TemporalConnection({}, 'environment'),
    fromProfile: {},
    problems,
  };
  if (problems.length > 0) return failed;
  try {
    const profile = loadClientConfigProfile({ overrideEnvVars: env });
    // A profile's own certificate paths are checked too (the environment's were above).
    const { clientCert, clientKey, serverCACert } = profile.tls ?? {};
    const files = { client_cert: clientCert, client_key: clientKey, server_ca_cert: serverCACert };
    for (const [what, src] of Object.entries(files)) {
      if (src && 'path' in src)
        problems.push(...unreadable(`temporal.toml tls.${what}_path`, src.path));
    }
    if (problems.length > 0) return failed;
    const { connectionOptions, namespace } = toClientOptions(profile);
    const { apiKey, tls, metadata } = connectionOptions;
    const options = Object.fromEntries(
      Object.entries({ apiKey, tls, metadata }).filter(([, v]) => v !== undefined),
    ) as TemporalConnection['options'];
    const source =
      env.TEMPORAL_PROFILE !== undefined || file !== undefined
        ? `profile ${env.TEMPORAL_PROFILE ?? 'default'}${file ? ` of ${file}` : ''}`
        : 'environment';
    return {
      connection: new TemporalConnection(options, source),
      fromProfile: { TEMPORAL_ADDRESS: profile.address, TEMPORAL_NAMESPACE: namespace },
      problems,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    problems.push(`Temporal profile (TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE): ${message}`);
    return failed;
  }
}

function unreadable(what: string, path: string | undefined): string[] {
  try {
    if (path !== undefined) readFileSync(path);
    return [];
  } catch {
    return [`${what}: cannot read ${path}`];
  }
}
