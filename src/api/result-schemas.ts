import { z } from 'zod';

/**
 * The workflows' results, progress, plan and failures as zod schemas: the one definition of these
 * shapes; src/shared/model.ts and src/shared/failures.ts give their types.
 */

export const resourceKindSchema = z
  .enum(['baseConnection', 'sourceConnection', 'targetConnection', 'dataset', 'mappingSet', 'flow'])
  .meta({ id: 'ResourceKind', description: 'Kind of AEP resource a provisioning manages' });

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

const kindAndId = z.object({ kind: resourceKindSchema, id: z.string() });

export const smokeTestResultSchema = z.object({
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
      .meta({ description: 'Kinds this run changed in place' }),
    reused: z.array(resourceKindSchema).meta({ description: 'Kinds kept as they were' }),
    inletUrlChanged: z
      .boolean()
      .optional()
      .meta({ description: 'The source was replaced (`replace: true`): a new inlet URL' }),
    twinsRemoved: z
      .array(kindAndId)
      .optional()
      .meta({ description: 'Resources this run created twice (a late commit) and deleted' }),
  })
  .meta({ id: 'ProvisionResult', title: 'Result of ProvisionStreamingSource' });

export const resourceRefSchema = z.object({
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
    sourceState: z.enum(['absent', 'previous', 'new']).optional(),
  })
  .meta({ id: 'ProvisionProgress', description: 'The workflow`s `progress` query' });

export const deprovisionResultSchema = z
  .object({
    sandbox: z.string(),
    deleted: z.array(kindAndId),
    alreadyAbsent: z.array(kindAndId),
    kept: z.array(kindAndId.extend({ reason: z.string().optional() })).meta({
      description:
        'Resources not deleted: the dataset unless deleteDataset (reason retained), one another source writes to, one named by id, or one this project did not create',
    }),
  })
  .meta({ id: 'DeprovisionResult', title: 'Result of DeprovisionStreamingSource' });

const flowRunSummarySchema = z
  .object({
    id: z.string(),
    status: z.string().optional().meta({ description: 'Flow Service`s run status, e.g. success' }),
    startedAt: z.string().optional().meta({ description: 'ISO 8601' }),
    completedAt: z.string().optional().meta({ description: 'ISO 8601' }),
    received: z.number().int().meta({ description: 'Records the run received' }),
    ingested: z.number().int().meta({ description: 'Records it wrote to the dataset' }),
    failed: z.number().int().meta({ description: 'Records that failed (e.g. XDM validation)' }),
    error: z
      .object({ code: z.string().optional(), message: z.string() })
      .optional()
      .meta({ description: 'The run`s last error' }),
  })
  .meta({ id: 'FlowRun' });

export const flowHealthSchema = z
  .object({
    flowId: z.string(),
    available: z.boolean().meta({
      description: 'false: the runs could not be read (AEP or the worker unreachable); see reason',
    }),
    reason: z.string().optional().meta({ description: 'Why the runs are unavailable' }),
    since: z
      .string()
      .optional()
      .meta({ description: 'ISO 8601: runs created from then on are counted' }),
    received: z.number().int().optional(),
    ingested: z.number().int().optional(),
    failed: z.number().int().optional(),
    lastError: z
      .object({ runId: z.string(), code: z.string().optional(), message: z.string() })
      .optional()
      .meta({ description: 'The last error of the newest run that has one' }),
    runs: z.array(flowRunSummarySchema).meta({ description: 'The most recent runs, newest first' }),
  })
  .meta({
    id: 'FlowHealth',
    description: 'The dataflow`s recent runs from Flow Service (GET /runs?property=flowId==…)',
  });
