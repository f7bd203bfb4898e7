import { z } from 'zod';

/**
 * The workflows' results, progress, plan and failures as zod schemas: the one definition of these
 * shapes; src/shared/model.ts and src/shared/failures.ts give their types.
 */

export const str = z.string();
export const optStr = str.optional();
export const int = z.number().int();
export const bool = z.boolean();
export const optBool = bool.optional();

export const resourceKindSchema = z
  .enum(['baseConnection', 'sourceConnection', 'targetConnection', 'dataset', 'mappingSet', 'flow'])
  .meta({ id: 'ResourceKind', description: 'Kind of AEP resource a provisioning manages' });

export const failureSchema = z
  .object({
    type: str.describe('The workflow`s failure type, e.g. ProvisioningFailed'),
    rootType: str.describe('The type at the root of the cause chain, e.g. AepForbidden'),
    message: str,
    leftovers: z
      .array(z.unknown())
      .optional()
      .describe('CompensationFailed: resources that could not be deleted'),
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

const kindAndId = z.object({ kind: resourceKindSchema, id: str });
const kinds = z.array(resourceKindSchema);

export const smokeTestResultSchema = z.object({
  status: int,
  xactionId: optStr,
  receivedTimeMs: z.number().optional(),
});

export const provisionResultSchema = z
  .object({
    sandbox: str,
    name: str,
    inletUrl: str.describe('Streaming inlet URL: POST records here'),
    inletId: str,
    flowId: str,
    baseConnectionId: str,
    sourceConnectionId: str,
    targetConnectionId: str,
    datasetId: str,
    mappingSetId: optStr,
    dataType: z.enum(['xdm', 'raw']),
    authenticationRequired: bool,
    smokeTest: smokeTestResultSchema.optional(),
    created: kinds.describe('Kinds this run created (empty on a re-run that converged)'),
    updated: kinds.optional().describe('Kinds this run changed in place'),
    reused: kinds.describe('Kinds kept as they were'),
    inletUrlChanged: optBool.describe('The source was replaced (`replace: true`): a new inlet URL'),
    twinsRemoved: z
      .array(kindAndId)
      .optional()
      .describe('Resources this run created twice (a late commit) and deleted'),
  })
  .meta({ id: 'ProvisionResult', title: 'Result of ProvisionStreamingSource' });

export const resourceRefSchema = z.object({ id: str, created: bool, owned: bool });

const fieldChangeSchema = z.object({ field: str, from: z.unknown(), to: z.unknown() });
const resourcePlanSchema = z.object({
  kind: resourceKindSchema,
  action: z.enum(['create', 'keep', 'update', 'replace', 'delete', 'conflict']),
  id: optStr,
  changes: z.array(fieldChangeSchema).optional(),
  reason: optStr,
});

export const sourcePlanSchema = z
  .object({
    sandbox: str,
    name: str,
    resources: z.array(resourcePlanSchema),
    changes: bool.describe('Provisioning would change something in AEP'),
    needsReplace: z
      .array(fieldChangeSchema)
      .describe('Changes AEP cannot make in place: refused unless the request says replace: true'),
    replaceSource: bool,
    conflicts: z.array(resourcePlanSchema),
    schemaMissing: bool,
  })
  .meta({ id: 'SourcePlan', title: 'Result of PlanStreamingSource' });

export const provisionProgressSchema = z
  .object({
    status: provisionStatusSchema.exclude(['QUEUED']),
    step: str,
    completedSteps: z.array(str),
    resources: z.partialRecord(resourceKindSchema, resourceRefSchema),
    inletUrl: optStr,
    compensation: z.array(
      z.object({
        kind: resourceKindSchema,
        id: optStr,
        outcome: z.enum(['deleted', 'absent', 'kept', 'failed']),
        error: optStr,
      }),
    ),
    error: optStr,
    plan: sourcePlanSchema.optional(),
    sourceState: z.enum(['absent', 'previous', 'new']).optional(),
  })
  .meta({ id: 'ProvisionProgress', description: 'The workflow`s `progress` query' });

export const deprovisionResultSchema = z
  .object({
    sandbox: str,
    deleted: z.array(kindAndId),
    alreadyAbsent: z.array(kindAndId),
    kept: z
      .array(kindAndId.extend({ reason: optStr }))
      .describe(
        'Resources not deleted: the dataset unless deleteDataset (reason retained), one another source writes to, one named by id, or one this project did not create',
      ),
  })
  .meta({ id: 'DeprovisionResult', title: 'Result of DeprovisionStreamingSource' });

const flowRunSummarySchema = z
  .object({
    id: str,
    status: optStr.describe('Flow Service`s run status, e.g. success'),
    startedAt: optStr.describe('ISO 8601'),
    completedAt: optStr.describe('ISO 8601'),
    received: int.describe('Records the run received'),
    ingested: int.describe('Records it wrote to the dataset'),
    failed: int.describe('Records that failed (e.g. XDM validation)'),
    error: z.object({ code: optStr, message: str }).optional().describe('The run`s last error'),
  })
  .meta({ id: 'FlowRun' });

export const flowHealthSchema = z
  .object({
    flowId: str,
    available: bool.describe(
      'false: the runs could not be read (AEP or the worker unreachable); see reason',
    ),
    reason: optStr.describe('Why the runs are unavailable'),
    since: optStr.describe('ISO 8601: runs created from then on are counted'),
    received: int.optional(),
    ingested: int.optional(),
    failed: int.optional(),
    lastError: z
      .object({ runId: str, code: optStr, message: str })
      .optional()
      .describe('The last error of the newest run that has one'),
    runs: z.array(flowRunSummarySchema).describe('The most recent runs, newest first'),
  })
  .meta({
    id: 'FlowHealth',
    description: 'The dataflow`s recent runs from Flow Service (GET /runs?property=flowId==…)',
  });
