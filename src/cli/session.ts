import { ProvisioningClient } from '../client';
import { parseClientConfig } from '../config';
import { noWorkerMessage, workflowPollers } from '../connection';

/** A command's connection to Temporal: opened for the command, closed after it. */
export async function withClient<T>(fn: (c: ProvisioningClient) => Promise<T>): Promise<T> {
  const client = await ProvisioningClient.connect(parseClientConfig());
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Warns on stderr at once when no worker polls the task queue (the run would wait forever). */
export async function warnWithoutWorker(client: ProvisioningClient): Promise<void> {
  try {
    if ((await workflowPollers(client.client, client.config.TEMPORAL_TASK_QUEUE)) === 0) {
      process.stderr.write(`warning: ${noWorkerMessage(client.config)}\n`);
    }
  } catch {
    // The start itself reports an unreachable Temporal.
  }
}
