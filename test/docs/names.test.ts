import { readFileSync } from 'node:fs';
import path from 'node:path';
import { markedDescription } from '../../src/activities/ownership';
import {
  acquireDatasetUpdate,
  datasetQuery,
  datasetWorkflowId,
  datasetAsksQueue,
  datasetCallsQueue,
  DEFAULT_TASK_QUEUE,
  DRIFTED_SOURCES_METRIC,
  FailureType,
  NexusNames,
  orgTaskQueue,
  leaseRateUpdate,
  progressQuery,
  rateBudgetQuery,
  rateBudgetWorkflowId,
  readOnlyWorkflowId,
  reconcileQuery,
  reconcileScheduleId,
  reconcileWorkflowId,
  releaseDatasetUpdate,
  REQUEST_MEMO,
  SEARCH_ATTRIBUTE_DEFINITIONS,
  SearchAttributes,
  sourceWorkflowId,
  WorkflowType,
} from '../../src/shared/names';
import { section, tables } from './markdown';

/**
 * The 1.0 names contract of docs/versioning.md against the code: a name changed in
 * src/shared/names.ts (or the marker's format) fails here until the contract says so, and then
 * the change is visible in review as a change of the contract.
 */

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** The code spans of a cell, in order. */
const spans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** The contract table: its `what` column → its code spans. */
export function contractOf(versioningMd: string): Map<string, string[]> {
  const text = section(versioningMd, 'the-10-contract-names-that-never-change');
  const table = text === undefined ? undefined : tables(text)[0];
  if (!table) throw new Error('docs/versioning.md has no 1.0 contract table');
  return new Map(table.rows.map((r) => [r[0] ?? '', spans(r[1] ?? '')]));
}

const place = { imsOrg: '<org>', sandbox: '<sandbox>' };

/** What the code says each row must hold. */
function expected(): Map<string, string[]> {
  return new Map([
    [
      'task queue (default)',
      [
        DEFAULT_TASK_QUEUE,
        datasetCallsQueue(DEFAULT_TASK_QUEUE),
        datasetAsksQueue(DEFAULT_TASK_QUEUE),
        orgTaskQueue(DEFAULT_TASK_QUEUE, '<org>@AdobeOrg'),
        '-dataset-calls',
        '-dataset-asks',
      ],
    ],
    ['workflow types', Object.values(WorkflowType)],
    [
      'workflow ids',
      [
        sourceWorkflowId({ ...place, name: '<name>' }),
        datasetWorkflowId({ ...place, name: '<dataset name>' }),
        readOnlyWorkflowId('plan', { ...place, name: '<name>' }, '<uuid>'),
        readOnlyWorkflowId('resolve', { ...place, name: '<flow id>' }, '<uuid>'),
        readOnlyWorkflowId('health', { ...place, name: '<name>' }, '<uuid>'),
        rateBudgetWorkflowId('<org>', '<task queue>'),
        readOnlyWorkflowId('set', { ...place, name: '<set>' }, '<uuid>'),
        reconcileWorkflowId(place, '<uuid>'),
        reconcileWorkflowId(place, 'scheduled'),
      ],
    ],
    ['search attributes (Keyword)', SEARCH_ATTRIBUTE_DEFINITIONS.map(([name]) => name)],
    [
      'queries, updates',
      [
        progressQuery,
        datasetQuery,
        rateBudgetQuery,
        reconcileQuery,
        acquireDatasetUpdate,
        releaseDatasetUpdate,
        leaseRateUpdate,
      ].map((d) => d.name),
    ],
    ['schedule ids', [reconcileScheduleId(place)]],
    ['metrics', [DRIFTED_SOURCES_METRIC]],
    ['memo', [REQUEST_MEMO]],
    ['nexus service', [NexusNames.service, ...Object.values(NexusNames.operations)]],
    [
      'ownership marker',
      [
        markedDescription(owner),
        flag({ keepDataset: true }),
        ']',
        flag({ ownDataset: true }),
        flag({ applySet: '<set>' }),
        '<set>',
      ],
    ],
    ['failure types', ['FailureType', 'src/shared/names.ts']],
  ]);
}

const owner = { ...place, sourceName: '<name>', runId: '<runId>' };
/** The flag a marker gains with `opts` (what stands before its `]`). */
const flag = (opts: { keepDataset?: boolean; ownDataset?: boolean; applySet?: string }) =>
  markedDescription(owner, undefined, opts).slice(markedDescription(owner).length - 1, -1);

/** Rows whose names differ between the contract and the code, as `row: doc ≠ code`. */
export function contractDrift(doc: Map<string, string[]>): string[] {
  const drift: string[] = [];
  for (const [row, names] of expected()) {
    const written = doc.get(row);
    if (JSON.stringify(written) !== JSON.stringify(names)) {
      drift.push(`${row}: ${JSON.stringify(written)} ≠ ${JSON.stringify(names)}`);
    }
  }
  for (const row of doc.keys()) if (!expected().has(row)) drift.push(`${row}: not in the code`);
  return drift;
}

describe('the 1.0 names contract (docs/versioning.md)', () => {
  const doc = contractOf(read('docs/versioning.md'));

  test('names exactly what the code uses', () => {
    expect(contractDrift(doc)).toEqual([]);
    expect(Object.values(SearchAttributes).map((k) => k.name)).toEqual(
      SEARCH_ATTRIBUTE_DEFINITIONS.map(([name]) => name),
    );
  });

  test('every failure type is documented in reference.md', () => {
    const reference = read('docs/reference.md');
    const missing = Object.values(FailureType).filter((t) => !reference.includes(`\`${t}\``));
    expect(missing).toEqual([]);
  });

  test('a renamed workflow type or a dropped search attribute is caught', () => {
    const renamed = new Map(doc);
    renamed.set(
      'workflow types',
      (doc.get('workflow types') ?? []).map((t) => t.replace('StreamingDataset', 'Dataset')),
    );
    expect(contractDrift(renamed)).toEqual([expect.stringMatching(/^workflow types: /)]);
    const dropped = new Map(doc);
    dropped.set('search attributes (Keyword)', ['AepSandbox', 'AepSourceName']);
    expect(contractDrift(dropped)).toEqual([expect.stringMatching(/^search attributes/)]);
  });
});
