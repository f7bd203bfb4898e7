import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { z } from 'zod';
import { runsPage } from '../../client/list';
import { SearchAttributes, WorkflowType } from '../../shared/names';
import { authorize, type Principal } from '../auth';
import { invalid } from '../problems';
import { provisionStatusSchema } from '../result-schemas';
import { listQuerySchema, type sourceListSchema, type sourceSummarySchema } from '../schemas';
import type { RouteModule } from '../server';
import { orgClient, sourcePath } from './source';

type SourceSummary = z.infer<typeof sourceSummarySchema>;
type SourceList = z.infer<typeof sourceListSchema>;
type ExecutionInfo = WorkflowExecutionInfo;

/** GET the sources: provisioning runs from Temporal visibility, newest first, paged. */
export const registerSourceListRoutes: RouteModule = (app, client) => {
  app.get('/v1/sources', async (request) => {
    const q = listQuerySchema.safeParse(request.query);
    if (!q.success) throw invalid(q.error.issues.map((i) => i.message));
    const { sandbox, status, pageSize, pageToken } = q.data;
    if (sandbox !== undefined) authorize(request, sandbox);
    const token = pageToken === undefined ? undefined : Buffer.from(pageToken, 'base64url');
    if (token?.length === 0) throw invalid(['pageToken is not a token of this API']);
    const query = visibilityQuery(
      orgClient(request, client).place.imsOrg,
      request.principal!,
      sandbox,
      status,
    );
    const page = await runsPage(client.client, query, {
      pageSize,
      ...(token ? { nextPageToken: token } : {}),
    });
    const next = page.nextPageToken && Buffer.from(page.nextPageToken).toString('base64url');
    return { items: page.runs.map(summaryOf), nextPageToken: next } satisfies SourceList;
  });
};

/** Provisioning runs of the org, in the asked sandbox or every sandbox the key may touch. */
function visibilityQuery(imsOrg: string, p: Principal, sandbox?: string, status?: string): string {
  const clauses = [
    `WorkflowType = '${WorkflowType.provision}'`,
    `${SearchAttributes.imsOrg.name} = '${imsOrg}'`,
  ];
  if (sandbox !== undefined) clauses.push(`${SearchAttributes.sandbox.name} = '${sandbox}'`);
  else if (p.sandboxes !== '*') {
    clauses.push(
      `${SearchAttributes.sandbox.name} IN (${p.sandboxes.map((s) => `'${s}'`).join(', ')})`,
    );
  }
  if (status !== undefined) clauses.push(`${SearchAttributes.status.name} = '${status}'`);
  return clauses.join(' AND ');
}

function summaryOf(info: ExecutionInfo): SourceSummary {
  const sa = info.typedSearchAttributes;
  const sandbox = sa.get(SearchAttributes.sandbox) ?? '';
  const name = sa.get(SearchAttributes.sourceName) ?? info.workflowId.split('/').slice(3).join('/');
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
