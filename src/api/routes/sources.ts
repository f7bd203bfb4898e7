import type { z } from 'zod';
import { listed } from '../../client/list';
import { runsPage, visibilityQuery } from '../../operations/visibility';
import { WorkflowType } from '../../shared/names';
import { authorize } from '../auth';
import { invalid } from '../problems';
import { provisionStatusSchema } from '../result-schemas';
import { listQuerySchema, type sourceListSchema } from '../schemas';
import type { RouteModule } from '../server';
import { orgClient, sourcePath } from './source';

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
    // Each run as `list` sees it (client/list.ts), with its type and link.
    const items = page.runs.map((info) => {
      const { sandbox, name, lastOperation } = listed(info);
      const { operation: _operation, status: given, ...run } = lastOperation;
      const status = provisionStatusSchema.safeParse(given).data;
      const links = { self: sourcePath(sandbox, name) };
      return { sandbox, name, ...run, workflowType: info.type, status, links };
    });
    return { items, nextPageToken: next } satisfies SourceList;
  });
};
