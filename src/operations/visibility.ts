import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { SearchAttributes } from '../shared/names';

/**
 * A Temporal visibility query over this project's runs: of one of `types`, in `execution`, and
 * each attribute given (a list: any of its values). Values are names the request schema or the
 * key configuration has already checked, so they are quoted as they are.
 */
export function visibilityQuery(q: {
  types: string[];
  execution?: 'Running' | 'Completed';
  imsOrg?: string;
  sandbox?: string | string[];
  status?: string;
  apiKeyId?: string;
}): string {
  const is = (field: string, v: string | string[]) =>
    Array.isArray(v) ? `${field} IN (${v.map((s) => `'${s}'`).join(', ')})` : `${field} = '${v}'`;
  const attributes = [
    [SearchAttributes.imsOrg.name, q.imsOrg],
    [SearchAttributes.sandbox.name, q.sandbox],
    [SearchAttributes.status.name, q.status],
    [SearchAttributes.apiKeyId.name, q.apiKeyId],
  ] as const;
  return [
    is('WorkflowType', q.types.length === 1 ? q.types[0]! : q.types),
    ...(q.execution ? [is('ExecutionStatus', q.execution)] : []),
    ...attributes.flatMap(([field, v]) => (v === undefined ? [] : [is(field, v)])),
  ].join(' AND ');
}

/**
 * One page of the runs visibility finds for `query`, without their memo: a memo this client
 * cannot decode (encrypted under a key it lacks) must not stop the listing of every other run.
 */
export async function runsPage(
  client: Client,
  query: string,
  page: { pageSize?: number; nextPageToken?: Uint8Array } = {},
): Promise<{ runs: WorkflowExecutionInfo[]; nextPageToken?: Uint8Array }> {
  const { namespace, loadedDataConverter } = client.options;
  const res = await client.workflowService.listWorkflowExecutions({ namespace, query, ...page });
  const runs: WorkflowExecutionInfo[] = [];
  for (const raw of res.executions) {
    raw.memo = null;
    runs.push(await executionInfoFromRaw(raw, loadedDataConverter, raw, namespace));
  }
  return res.nextPageToken?.length ? { runs, nextPageToken: res.nextPageToken } : { runs };
}

/** Every run `runsPage` finds for `query`, page after page. */
export async function* runsOf(client: Client, query: string) {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await runsPage(client, query, nextPageToken ? { nextPageToken } : {});
    yield* page.runs;
    nextPageToken = page.nextPageToken;
  } while (nextPageToken !== undefined);
}

/** Per `key` of a run, the run latest by `time` (default: its start). */
export async function latestBy<K>(
  runs: AsyncIterable<WorkflowExecutionInfo>,
  key: (info: WorkflowExecutionInfo) => K,
  time = (info: WorkflowExecutionInfo) => info.startTime,
): Promise<Map<K, WorkflowExecutionInfo>> {
  const latest = new Map<K, WorkflowExecutionInfo>();
  for await (const info of runs) {
    const seen = latest.get(key(info));
    if (!seen || time(seen) < time(info)) latest.set(key(info), info);
  }
  return latest;
}

/** The source a run operates on: its AepSourceName, else the tail of its workflow id. */
export const sourceNameOf = (info: WorkflowExecutionInfo): string =>
  info.typedSearchAttributes.get(SearchAttributes.sourceName) ??
  info.workflowId.split('/').slice(3).join('/');
