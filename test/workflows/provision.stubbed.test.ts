import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { InvalidRequestError, parseProvisionRequest } from '../../src/request';
import { summarizeFailure } from '../../src/client';
import { type ActualSource, TEARDOWN_ORDER } from '../../src/shared/model';
import { datasetAsksQueue, SearchAttributes } from '../../src/shared/names';
import { readInputOf } from '../../src/shared/plan-source';
import { Workers } from '../../src/worker';
import { connectTestEnv, freshTaskQueue } from '../harness/temporal';
import { SCHEMA_ID, workflowBundle } from '../harness/stack';
import { PROD } from '../harness/ids';

/**
 * The provisioning workflow's decisions, fast: the real dev server and the real workflow code, but
 * the activities are stubs registered on the worker, so each test says exactly what AEP "holds"
 * and sees exactly which activities the workflow calls, in which order, with what.
 */

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const EMPTY: ActualSource = {
  schemaFound: true,
  baseConnection: null,
  sourceConnection: null,
  dataset: null,
  targetConnection: null,
  mappingSet: null,
  flow: null,
  foreign: [],
};

const EXISTING: ActualSource = {
  schemaFound: true,
  baseConnection: {
    id: 'base-1',
    dataType: 'raw',
    authenticationRequired: false,
    description: '',
    inletUrl: 'https://dcs.example/collection/inlet-1',
    inletId: 'inlet-1',
  },
  sourceConnection: { id: 'source-1' },
  dataset: { id: 'dataset-1', schemaId: SCHEMA_ID, owned: true },
  targetConnection: { id: 'target-1', dataSetId: 'dataset-1', schemaId: SCHEMA_ID },
  mappingSet: {
    id: 'ms-1',
    version: 0,
    schemaId: SCHEMA_ID,
    mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id', identity: false }],
  },
  flow: {
    id: 'flow-1',
    flowSpec: 'streamingWithMapping',
    sourceConnectionIds: ['source-1'],
    targetConnectionIds: ['target-1'],
    mapping: { id: 'ms-1', version: 0 },
    state: 'enabled',
  },
  foreign: [],
};

type Call = [name: string, input: unknown];

/** The request as the worker's validation gives it: a bad one is a non-retryable InvalidRequest. */
function validated(input: unknown) {
  try {
    return parseProvisionRequest(input, PROD);
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err;
    throw ApplicationFailure.create({
      type: 'InvalidRequest',
      message: err.message,
      nonRetryable: true,
    });
  }
}

/** Stub activities over `actual`; `fail` makes one activity fail non-retryably. */
function stubs(actual: ActualSource, calls: Call[], fail?: string): Partial<Activities> {
  const record =
    <T>(name: string, out: (input: never) => T) =>
    async (input: never) => {
      calls.push([name, input]);
      if (name === fail) {
        throw ApplicationFailure.create({
          type: 'AepBadRequest',
          message: 'stub',
          nonRetryable: true,
        });
      }
      return out(input);
    };
  return {
    validateProvisionRequest: async (input: unknown) => validated(input),
    readSource: record('readSource', () => actual),
    ensureBaseConnection: record('ensureBaseConnection', () => ({ id: 'base-new', created: true })),
    getInlet: record('getInlet', () => ({
      inletUrl: 'https://dcs.example/collection/new',
      inletId: 'new',
      authenticationRequired: false,
    })),
    ensureSourceConnection: record('ensureSourceConnection', () => ({
      id: 'source-new',
      created: true,
    })),
    acquireDataset: record('acquireDataset', () => ({ id: 'dataset-new', created: true })),
    releaseDataset: record('releaseDataset', (i: { datasetId?: string }) => ({
      id: i.datasetId,
      outcome: 'deleted' as const,
    })),
    ensureTargetConnection: record('ensureTargetConnection', () => ({
      id: 'target-new',
      created: true,
    })),
    ensureMappingSet: record('ensureMappingSet', () => ({
      id: 'ms-new',
      version: 0,
      created: true,
    })),
    updateMappingSet: record('updateMappingSet', () => ({
      id: 'ms-1',
      version: 1,
      created: false,
    })),
    updateFlow: record('updateFlow', () => undefined),
    updateDescription: record('updateDescription', () => undefined),
    ensureFlow: record('ensureFlow', (i: { found?: { id: string } | null }) =>
      i.found ? { id: i.found.id, created: false } : { id: 'flow-new', created: true },
    ),
    sendSmokeRecord: record('sendSmokeRecord', () => ({ status: 200 })),
    deleteResource: record('deleteResource', (i: { kind: string; id?: string }) => ({
      kind: i.kind as never,
      deleted: i.id ? [i.id] : [],
      absent: [],
    })),
  };
}

async function run(
  actual: ActualSource,
  request: object,
  fail?: string,
  overrides: Partial<Activities> = {},
) {
  const calls: Call[] = [];
  const taskQueue = freshTaskQueue('stubbed');
  const stubbed = { ...stubs(actual, calls, fail), ...overrides };
  // The run's first local activity validates and reads: the stubs' own, as the worker's does.
  const activities: Partial<Activities> = {
    ...stubbed,
    async validateAndReadSource(input: unknown) {
      const req = validated(input);
      return { req, actual: await stubbed.readSource!(readInputOf(req)) };
    },
  };
  const connection = env.nativeConnection;
  const main = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
  // The dataset asks have a task queue of their own (names.ts).
  const asks = await Worker.create({
    connection,
    taskQueue: datasetAsksQueue(taskQueue),
    activities,
  });
  const worker = new Workers(main, asks);
  const workflowId = `stubbed-${randomUUID()}`;
  const outcome = await worker.runUntil(
    env.client.workflow
      .execute('ProvisionStreamingSource', {
        taskQueue,
        workflowId,
        args: [request],
      })
      .then(
        (result: unknown) => ({ result, error: undefined }),
        (error: unknown) => ({ result: undefined, error }),
      ),
  );
  return { ...outcome, calls, names: calls.map(([n]) => n), workflowId };
}

const request = (extra: object = {}) => ({
  name: 'stubbed',
  dataType: 'raw',
  target: { schemaId: SCHEMA_ID, dataset: { name: 'stubbed dataset' } },
  mappings: [{ sourceAttribute: 'id', destinationXdmPath: '_id' }],
  ...extra,
});

test('nothing differs: one read, no other activity', async () => {
  const { result, names } = await run(
    EXISTING,
    request({ smokeTest: { activationWaitSeconds: 1 } }),
  );
  expect(names).toEqual(['readSource']);
  expect(result).toMatchObject({ flowId: 'flow-1', created: [], updated: [] });
});

test('the plan is read by a local activity in the first workflow task; PLANNING is not published', async () => {
  const { result, names, workflowId } = await run(EMPTY, request());
  expect(result).toMatchObject({ flowId: 'flow-new' });
  expect(names[0]).toBe('readSource');
  const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const scheduled = events.flatMap(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
  );
  expect(scheduled).not.toContain('readSource');
  // The first creates are scheduled by the run's first workflow task.
  const firstCreate = events.findIndex((e) => e.activityTaskScheduledEventAttributes);
  const tasksBefore = events
    .slice(0, firstCreate)
    .filter((e) => e.workflowTaskCompletedEventAttributes).length;
  expect(scheduled[0]).toMatch(/^ensure/);
  expect(tasksBefore).toBe(1);
  const statuses = events.flatMap((e) => {
    const field =
      e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[
        SearchAttributes.status.name
      ];
    return field?.data ? [JSON.parse(Buffer.from(field.data).toString('utf8')) as string] : [];
  });
  expect(statuses).toEqual(['PROVISIONING', 'SUCCEEDED']);
});

test('a plan read failing again and again waits on durable timers, not in one open task', async () => {
  // Three retryable failures: the waits after them are 1 s, 2 s and 4 s (AEP_CALL's backoff).
  let failures = 3;
  const { result, workflowId } = await run(EMPTY, request(), undefined, {
    readSource: async () => {
      if (failures-- > 0) {
        throw ApplicationFailure.create({ type: 'AepServerError', message: 'stub 503' });
      }
      return EMPTY;
    },
  });
  expect(result).toMatchObject({ flowId: 'flow-new' });
  const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const firstCreate = events.findIndex((e) => e.activityTaskScheduledEventAttributes);
  const timers = events.slice(0, firstCreate).filter((e) => e.timerStartedEventAttributes);
  expect(timers.length).toBeGreaterThanOrEqual(1);
});

test('changed mappings: a new version, then the flow pointed at it, then the smoke record', async () => {
  const { calls, names } = await run(
    EXISTING,
    request({
      mappings: [{ sourceAttribute: 'key', destinationXdmPath: '_id' }],
      smokeTest: { activationWaitSeconds: 0 },
    }),
  );
  expect(names.filter((n) => n.startsWith('update') || n === 'sendSmokeRecord')).toEqual([
    'updateMappingSet',
    'updateFlow',
    'sendSmokeRecord',
  ]);
  expect(calls.find(([n]) => n === 'updateFlow')?.[1]).toMatchObject({
    id: 'flow-1',
    mapping: { id: 'ms-1', version: 1 },
    enable: true,
  });
  expect(names).not.toContain('ensureMappingSet');
});

test('a read that fails for good fails the run as a provisioning, nothing else called', async () => {
  const { error, names, workflowId } = await run(EMPTY, request(), 'readSource');
  expect(summarizeFailure(error)).toMatchObject({
    type: 'ProvisioningFailed',
    rootType: 'AepBadRequest',
  });
  expect(names).toEqual(['readSource']);
  // The request, validated alone after the failed read, named the source for the failure.
  const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  expect(
    events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity'),
  ).toHaveLength(2);
});

test('an invalid request fails the run as InvalidRequest, nothing read', async () => {
  const { error, names } = await run(EMPTY, request({ dataType: 'csv' }));
  expect(summarizeFailure(error).rootType).toBe('InvalidRequest');
  expect(summarizeFailure(error).type).not.toBe('ProvisioningFailed');
  expect(names).toEqual([]);
});

test('a refused change: nothing but the read, ExistingSourceDiffers at the root', async () => {
  const { error, names } = await run(EXISTING, request({ dataType: 'xdm' }));
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(summarizeFailure(error).rootType).toBe('ExistingSourceDiffers');
  expect(names).toEqual(['readSource']);
});

test('a failure at the flow compensates what this run created, in TEARDOWN_ORDER', async () => {
  const { error, calls } = await run(EMPTY, request(), 'ensureFlow');
  expect(summarizeFailure(error).type).toBe('ProvisioningFailed');
  expect(summarizeFailure(error).details).toMatchObject({ sourceState: 'absent' });
  const undone = calls
    .filter(([n]) => n === 'deleteResource' || n === 'releaseDataset')
    .map(([n, i]) => ({ activity: n, ...(i as { kind?: string }) }));
  // Every kind this run created, each undone once, in TEARDOWN_ORDER; the dataset is released
  // (its workflow deletes it only if this run created it and nobody else writes to it).
  expect(undone.map((d) => d.kind ?? 'dataset')).toEqual([...TEARDOWN_ORDER]);
  expect(undone.find((d) => d.activity === 'releaseDataset')).toMatchObject({
    deleteDataset: true,
    createdByRun: expect.any(String),
    source: 'stubbed',
  });
});

test('a replaced flow: the new flow first, the old one deleted after it, nothing undone later', async () => {
  const plainFlow = { ...EXISTING.flow!, flowSpec: 'streaming' as const, mapping: undefined };
  const { error, calls } = await run(
    { ...EXISTING, flow: plainFlow },
    request({ smokeTest: { activationWaitSeconds: 0 } }),
    'sendSmokeRecord',
  );
  const names = calls.map(([n]) => n);
  const created = names.indexOf('ensureFlow');
  const deleted = calls.findIndex(
    ([n, i]) => n === 'deleteResource' && (i as { id?: string }).id === 'flow-1',
  );
  expect(created).toBeGreaterThan(-1);
  expect(deleted).toBeGreaterThan(created);
  expect(calls[created]![1]).toMatchObject({ replaces: 'flow-1' });
  // The smoke record failed after the switch: the new flow stays, nothing else is deleted.
  expect(summarizeFailure(error).details).toMatchObject({ sourceState: 'new' });
  expect(names.filter((n) => n === 'deleteResource')).toHaveLength(1);
});
