import { z } from 'zod';
import { provisionRequestSchema } from '../request';
import {
  deprovisionResultSchema,
  failureSchema,
  flowHealthSchema,
  provisionProgressSchema,
  provisionResultSchema,
  provisionStatusSchema,
} from './result-schemas';

/**
 * The HTTP API's own documents, the one source of the OpenAPI document, contract/ and the API's
 * validation; the workflows' shapes are in result-schemas.ts.
 */

const executionSchema = z
  .enum([
    'RUNNING',
    'COMPLETED',
    'FAILED',
    'CANCELLED',
    'TERMINATED',
    'TIMED_OUT',
    'CONTINUED_AS_NEW',
    'PAUSED',
    'UNKNOWN',
    'UNSPECIFIED',
  ])
  .meta({ id: 'ExecutionStatus', description: 'Temporal`s execution status of the run' });

const linksSchema = z.object({
  self: z.string().meta({ description: 'This source`s URL' }),
});

/** The run a source's documents name. */
const run = { sandbox: z.string(), name: z.string(), workflowId: z.string(), runId: z.string() };

export const sourceStatusSchema = z
  .object({
    ...run,
    workflowType: z.string().optional(),
    execution: executionSchema,
    status: provisionStatusSchema,
    progress: provisionProgressSchema.optional(),
    result: provisionResultSchema.optional(),
    teardown: deprovisionResultSchema.optional(),
    failure: failureSchema.optional(),
    health: flowHealthSchema
      .optional()
      .meta({ description: 'Once a provisioning has a flow: its recent runs, or why unread' }),
    links: linksSchema,
  })
  .meta({ id: 'SourceStatus' });

export const operationSchema = z
  .object({
    sandbox: z.string(),
    name: z.string(),
    operation: z.enum(['provision', 'deprovision']),
    workflowId: z.string(),
    runId: z.string(),
    started: z.boolean().meta({
      description: 'false: a run for the same desired state was open and was attached to',
    }),
    status: z.literal('RUNNING'),
    warning: z
      .string()
      .optional()
      .meta({ description: 'e.g. no worker polls the task queue (the run waits for one)' }),
    links: linksSchema,
  })
  .meta({ id: 'Operation', description: 'A started (or attached) run; poll links.self' });

export const sourceSummarySchema = z
  .object({
    ...run,
    workflowType: z.string(),
    execution: executionSchema,
    status: provisionStatusSchema.optional(),
    startTime: z.string(),
    closeTime: z.string().optional(),
    links: linksSchema,
  })
  .meta({ id: 'SourceSummary' });

export const sourceListSchema = z
  .object({
    items: z.array(sourceSummarySchema),
    nextPageToken: z
      .string()
      .optional()
      .meta({ description: 'Pass as pageToken for the next page; absent on the last page' }),
  })
  .meta({ id: 'SourceList' });

export const listQuerySchema = z
  .object({
    sandbox: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'sandbox must be a lowercase Platform sandbox name')
      .optional(),
    status: provisionStatusSchema.optional(),
    pageSize: z.coerce
      .number({ error: 'pageSize must be a number' })
      .int('pageSize must be a whole number')
      .min(1, 'pageSize must be between 1 and 1000')
      .max(1000, 'pageSize must be between 1 and 1000')
      .default(100),
    pageToken: z.string().max(4096).optional(),
  })
  .strict();

export const problemSchema = z
  .object({
    type: z.string().meta({
      description:
        'urn:aep-stream:problem:<Type>; the types are those of the failure table (docs/api.md)',
    }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(z.string())
      .optional()
      .meta({ description: 'InvalidRequest: every bad field, one line each' }),
    failureType: z.string().optional(),
    rootCause: z.string().optional(),
    leftovers: z.array(z.unknown()).optional(),
    workflowId: z.string().optional(),
    runId: z.string().optional(),
  })
  .meta({ id: 'Problem', title: 'RFC 9457 problem details' });

export const healthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    temporal: z.string().optional(),
    namespace: z.string().optional(),
    taskQueue: z.string().optional(),
    workers: z
      .number()
      .int()
      .optional()
      .meta({ description: 'Pollers seen on the workflow task queue' }),
  })
  .meta({ id: 'Health' });

/** The request body of PUT: the request without name and sandbox (they come from the path). */
export const putBodySchema = provisionRequestSchema
  .omit({ name: true, sandbox: true })
  .extend({
    name: z.string().optional().meta({ description: 'optional; must equal the path`s name' }),
    sandbox: z.string().optional().meta({ description: 'optional; must equal the path`s sandbox' }),
  })
  .meta({ id: 'ProvisionRequestBody' });

/** The request body of PUT …/sets/{set}: the whole set, each source as PUT of one takes it. */
export const setBodySchema = z
  .strictObject({
    sources: z
      .array(
        putBodySchema.extend({
          name: z.string().meta({ description: 'the source`s name' }),
          applySet: z
            .string()
            .optional()
            .meta({ description: 'optional; must equal the path`s set' }),
        }),
      )
      .max(1000)
      .meta({ description: 'Every source of the set; sources of the set not named are pruned' }),
    deleteDataset: z
      .boolean()
      .optional()
      .meta({ description: 'Also delete the datasets of the pruned sources' }),
    force: z
      .boolean()
      .optional()
      .meta({ description: 'Prune more than 10 % of the set (at least 1)' }),
  })
  .meta({ id: 'ApplySetBody' });

/** The body of PUT …/reconcile-schedule (`aep-stream reconcile --every`). */
export const reconcileScheduleBodySchema = z
  .strictObject({
    every: z
      .string()
      .max(32)
      .meta({ description: 'The interval, a duration such as 15m or 1h (at least 1m)' }),
    repair: z
      .boolean()
      .optional()
      .meta({ description: 'Provision each drifted source again (default false)' }),
    concurrency: z
      .int()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: 'Repairs run at once (default 4)' }),
  })
  .meta({ id: 'ReconcileScheduleBody' });

/** A sandbox's reconcile schedule, as created or updated (client/reconcile.ts, the HTTP API). */
export const reconcileScheduleSchema = z
  .object({
    scheduleId: z.string(),
    sandbox: z.string(),
    everyMs: z.number().int().meta({ description: 'The interval, in milliseconds' }),
    repair: z.boolean(),
    created: z.boolean().meta({ description: 'False when the schedule existed and was updated' }),
    nextRuns: z.array(z.string()).meta({ description: 'Its next runs (ISO 8601)' }),
  })
  .meta({ id: 'ReconcileSchedule' });
