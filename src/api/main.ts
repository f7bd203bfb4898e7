import { ProvisioningClient } from '../client';
import { ConfigError, parseApiConfig } from '../config';
import { connectClient } from '../connection';
import { CODEC_PREFIX } from '../codec/endpoint';
import { startTracing } from '../telemetry';
import { buildApi } from './server';

/**
 * `npm run api` (or `node dist/api/main.js`): the HTTP API as its own process. Connects to
 * Temporal lazily, so it starts (and /readyz says 503) while Temporal is still coming up.
 */
async function main(): Promise<void> {
  const config = parseApiConfig();
  const tracing = await startTracing(config, 'api');
  const client = new ProvisioningClient(await connectClient(config, { lazy: true }), config);
  const app = await buildApi({ config, client });
  const stop = async () => {
    await app.close();
    await client.close();
    await tracing?.shutdown();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await app.listen({ host: config.API_HOST, port: config.API_PORT });
  app.log.info(
    {
      temporal: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      temporalSecurity: config.temporal?.describe(),
      keys: config.API_KEYS.map((k) => k.id),
      keysFile: config.API_KEYS_FILE?.path,
      anonymous: config.API_ALLOW_ANONYMOUS,
      payloadEncryption: config.PAYLOAD_ENCRYPTION_KEYS?.describe() ?? 'off',
      tracing: tracing ? config.OTEL_EXPORTER_OTLP_ENDPOINT : 'off',
      ...(config.PAYLOAD_ENCRYPTION_KEYS
        ? {
            codecEndpoint: `${app.listeningOrigin}${CODEC_PREFIX}`,
            codecOrigins: config.API_CODEC_ORIGINS,
            codecKeys: config.API_CODEC_KEYS.map((k) => k.id),
            codecAnonymous: config.API_CODEC_ANONYMOUS,
          }
        : {}),
    },
    `API listening on ${app.listeningOrigin}`,
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
