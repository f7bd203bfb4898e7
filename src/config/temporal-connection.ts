/**
 * The Temporal connection's settings by Temporal's own conventions (@temporalio/envconfig, the
 * same rules as the Temporal CLI and the other SDKs): TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_GRPC_META_*, and a profile (TEMPORAL_PROFILE) of the
 * temporal.toml file (TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml).
 * Environment variables win over the profile. So Temporal Cloud (API key) and mTLS clusters need
 * no code change.
 *
 * src/config.ts calls `loadTemporalConnection` while parsing (its problems are listed with every
 * other configuration problem); src/connection.ts builds the connections from the result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export type TlsOption = NativeConnectionOptions['tls'];

/** What the connection needs beyond address and namespace. Secrets are redacted when printed. */
export class TemporalConnection {
  constructor(
    readonly apiKey: string | undefined,
    readonly tls: TlsOption,
    readonly metadata: Record<string, string> | undefined,
    /** Where the settings came from, for logs: "environment" or "profile X of FILE". */
    readonly source: string,
  ) {}

  /** How the connection is secured, for logs and `aep-stream` messages (no secret). */
  describe(): string {
    const auth = this.apiKey ? 'API key' : hasClientCert(this.tls) ? 'mTLS' : 'no credentials';
    const tls = this.tls === undefined || this.tls === false ? 'plaintext' : 'TLS';
    return `${tls}, ${auth} (${this.source})`;
  }

  toJSON(): Record<string, unknown> {
    return { security: this.describe(), apiKey: this.apiKey ? '[redacted]' : undefined };
  }

  [inspect.custom](): string {
    return `TemporalConnection(${this.describe()})`;
  }
}

function hasClientCert(tls: TlsOption): boolean {
  return typeof tls === 'object' && tls !== null && tls.clientCertPair !== undefined;
}

export interface LoadedTemporalConnection {
  connection: TemporalConnection;
  /** From the profile; the environment's TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE win over these. */
  address?: string;
  namespace?: string;
  problems: string[];
}

const FILE_VARS = [
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
] as const;

/**
 * Resolves the connection from an environment (already cleaned of empty values). Every problem is
 * collected rather than thrown: a missing profile or file, a TOML error, an unreadable certificate,
 * a certificate without its key.
 */
export function loadTemporalConnection(env: Record<string, string>): LoadedTemporalConnection {
  const problems: string[] = [];
  for (const v of FILE_VARS) {
    const p = env[v];
    if (p !== undefined && !readable(p)) problems.push(`${v}: cannot read ${p}`);
  }
  if (
    (env.TEMPORAL_TLS_CLIENT_CERT_PATH === undefined) !==
    (env.TEMPORAL_TLS_CLIENT_KEY_PATH === undefined)
  ) {
    problems.push(
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together (mTLS needs both)',
    );
  }
  const file = env.TEMPORAL_CONFIG_FILE;
  if (file !== undefined && !readable(file)) {
    problems.push(`TEMPORAL_CONFIG_FILE: cannot read ${file}`);
  }
  const fallback = new TemporalConnection(undefined, undefined, undefined, 'environment');
  if (problems.length > 0) return { connection: fallback, problems };
  try {
    const profile = loadClientConfigProfile({ overrideEnvVars: env });
    // A profile's own certificate paths are checked too (the environment's were above).
    for (const [what, src] of [
      ['client_cert', profile.tls?.clientCert],
      ['client_key', profile.tls?.clientKey],
      ['server_ca_cert', profile.tls?.serverCACert],
    ] as const) {
      if (src && 'path' in src && !readable(src.path)) {
        problems.push(`temporal.toml tls.${what}_path: cannot read ${src.path}`);
      }
    }
    if (problems.length > 0) return { connection: fallback, problems };
    const { connectionOptions, namespace } = toClientOptions(profile);
    const fromFile = env.TEMPORAL_PROFILE !== undefined || file !== undefined;
    const source = fromFile
      ? `profile ${env.TEMPORAL_PROFILE ?? 'default'}${file ? ` of ${file}` : ''}`
      : 'environment';
    return {
      connection: new TemporalConnection(
        connectionOptions.apiKey,
        connectionOptions.tls,
        connectionOptions.metadata as Record<string, string> | undefined,
        source,
      ),
      address: profile.address,
      namespace,
      problems,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    problems.push(`Temporal profile (TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE): ${message}`);
    return { connection: fallback, problems };
  }
}

function readable(path: string): boolean {
  try {
    if (!existsSync(path)) return false;
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}
