import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { ProvisionRequest } from '../request';
import { FailureType, REQUEST_MEMO } from '../shared/names';
import type { OpenRun } from './runs';

/**
 * Another operation on the source is in flight with a different request, or a teardown is:
 * nothing was started or attached to. `fields` names what differs from the open run's request.
 */
export class RequestConflictError extends Error {
  readonly type = FailureType.RequestConflict;
  constructor(
    message: string,
    readonly workflowId: string,
    readonly runId: string,
    readonly fields: string[],
  ) {
    super(message);
    this.name = 'RequestConflictError';
  }
}

/**
 * The fields in which `req` differs from the request the open run was started with: read from
 * its memo, or (a run started by another client, e.g. `temporal workflow start`) from the
 * input of its first history event. `validate` reads that request as the client would.
 */
export async function requestDifferences(
  client: Client,
  workflowId: string,
  open: OpenRun,
  req: ProvisionRequest,
  validate: (input: unknown) => ProvisionRequest,
): Promise<string[]> {
  let openInput: unknown = open.memo?.[REQUEST_MEMO];
  if (openInput === undefined) {
    const history = await client.workflow.getHandle(workflowId, open.runId).fetchHistory();
    const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    // Through the client's data converter: decrypted when payload keys are configured.
    openInput = payloads?.length
      ? await decodeFromPayloadsAtIndex(client.options.loadedDataConverter, 0, payloads)
      : undefined;
  }
  let openReq: ProvisionRequest;
  try {
    openReq = validate(openInput);
  } catch {
    return ["(the open run's request could not be read)"];
  }
  // `known` is what the caller read from Temporal, not the desired state.
  return differingFields({ ...openReq, known: undefined }, { ...req, known: undefined });
}

/** Dotted paths whose values differ between two requests (arrays compared whole). */
export function differingFields(a: unknown, b: unknown, path = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingFields(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path || '(request)'];
}
