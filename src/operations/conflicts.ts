import type { WorkflowExecutionDescription } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { parseProvisionRequest, type ProvisionRequest } from '../request';
import { FailureType, REQUEST_MEMO, WorkflowType } from '../shared/names';
import type { Door } from './runs';

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
 * A teardown waited for the open provisioning it cancelled, and that run had not finished
 * compensating when the wait ended (no worker, say): the teardown has not started. The
 * cancellation stands; asking for the teardown again once the run has ended starts it.
 */
export class CompensationPendingError extends Error {
  constructor(
    readonly workflowId: string,
    readonly runId: string,
  ) {
    super(
      `The open provisioning of ${workflowId} (run ${runId}) was cancelled and is still compensating; the teardown starts once it has ended: ask again then`,
    );
    this.name = 'CompensationPendingError';
  }
}

/**
 * Whether to attach to the open run `open` of the source of `req`: yes when it provisions the same
 * request; a different request in flight, or a teardown, is a RequestConflictError.
 */
export async function attachOrRefuse(
  door: Pick<Door, 'client'>,
  open: WorkflowExecutionDescription,
  req: ProvisionRequest,
): Promise<true> {
  const fields =
    open.type === WorkflowType.provision ? await requestDifferences(door, open, req) : undefined;
  if (fields?.length === 0) return true;
  throw new RequestConflictError(
    fields
      ? `A provisioning of "${req.name}" with a different request is in progress (run ${open.runId}); differing: ${fields.join(', ')}. Wait for it to finish, or cancel it, then provision again`
      : `A teardown of "${req.name}" is in progress (run ${open.runId}); provision again once it has finished`,
    open.workflowId,
    open.runId,
    fields ?? [],
  );
}

/**
 * The fields in which `req` differs from the request the open run was started with: read from
 * its memo, or (a run started by another client, e.g. `temporal workflow start`) from the
 * input of its first history event, validated as the client would.
 */
async function requestDifferences(
  door: Pick<Door, 'client'>,
  open: WorkflowExecutionDescription,
  req: ProvisionRequest,
): Promise<string[]> {
  let openInput: unknown = open.memo?.[REQUEST_MEMO];
  if (openInput === undefined) {
    const history = await door.client.workflow
      .getHandle(open.workflowId, open.runId)
      .fetchHistory();
    const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    // Through the client's data converter: decrypted when payload keys are configured.
    openInput = payloads?.length
      ? await decodeFromPayloadsAtIndex(door.client.options.loadedDataConverter, 0, payloads)
      : undefined;
  }
  try {
    // The open run is of the same source: it resolves a missing org and sandbox as `req` did.
    const openReq = parseProvisionRequest(openInput, req);
    // `known` is what the caller read from Temporal, not the desired state.
    return differingFields({ ...openReq, known: undefined }, { ...req, known: undefined });
  } catch {
    return ["(the open run's request could not be read)"];
  }
}

/** Dotted paths whose values differ between two requests (arrays compared whole). */
function differingFields(a: unknown, b: unknown, path = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingFields(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path || '(request)'];
}

/** The run's details in the Temporal UI. */
export function describeRequest(req: ProvisionRequest): string {
  return [
    `**Source** ${req.name} (${req.dataType}${req.authentication?.required ? ', authenticated inlet' : ''})`,
    `**Org / sandbox** ${req.imsOrg} / ${req.sandbox}`,
    `**Schema** ${req.target.schemaId}`,
    `**Dataset** ${req.target.datasetId ?? `new: ${req.target.dataset?.name}`}`,
    `**Mapping** ${req.mappings ? `${req.mappings.length} field(s)` : 'none'}`,
    `**Smoke test** ${req.smokeTest ? `after ${req.smokeTest.activationWaitSeconds}s` : 'no'}`,
  ]
    .map((line) => `- ${line}`)
    .join('\n');
}
