import { startDevServer, type DevServer } from '../../tools/dev-server';

/**
 * One real Temporal dev server (in-memory SQLite, loopback, free port, the project's search
 * attributes registered) for the whole jest run. Test files isolate themselves with a fresh task
 * queue and workflow id each; the address reaches the test workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const server: DevServer = await startDevServer();
  (globalThis as { __TEMPORAL_DEV_SERVER__?: DevServer }).__TEMPORAL_DEV_SERVER__ = server;
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
}
