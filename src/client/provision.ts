import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { ProvisionRequest } from '../request';
import { FailureType, REQUEST_MEMO, sourceWorkflowId, WorkflowType } from '../shared/names';
import type { ProvisionStreamingSource } from '../workflows';
import {
  lastKnown,
  startAttributes,
  startOrAttach,
  type ClientContext,
  type OpenRun,
  type Started,
} from './runs';

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
 * Starts the provisioning of a validated request, or attaches to the open run of the same
 * request; a different request in flight, or a teardown, is a RequestConflictError.
 */
export async function startProvision(
  ctx: ClientContext,
  req: ProvisionRequest,
): Promise<Started<typeof ProvisionStreamingSource>> {
  const workflowId = sourceWorkflowId(req);
  const args = async (): Promise<[ProvisionRequest]> => {
    // What the source's last run left, from Temporal: AEP's lists may not show it yet.
    const known = req.known ?? (await lastKnown(ctx, workflowId));
    return [known ? { ...req, known } : req];
  };
  return startOrAttach<typeof ProvisionStreamingSource>(
    ctx,
    { type: WorkflowType.provision, workflowId, args, tries: 5 },
    {
      memo: { [REQUEST_MEMO]: req },
      typedSearchAttributes: startAttributes(req),
      staticSummary: `Provision HTTP API streaming source "${req.name}" in sandbox ${req.sandbox}`,
      staticDetails: describeRequest(req),
    },
    async (open) => {
      if (open.type !== WorkflowType.provision) {
        throw new RequestConflictError(
          `A teardown of "${req.name}" is in progress (run ${open.runId}); provision again once it has finished`,
          workflowId,
          open.runId,
          [],
        );
      }
      const fields = await requestDifferences(ctx, workflowId, open, req);
      if (fields.length > 0) {
        throw new RequestConflictError(
          `A provisioning of "${req.name}" with a different request is in progress (run ${open.runId}); differing: ${fields.join(', ')}. Wait for it to finish, or cancel it, then provision again`,
          workflowId,
          open.runId,
          fields,
        );
      }
      const handle = ctx.client.workflow.getHandle<typeof ProvisionStreamingSource>(
        workflowId,
        open.runId,
      );
      return { workflowId, runId: open.runId, started: false, handle };
    },
  );
}

/**
 * The fields in which `req` differs from the request the open run was started with: read from
 * its memo, or (a run started by another client, e.g. `temporal workflow start`) from the
 * input of its first history event, validated as the client would.
 */
async function requestDifferences(
  ctx: ClientContext,
  workflowId: string,
  open: OpenRun,
  req: ProvisionRequest,
): Promise<string[]> {
  let openInput: unknown = open.memo?.[REQUEST_MEMO];
  if (openInput === undefined) {
    const history = await ctx.client.workflow.getHandle(workflowId, open.runId).fetchHistory();
    const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    // Through the client's data converter: decrypted when payload keys are configured.
    openInput = payloads?.length
      ? await decodeFromPayloadsAtIndex(ctx.client.options.loadedDataConverter, 0, payloads)
      : undefined;
  }
  let openReq: ProvisionRequest;
  try {
    openReq = ctx.validate(openInput);
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

/** The run's details in the Temporal UI. */
function describeRequest(req: ProvisionRequest): string {
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
