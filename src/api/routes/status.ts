import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { ProvisioningClient, SourceStatus } from '../../client';
import { checkName, sourcePath, sourceParams } from '../paths';
import { leftoversOf, noSuchSource } from '../problems';
import type { sourceStatusSchema } from '../schemas';

type SourceStatusDoc = z.infer<typeof sourceStatusSchema>;

/** GET a source: status, progress, result or failure of its latest run. */
export function registerStatusRoutes(app: FastifyInstance, client: ProvisioningClient): void {
  app.get('/v1/sandboxes/:sandbox/sources/:name', async (request) => {
    const { sandbox, name } = sourceParams(request);
    checkName(name);
    try {
      return statusDoc(sandbox, name, await client.status(name, sandbox));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw noSuchSource(sandbox, name);
      throw err;
    }
  });
}

function statusDoc(sandbox: string, name: string, s: SourceStatus): SourceStatusDoc {
  const execution = s.execution as SourceStatusDoc['execution'];
  return {
    sandbox,
    name,
    workflowId: s.workflowId,
    runId: s.runId,
    execution,
    status: s.progress?.status ?? derivedStatus(execution),
    ...(s.progress ? { progress: s.progress } : {}),
    ...(s.result ? { result: s.result } : {}),
    ...(s.teardown ? { teardown: s.teardown } : {}),
    ...(s.failure
      ? {
          failure: {
            type: s.failure.type,
            rootType: s.failure.rootType,
            message: s.failure.message,
            ...(leftoversOf(s.failure.details)
              ? { leftovers: leftoversOf(s.failure.details) }
              : {}),
            ...(s.failure.details !== undefined ? { details: s.failure.details } : {}),
          },
        }
      : {}),
    links: { self: sourcePath(sandbox, name) },
  };
}

function derivedStatus(execution: string): SourceStatusDoc['status'] {
  if (execution === 'RUNNING') return 'QUEUED';
  if (execution === 'COMPLETED') return 'SUCCEEDED';
  if (execution === 'CANCELLED') return 'CANCELLED';
  return 'FAILED';
}
