import {
  Client,
  Connection,
  type ConnectionLike,
  type ConnectionOptions,
} from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { dataConverterOf } from './codec';
import type { ClientConfig } from './config';
import { clientTracing } from './telemetry';

/** Connection options for the client (`Connection`) and the worker (`NativeConnection`). */
export function connectionOptions(config: ClientConfig): NativeConnectionOptions {
  return { address: config.TEMPORAL_ADDRESS, ...config.temporal?.options };
}

/** A Temporal client (see `clientOn`). `lazy`: connect on first use (the API). */
export async function connectClient(
  config: ClientConfig,
  opts: { lazy?: boolean } = {},
): Promise<Client> {
  const options = connectionOptions(config) as ConnectionOptions;
  const connection = opts.lazy ? Connection.lazy(options) : await Connection.connect(options);
  return clientOn(connection, config);
}

/** A client with the configuration's namespace and data converter; traced unless told not to. */
export function clientOn(
  connection: ConnectionLike,
  config: ClientConfig,
  opts: { tracing?: false } = {},
): Client {
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: dataConverterOf(config),
    interceptors: opts.tracing === false ? undefined : clientTracing(),
  });
}

export async function workflowPollers(client: Client, taskQueue: string): Promise<number> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  return res.pollers?.length ?? 0;
}
