import { z } from 'zod';
import { filePath, flag, Redacted } from './fields';

/**
 * How to reach Temporal: read by every process (worker, client library, CLI, HTTP API). Temporal's
 * own conventions apply on top (@temporalio/envconfig, src/config/temporal-connection.ts).
 */
export const temporalFields = {
  /**
   * host:port of the Temporal frontend (gRPC). Temporal's own conventions apply
   * (@temporalio/envconfig): unset, the address of the TEMPORAL_PROFILE profile of the
   * temporal.toml file is used, then localhost:7233.
   */
  TEMPORAL_ADDRESS: z.string().trim().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('aep-streaming-provisioning'),
  /** Temporal Cloud API key (turns TLS on); never logged. */
  TEMPORAL_API_KEY: z
    .string()
    .trim()
    .min(1)
    .transform((k) => new Redacted(k))
    .optional(),
  /** Profile of the temporal.toml file (default: "default"). */
  TEMPORAL_PROFILE: z.string().trim().min(1).optional(),
  /** The temporal.toml file; default: $XDG_CONFIG_HOME/temporalio/temporal.toml (or ~/.config/...). */
  TEMPORAL_CONFIG_FILE: filePath('TEMPORAL_CONFIG_FILE'),
  /** true: TLS with the system's CA certificates; false: plaintext even with an API key. */
  TEMPORAL_TLS: flag('TEMPORAL_TLS').optional(),
  /** mTLS: client certificate and key (PEM files), both or neither. */
  TEMPORAL_TLS_CLIENT_CERT_PATH: filePath('TEMPORAL_TLS_CLIENT_CERT_PATH'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: filePath('TEMPORAL_TLS_CLIENT_KEY_PATH'),
  /** CA certificate (PEM file) of a self-hosted cluster's server certificate. */
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: filePath('TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
  /** Server name expected in the server's certificate (SNI), when it differs from the address. */
  TEMPORAL_TLS_SERVER_NAME: z.string().trim().min(1).optional(),
};
