import { z } from 'zod';
import { provisionRequestSchema } from '../request';
import {
  deprovisionResultSchema,
  failureSchema,
  flowHealthSchema,
  provisionProgressSchema,
  provisionResultSchema,
  provisionStatusSchema,
  str,
  optStr,
  int,
  bool,
  optBool,
} from './result-schemas';

/** The HTTP API's documents: OpenAPI, contract/ and validation (the workflows': result-schemas.ts). */

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
  self: str.describe('This source`s URL'),
});

/** The run a source's documents name. */
const run = { sandbox: str, name: str, workflowId: str, runId: str };

export const sourceStatusSchema = z
  .object({
    ...run,
    workflowType: optStr,
    execution: executionSchema,
    status: provisionStatusSchema,
    progress: provisionProgressSchema.optional(),
    result: provisionResultSchema.optional(),
    teardown: deprovisionResultSchema.optional(),
    failure: failureSchema.optional(),
    health: flowHealthSchema
      .optional()
      .describe('Once a provisioning has a flow: its recent runs, or why unread'),
    links: linksSchema,
  })
  .meta({ id: 'SourceStatus' });

export const operationSchema = z
  .object({
    sandbox: str,
    name: str,
    operation: z.enum(['provision', 'deprovision']),
    workflowId: str,
    runId: str,
    started: bool.describe('false: a run for the same desired state was open and was attached to'),
    status: z.literal('RUNNING'),
    warning: optStr.describe('e.g. no worker polls the task queue (the run waits for one)'),
    links: linksSchema,
  })
  .meta({ id: 'Operation', description: 'A started (or attached) run; poll links.self' });

export const sourceSummarySchema = z
  .object({
    ...run,
    workflowType: str,
    execution: executionSchema,
    status: provisionStatusSchema.optional(),
    startTime: str,
    closeTime: optStr,
    links: linksSchema,
  })
  .meta({ id: 'SourceSummary' });

export const sourceListSchema = z
  .object({
    items: z.array(sourceSummarySchema),
    nextPageToken: optStr.describe('Pass as pageToken for the next page; absent on the last page'),
  })
  .meta({ id: 'SourceList' });

export const listQuerySchema = z
  .object({
    sandbox: str
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'sandbox must be a lowercase Platform sandbox name')
      .optional(),
    status: provisionStatusSchema.optional(),
    pageSize: z.coerce
      .number({ error: 'pageSize must be a number' })
      .int('pageSize must be a whole number')
      .min(1, 'pageSize must be between 1 and 1000')
      .max(1000, 'pageSize must be between 1 and 1000')
      .default(100),
    pageToken: str.max(4096).optional(),
  })
  .strict();

export const problemSchema = z
  .object({
    type: str.describe(
      'urn:aep-stream:problem:<Type>; the types are those of the failure table (docs/api.md)',
    ),
    title: str,
    status: int,
    detail: optStr,
    instance: optStr,
    requestId: optStr,
    errors: z.array(str).optional().describe('InvalidRequest: every bad field, one line each'),
    failureType: optStr,
    rootCause: optStr,
    leftovers: z.array(z.unknown()).optional(),
    workflowId: optStr,
    runId: optStr,
  })
  .meta({ id: 'Problem', title: 'RFC 9457 problem details' });

export const healthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    temporal: optStr,
    namespace: optStr,
    taskQueue: optStr,
    workers: int.optional().describe('Pollers seen on the workflow task queue'),
  })
  .meta({ id: 'Health' });

/** The request body of PUT: the request without name and sandbox (they come from the path). */
export const putBodySchema = provisionRequestSchema
  .omit({ name: true, sandbox: true })
  .extend({
    name: optStr.describe('optional; must equal the path`s name'),
    sandbox: optStr.describe('optional; must equal the path`s sandbox'),
  })
  .meta({ id: 'ProvisionRequestBody' });

/** The request body of PUT …/sets/{set}: the whole set, each source as PUT of one takes it. */
export const setBodySchema = z
  .strictObject({
    sources: z
      .array(
        putBodySchema.extend({
          name: str.describe('the source`s name'),
          applySet: optStr.describe('optional; must equal the path`s set'),
        }),
      )
      .max(1000)
      .describe('Every source of the set; sources of the set not named are pruned'),
    deleteDataset: optBool.describe('Also delete the datasets of the pruned sources'),
    force: optBool.describe('Prune more than 10 % of the set (at least 1)'),
  })
  .meta({ id: 'ApplySetBody' });

/** The body of PUT …/reconcile-schedule (`aep-stream reconcile --every`). */
export const reconcileScheduleBodySchema = z
  .strictObject({
    every: str.max(32).describe('The interval, a duration such as 15m or 1h (at least 1m)'),
    repair: optBool.describe('Provision each drifted source again (default false)'),
    concurrency: z.int().min(1).max(64).optional().describe('Repairs run at once (default 4)'),
  })
  .meta({ id: 'ReconcileScheduleBody' });

/** A sandbox's reconcile schedule, as created or updated (client/reconcile.ts, the HTTP API). */
export const reconcileScheduleSchema = z
  .object({
    scheduleId: str,
    sandbox: str,
    everyMs: int.describe('The interval, in milliseconds'),
    repair: bool,
    created: bool.describe('False when the schedule existed and was updated'),
    nextRuns: z.array(str).describe('Its next runs (ISO 8601)'),
  })
  .meta({ id: 'ReconcileSchedule' });
