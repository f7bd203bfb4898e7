import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { z } from 'zod';
import { runsPage, sourceNameOf, visibilityQuery } from '../../operations/visibility';
import { SearchAttributes, WorkflowType } from '../../shared/names';
import { authorize } from '../auth';
import { invalid } from '../problems';
import { provisionStatusSchema } from '../result-schemas';
import { listQuerySchema, type sourceListSchema, type sourceSummarySchema } from '../schemas';
import type { RouteModule } from '../server';
import { orgClient, sourcePath } from './source';

type SourceSummary = z.infer<typeof sourceSummarySchema>;
type SourceList = z.infer<typeof sourceListSchema>;

/** GET the sources: provisioning runs from Temporal visibility, newest first, paged. */
export const registerSourceListRoutes: RouteModule = (app, client) => {
  app.get('/v1/sources', async (request) => {
    const q = listQuerySchema.safeParse(request.query);
    if (!q.success) throw invalid(q.error.issues.map((i) => i.message));
    const { sandbox, status, pageSize, pageToken } = q.data;
    if (sandbox !== undefined) authorize(request, sandbox);
    const token = pageToken === undefined ? undefined : Buffer.from(pageToken, 'base64url');
    if (token?.length === 0) throw invalid(['pageToken is not a token of this API']);
    // Without a sandbox: every sandbox the key may touch.
    const { sandboxes } = request.principal!;
    const query = visibilityQuery({
      types: [WorkflowType.provision],
      imsOrg: orgClient(request, client).place.imsOrg,
      sandbox: sandbox ?? (sandboxes === '*' ? undefined : sandboxes),
      status,
    });
    const page = await runsPage(client.client, query, {
      pageSize,
      ...(token ? { nextPageToken: token } : {}),
    });
    const next = page.nextPageToken && Buffer.from(page.nextPageToken).toString('base64url');
    return { items: page.runs.map(summaryOf), nextPageToken: next } satisfies SourceList;
  });
};

function summaryOf(info: WorkflowExecutionInfo): SourceSummary {
  const sa = info.typedSearchAttributes;
  const sandbox = sa.get(SearchAttributes.sandbox) ?? '';
  const name = sourceNameOf(info);
  return {
    sandbox,
    name,
    workflowId: info.workflowId,
    runId: info.runId,
    workflowType: info.type,
    execution: info.status.name,
    status: provisionStatusSchema.safeParse(sa.get(SearchAttributes.status)).data,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString(),
    links: { self: sourcePath(sandbox, name) },
  };
}
