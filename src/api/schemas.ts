import { z } from 'zod';
import type { ResourceKind } from '../shared/resources';
import { deprovisionRequestSchema, provisionRequestSchema } from '../request';
import type {
  DeprovisionResult,
  ProvisionProgress,
  ProvisionResult,
  ProvisionStatus,
} from '../shared/results';
import type { SourcePlan } from '../shared/plan';

/**
 * The shapes the HTTP API and the cross-language contract speak, as zod schemas: the one source of
 * truth for the OpenAPI document (src/api/openapi.ts), the JSON Schema files of contract/
 * (scripts/generate-contract.ts) and the API's own validation. The result shapes mirror the
 * TypeScript interfaces of src/shared/results.ts; the compile-time checks at the end of this file
 * fail when either side changes without the other.
 */

export const resourceKindSchema = z
  .enum(['baseConnection', 'sourceConnection', 'targetConnection', 'dataset', 'mappingSet', 'flow'])
  .meta({ id: 'ResourceKind', description: 'Kind of AEP resource a provisioning manages' });

export const provisionStatusSchema = z
  .enum([
    'QUEUED',
    'VALIDATING',
    'PLANNING',
    'REPLACING',
    'PROVISIONING',
    'WAITING_FOR_ACTIVATION',
    'SMOKE_TESTING',
    'COMPENSATING',
    'SUCCEEDED',
    'FAILED',
    'CANCELLED',
  ])
  .meta({
    id: 'ProvisionStatus',
    description:
      'Provisioning status (search attribute AepProvisioningStatus); QUEUED until a worker takes the first task',
  });

const smokeTestResultSchema = z.object({
  status: z.number().int(),
  xactionId: z.string().optional(),
  receivedTimeMs: z.number().optional(),
});

export const provisionResultSchema = z
  .object({
    sandbox: z.string(),
    name: z.string(),
    inletUrl: z.string().meta({ description: 'Streaming inlet URL: POST records here' }),
    inletId: z.string(),
    flowId: z.string(),
    baseConnectionId: z.string(),
    sourceConnectionId: z.string(),
    targetConnectionId: z.string(),
    datasetId: z.string(),
    mappingSetId: z.string().optional(),
    dataType: z.enum(['xdm', 'raw']),
    authenticationRequired: z.boolean(),
    smokeTest: smokeTestResultSchema.optional(),
    created: z
      .array(resourceKindSchema)
      .meta({ description: 'Kinds this run created (empty on a re-run that converged)' }),
    updated: z
      .array(resourceKindSchema)
      .optional()
      .meta({ description: 'Kinds this run changed in place (absent in results of v1 runs)' }),
    reused: z.array(resourceKindSchema).meta({ description: 'Kinds kept as they were' }),
    inletUrlChanged: z
      .boolean()
      .optional()
      .meta({ description: 'The source was replaced (`replace: true`): a new inlet URL' }),
    twinsRemoved: z
      .array(z.object({ kind: resourceKindSchema, id: z.string() }))
      .optional()
      .meta({ description: 'Resources this run created twice (a late commit) and deleted' }),
  })
  .meta({ id: 'ProvisionResult', title: 'Result of ProvisionStreamingSource' });

const resourceRefSchema = z.object({
  id: z.string(),
  created: z.boolean(),
  owned: z.boolean(),
});

const fieldChangeSchema = z.object({ field: z.string(), from: z.unknown(), to: z.unknown() });
const resourcePlanSchema = z.object({
  kind: resourceKindSchema,
  action: z.enum(['create', 'keep', 'update', 'replace', 'delete', 'conflict']),
  id: z.string().optional(),
  changes: z.array(fieldChangeSchema).optional(),
  reason: z.string().optional(),
});

export const sourcePlanSchema = z
  .object({
    sandbox: z.string(),
    name: z.string(),
    resources: z.array(resourcePlanSchema),
    changes: z.boolean().meta({ description: 'Provisioning would change something in AEP' }),
    needsReplace: z.array(fieldChangeSchema).meta({
      description:
        'Changes AEP cannot make in place: refused unless the request says replace: true',
    }),
    replaceSource: z.boolean(),
    conflicts: z.array(resourcePlanSchema),
    schemaMissing: z.boolean(),
  })
  .meta({ id: 'SourcePlan', title: 'Result of PlanStreamingSource' });

export const provisionProgressSchema = z
  .object({
    status: provisionStatusSchema.exclude(['QUEUED']),
    step: z.string(),
    completedSteps: z.array(z.string()),
    resources: z.partialRecord(resourceKindSchema, resourceRefSchema),
    inletUrl: z.string().optional(),
    compensation: z.array(
      z.object({
        kind: resourceKindSchema,
        id: z.string().optional(),
        outcome: z.enum(['deleted', 'absent', 'kept', 'failed']),
        error: z.string().optional(),
      }),
    ),
    error: z.string().optional(),
    plan: sourcePlanSchema.optional(),
  })
  .meta({ id: 'ProvisionProgress', description: 'The workflow`s `progress` query' });

const kindAndId = z.object({ kind: resourceKindSchema, id: z.string() });

export const deprovisionResultSchema = z
  .object({
    sandbox: z.string(),
    deleted: z.array(kindAndId),
    alreadyAbsent: z.array(kindAndId),
    kept: z.array(kindAndId.extend({ reason: z.string().optional() })).meta({
      description:
        'Resources not deleted: a dataset named by id, one this project did not create, or one another source writes to',
    }),
  })
  .meta({ id: 'DeprovisionResult', title: 'Result of DeprovisionStreamingSource' });

export const failureSchema = z
  .object({
    type: z.string().meta({ description: 'The workflow`s failure type, e.g. ProvisioningFailed' }),
    rootType: z
      .string()
      .meta({ description: 'The type at the root of the cause chain, e.g. AepForbidden' }),
    message: z.string(),
    leftovers: z
      .array(z.unknown())
      .optional()
      .meta({ description: 'CompensationFailed: resources that could not be deleted' }),
    details: z.unknown().optional(),
  })
  .meta({ id: 'Failure' });

export const executionSchema = z
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

export const sourceStatusSchema = z
  .object({
    sandbox: z.string(),
    name: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    workflowType: z.string().optional(),
    execution: executionSchema,
    status: provisionStatusSchema,
    progress: provisionProgressSchema.optional(),
    result: provisionResultSchema.optional(),
    teardown: deprovisionResultSchema.optional(),
    failure: failureSchema.optional(),
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
    sandbox: z.string(),
    name: z.string(),
    workflowId: z.string(),
    runId: z.string(),
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

export { deprovisionRequestSchema, provisionRequestSchema };

// --- Compile-time agreement with the workflow's TypeScript types (src/shared/results.ts) ---
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree = <T extends true>(t: T): T => t;
agree<Same<z.output<typeof resourceKindSchema>, ResourceKind>>(true);
agree<Same<z.output<typeof provisionResultSchema>, ProvisionResult>>(true);
agree<Same<z.output<typeof deprovisionResultSchema>, DeprovisionResult>>(true);
agree<Same<z.output<typeof provisionProgressSchema>['status'], ProvisionStatus>>(true);
agree<Same<z.output<typeof provisionProgressSchema>, ProvisionProgress>>(true);
agree<Same<z.output<typeof sourcePlanSchema>, SourcePlan>>(true);
