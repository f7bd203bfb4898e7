import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { invalid, noSuchSource, toProblem, workflowFailureProblem } from '../../src/api/problems';
import { RequestConflictError } from '../../src/client';
import { EXIT } from '../../src/cli/exit';
import { InvalidRequestError } from '../../src/request';
import { section, tables, withoutCodeSpans, withoutFences, type Table } from './markdown';

/**
 * The CLI's exit codes and the HTTP API's statuses are each written once: the exit codes in one
 * table of docs/reference.md, the problem types and their statuses in one table of docs/api.md;
 * every other place links to them. This test holds both tables to the code: `EXIT` of
 * src/cli/exit.ts, and the statuses of src/api/ (the problems the API raises, and the status of
 * a run failure by its root cause or type, src/api/problems.ts).
 */

const root = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** The one table of a page whose header is `header`, or a problem saying why not. */
function theTable(doc: string, header: string[]): Table | string {
  const found = tables(doc).filter(
    (t) => t.header.length === header.length && header.every((h, i) => t.header[i] === h),
  );
  return found.length === 1
    ? found[0]!
    : `expected one table headed ${header.join(' | ')}, found ${found.length}`;
}

// --- CLI exit codes (docs/reference.md) ---

const EXIT_HEADER = ['code', 'constant', 'when'];

/** Every disagreement between the exit-code table and the `EXIT` constants. */
export function exitCodeDrift(doc: string, exit: Readonly<Record<string, number>>): string[] {
  const table = theTable(doc, EXIT_HEADER);
  if (typeof table === 'string') return [table];
  const problems: string[] = [];
  const documented = new Map<string, number>();
  for (const row of table.rows) {
    const code = /^`(\d+)`$/.exec(row[0] ?? '')?.[1];
    const constant = /^`EXIT\.(\w+)`$/.exec(row[1] ?? '')?.[1];
    if (code === undefined || constant === undefined) {
      problems.push(`unreadable row: ${row.join(' | ')}`);
      continue;
    }
    if (documented.has(constant)) problems.push(`EXIT.${constant}: documented twice`);
    if (!(row[2] ?? '').trim()) problems.push(`EXIT.${constant}: no description`);
    documented.set(constant, Number(code));
  }
  for (const [constant, code] of Object.entries(exit)) {
    const doc = documented.get(constant);
    if (doc === undefined)
      problems.push(`EXIT.${constant} (${code}): in src/cli/exit.ts, not documented`);
    else if (doc !== code) {
      problems.push(`EXIT.${constant}: documented as ${doc}, src/cli/exit.ts says ${code}`);
    }
  }
  for (const constant of documented.keys()) {
    if (!(constant in exit)) problems.push(`EXIT.${constant}: documented, not in src/cli/exit.ts`);
  }
  const codes = [...documented.values()];
  for (const code of new Set(codes)) {
    if (codes.filter((c) => c === code).length > 1) problems.push(`exit code ${code}: two rows`);
  }
  return problems;
}

// --- HTTP statuses (docs/api.md) ---

const STATUS_HEADER = ['type', 'status', 'when'];

/** What the code says about statuses. */
export interface StatusFacts {
  /**
   * Each problem type the API raises with a status of its own, and its statuses: a number, or
   * `undefined` when the status is computed (`BadRequest`: fastify's own 4xx).
   */
  types: Map<string, Set<number | undefined>>;
  /** The types a run failure maps explicitly (by root cause, else by type). */
  runTypes: Set<string>;
  /** The status of a run failure whose type and root cause are both `name`. */
  runStatus: (name: string) => number;
}

const IDS = { workflowId: 'aep-stream/prod/x', runId: 'r' };

export const runStatusOf = (type: string, rootType = type) =>
  workflowFailureProblem({ type, rootType, message: '' }, IDS).status;

/** `new ApiProblem(<status>, '<Type>', …)` in the sources of src/api/. */
export function literalProblems(sources: string[]): Map<string, Set<number | undefined>> {
  const out = new Map<string, Set<number | undefined>>();
  for (const text of sources) {
    for (const m of text.matchAll(/new ApiProblem\(\s*([^,]+?)\s*,\s*'([A-Za-z]+)'/g)) {
      const status = /^\d{3}$/.test(m[1]!) ? Number(m[1]) : undefined;
      const set = out.get(m[2]!) ?? new Set();
      set.add(status);
      out.set(m[2]!, set);
    }
  }
  return out;
}

/**
 * The keys and statuses of `STATUS_OF_ROOT` in src/api/problems.ts (it is not exported): read
 * from the source, each checked against what `workflowFailureProblem` answers.
 */
export function runFailureMap(problemsSource: string): Map<string, number> {
  const body = /const STATUS_OF_ROOT\b[^=]*=\s*\{([^}]*)\}/.exec(problemsSource)?.[1];
  if (body === undefined) throw new Error('STATUS_OF_ROOT not found in src/api/problems.ts');
  const map = new Map<string, number>();
  for (const m of body.matchAll(/(\w+)\s*:\s*(\d{3})/g)) map.set(m[1]!, Number(m[2]));
  if (map.size === 0) throw new Error('STATUS_OF_ROOT of src/api/problems.ts read as empty');
  return map;
}

export function statusFacts(
  apiSources: string[],
  problemsSource: string,
  runStatus: (name: string) => number = runStatusOf,
): StatusFacts {
  const types = literalProblems(apiSources);
  const runMap = runFailureMap(problemsSource);
  for (const [name, status] of runMap) {
    const set = types.get(name) ?? new Set();
    set.add(status);
    types.set(name, set);
  }
  return { types, runTypes: new Set(runMap.keys()), runStatus };
}

/** A name no status map holds: what a run failure of any other type answers. */
const UNMAPPED = 'NoSuchFailureTypeAnywhere';

/** The documented statuses of a cell: `404`, or a class `4xx` (a status computed in that class). */
function statusTokens(cell: string): string[] | undefined {
  const tokens = cell.split(/,\s*/).map((t) => t.replace(/`/g, '').trim());
  return tokens.every((t) => /^[1-5](\d\d|xx)$/.test(t)) ? tokens : undefined;
}

const codeSpans = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** Every disagreement between the status table of docs/api.md and the code. */
export function statusDrift(doc: string, facts: StatusFacts): string[] {
  const table = theTable(doc, STATUS_HEADER);
  if (typeof table === 'string') return [table];
  const problems: string[] = [];
  const documented = new Map<string, string[]>();
  let otherRow: { status: string[]; examples: string[] } | undefined;
  for (const row of table.rows) {
    const status = statusTokens(row[1] ?? '');
    if (status === undefined) {
      problems.push(`unreadable status "${row[1] ?? ''}": ${row.join(' | ')}`);
      continue;
    }
    if (/^any other\b/.test(row[0] ?? '')) {
      if (otherRow) problems.push('two rows of "any other" run failure');
      otherRow = { status, examples: codeSpans(row[0]!) };
      continue;
    }
    const type = /^`([A-Za-z]+)`$/.exec(row[0] ?? '')?.[1];
    if (type === undefined) {
      problems.push(`row without a type: ${row.join(' | ')}`);
      continue;
    }
    if (documented.has(type)) problems.push(`${type}: documented twice`);
    documented.set(type, status);
  }

  for (const [type, statuses] of facts.types) {
    const doc = documented.get(type);
    const inCode = [...statuses].map((s) => (s === undefined ? 'computed' : String(s))).sort();
    if (!doc) {
      problems.push(`${type} (${inCode.join(', ')}): in src/api/, not documented`);
      continue;
    }
    const literal = [...statuses].filter((s): s is number => s !== undefined).map(String);
    const classes = doc.filter((t) => t.endsWith('xx'));
    const exact = doc.filter((t) => !t.endsWith('xx'));
    const documentsClass = classes.length > 0;
    const ok =
      literal.every((s) => exact.includes(s)) &&
      exact.every((s) => literal.includes(s)) &&
      documentsClass === statuses.has(undefined);
    if (!ok)
      problems.push(`${type}: documented as ${doc.join(', ')}, src/api/ says ${inCode.join(', ')}`);
  }
  for (const type of documented.keys()) {
    if (!facts.types.has(type)) problems.push(`${type}: documented, not raised by src/api/`);
  }

  const fallback = String(facts.runStatus(UNMAPPED));
  if (!otherRow) {
    problems.push(`no row for any other run failure (src/api/problems.ts: ${fallback})`);
  } else {
    if (otherRow.status.join() !== fallback) {
      problems.push(
        `any other run failure: documented as ${otherRow.status.join(', ')}, src/api/problems.ts says ${fallback}`,
      );
    }
    for (const name of otherRow.examples) {
      if (documented.has(name)) {
        problems.push(`${name}: an example of any other run failure, but it has a row of its own`);
      } else if (String(facts.runStatus(name)) !== fallback) {
        problems.push(
          `${name}: an example of any other run failure, but answers ${facts.runStatus(name)}`,
        );
      }
    }
  }
  return problems;
}

// --- each written once ---

/** Lines of a page outside code blocks and outside the given tables, with their numbers. */
function proseLines(doc: string, skip: Table[]): Array<[number, string]> {
  const skipped = new Set<number>();
  for (const t of skip) for (let l = t.line; l < t.line + 2 + t.rows.length; l++) skipped.add(l);
  return withoutFences(doc)
    .split('\n')
    .map((line, i): [number, string] => [i + 1, line])
    .filter(([n]) => !skipped.has(n));
}

/** Exit codes or statuses written outside their tables (a link to the table is what belongs there). */
export function repeatedCodes(file: string, doc: string): string[] {
  const skip = [theTable(doc, EXIT_HEADER), theTable(doc, STATUS_HEADER)].filter(
    (t): t is Table => typeof t !== 'string',
  );
  const problems: string[] = [];
  for (const [n, line] of proseLines(doc, skip)) {
    if (/\bexit(s|ing)?\s+(with\s+)?(code\s+)?\**`?\d/i.test(line)) {
      problems.push(
        `${file}:${n} an exit code outside the table of docs/reference.md: ${line.trim()}`,
      );
    }
    const statusSpans = [...line.matchAll(/`([45]\d\d)`/g)].map((m) => m[1]);
    if (statusSpans.length > 0 || /\bHTTP\s+[45]\d\d\b/.test(withoutCodeSpans(line))) {
      problems.push(`${file}:${n} an HTTP status outside the table of docs/api.md: ${line.trim()}`);
    }
  }
  return problems;
}

// --- the tests ---

function apiSources(): string[] {
  const dir = path.join(root, 'src', 'api');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
}

describe('exit codes: docs/reference.md', () => {
  const doc = read('docs/reference.md');

  test('the table is under its heading (linked from api.md and the failure types)', () => {
    expect(section(doc, 'exit-codes')).toContain('| `EXIT.ok`');
  });

  test('documents every constant of src/cli/exit.ts, with its code', () => {
    expect(exitCodeDrift(doc, EXIT)).toEqual([]);
  });

  describe('drift is detected (positive controls)', () => {
    const row = (constant: string) =>
      doc.split('\n').find((l) => l.includes(`| \`EXIT.${constant}\``)) ?? 'row not found';

    test('a wrong code in a row (the old "no such source exits 4")', () => {
      const old = row('notFound');
      const mutated = doc.replace(old, old.replace('`5`', '`4`'));
      expect(mutated).not.toBe(doc);
      expect(exitCodeDrift(mutated, EXIT)).toEqual([
        'EXIT.notFound: documented as 4, src/cli/exit.ts says 5',
        'exit code 4: two rows',
      ]);
    });

    test('a row missing', () => {
      const mutated = doc.replace(`${row('changesPending')}\n`, '');
      expect(exitCodeDrift(mutated, EXIT)).toEqual([
        'EXIT.changesPending (4): in src/cli/exit.ts, not documented',
      ]);
    });

    test('a code changed or added in src/cli/exit.ts', () => {
      expect(exitCodeDrift(doc, { ...EXIT, notFound: 6, interrupted: 130 })).toEqual([
        'EXIT.notFound: documented as 5, src/cli/exit.ts says 6',
        'EXIT.interrupted (130): in src/cli/exit.ts, not documented',
      ]);
    });

    test('a row for a constant that does not exist', () => {
      const mutated = doc.replace(
        `${row('notFound')}\n`,
        `${row('notFound')}\n| \`6\` | \`EXIT.interrupted\` | Ctrl-C |\n`,
      );
      expect(exitCodeDrift(mutated, EXIT)).toEqual([
        'EXIT.interrupted: documented, not in src/cli/exit.ts',
      ]);
    });
  });
});

describe('HTTP statuses: docs/api.md', () => {
  const doc = read('docs/api.md');
  const problemsSource = read('src/api/problems.ts');
  const facts = statusFacts(apiSources(), problemsSource);

  test('the code is read: literal problems and the run-failure map', () => {
    expect([...facts.types.get('Unauthorized')!]).toEqual([401]);
    expect([...facts.types.get('BadRequest')!]).toEqual([undefined]);
    expect(facts.runTypes.has('SchemaNotFound')).toBe(true);
    // What was read from STATUS_OF_ROOT is what workflowFailureProblem answers.
    for (const [name, status] of runFailureMap(problemsSource)) {
      expect([name, runStatusOf(name)]).toEqual([name, status]);
    }
  });

  test('the table is under its heading', () => {
    expect(section(doc, 'errors-and-status-codes')).toContain('| `InvalidRequest`');
  });

  test('documents every problem type of src/api/ and every run-failure status, as the code answers', () => {
    expect(statusDrift(doc, facts)).toEqual([]);
  });

  test('what toProblem makes of each kind of error is documented with that status', () => {
    const status = new Map<string, string>();
    for (const row of tables(doc).find((t) => t.header.join() === STATUS_HEADER.join())!.rows) {
      const type = /^`([A-Za-z]+)`$/.exec(row[0]!)?.[1];
      if (type) status.set(type, row[1]!);
    }
    const serviceError = Object.assign(new Error('14 UNAVAILABLE'), { name: 'ServiceError' });
    const errors: unknown[] = [
      Object.assign(new Error('bad json'), { statusCode: 400 }),
      Object.assign(new Error('too large'), { statusCode: 413 }),
      Object.assign(new Error('media type'), { statusCode: 415 }),
      Object.assign(new Error('teapot'), { statusCode: 418 }),
      new InvalidRequestError(['name is empty']),
      new WorkflowNotFoundError('not found', 'aep-stream/prod/x', undefined),
      new RequestConflictError('conflict', 'aep-stream/prod/x', 'r', ['dataType']),
      serviceError,
      new Error('boom'),
      invalid(['x']),
      noSuchSource('prod', 'x'),
    ];
    for (const err of errors) {
      const p = toProblem(err);
      const doc = status.get(p.type);
      const documented =
        doc !== undefined && (doc === String(p.status) || doc === `${String(p.status)[0]}xx`);
      expect([p.type, p.status, documented]).toEqual([p.type, p.status, true]);
    }
  });

  test('a run failure: the root cause row, else the type row, else any other', () => {
    // The rule docs/api.md states above the table, checked with two rows of differing status.
    expect(runStatusOf('ProvisioningFailed', 'SchemaNotFound')).toBe(422);
    expect(runStatusOf('SourceNotFound', 'AepServerError')).toBe(404);
    expect(runStatusOf('ProvisioningFailed', 'AepServerError')).toBe(runStatusOf(UNMAPPED));
    expect(section(doc, 'errors-and-status-codes')).toMatch(
      /the row of the root\s+cause in this table, else the row of the type, else the row of any other run failure/,
    );
  });

  describe('drift is detected (positive controls)', () => {
    const row = (type: string) =>
      doc.split('\n').find((l) => l.startsWith(`| \`${type}\``)) ?? 'row not found';
    const otherRow = doc.split('\n').find((l) => l.startsWith('| any other')) ?? 'row not found';

    test('a wrong status in a row', () => {
      const old = row('SchemaNotFound');
      const mutated = doc.replace(old, old.replace('| 422 ', '| 502 '));
      expect(mutated).not.toBe(doc);
      expect(statusDrift(mutated, facts)).toEqual([
        'SchemaNotFound: documented as 502, src/api/ says 422',
      ]);
    });

    test('a row missing', () => {
      const mutated = doc.replace(`${row('Cancelled')}\n`, '');
      expect(statusDrift(mutated, facts)).toEqual(['Cancelled (409): in src/api/, not documented']);
    });

    test('a row for a type the API no longer raises (the old "plan answers 501")', () => {
      const mutated = doc.replace(
        `${row('TemporalUnavailable')}\n`,
        `${row('TemporalUnavailable')}\n| \`NotImplemented\` | 501 | plan, for now |\n`,
      );
      expect(statusDrift(mutated, facts)).toEqual([
        'NotImplemented: documented, not raised by src/api/',
      ]);
    });

    test('a computed status documented as a number', () => {
      const old = row('BadRequest');
      const mutated = doc.replace(old, old.replace('| 4xx ', '| 400 '));
      expect(mutated).not.toBe(doc);
      expect(statusDrift(mutated, facts)).toEqual([
        'BadRequest: documented as 400, src/api/ says computed',
      ]);
    });

    test('the status of any other run failure, or an example of it that has its own', () => {
      const mutated = doc.replace(
        otherRow,
        otherRow
          .replace('| 502 ', '| 500 ')
          .replace('(`ProvisioningFailed`', '(`DatasetMismatch`, `ProvisioningFailed`'),
      );
      expect(statusDrift(mutated, facts)).toEqual([
        'any other run failure: documented as 500, src/api/problems.ts says 502',
        'DatasetMismatch: an example of any other run failure, but it has a row of its own',
      ]);
    });

    test('a status changed, or a type added, in src/api/', () => {
      const changed = problemsSource.replace('SchemaNotFound: 422', 'SchemaNotFound: 404');
      expect(changed).not.toBe(problemsSource);
      const grown = `${changed}\nnew ApiProblem(501, 'NotImplemented', 'Not yet');`;
      const runStatus = (name: string) => (name === 'SchemaNotFound' ? 404 : runStatusOf(name));
      expect(statusDrift(doc, statusFacts([...apiSources(), grown], grown, runStatus))).toEqual([
        'NotImplemented (501): in src/api/, not documented',
        'SchemaNotFound: documented as 422, src/api/ says 404',
      ]);
    });

    test('a run failure given a status of its own in src/api/problems.ts', () => {
      const grown = problemsSource.replace(
        'Cancelled: 409,',
        'Cancelled: 409,\n  AepForbidden: 403,',
      );
      expect(grown).not.toBe(problemsSource);
      const runStatus = (name: string) => (name === 'AepForbidden' ? 403 : runStatusOf(name));
      expect(statusDrift(doc, statusFacts(apiSources(), grown, runStatus))).toEqual([
        'AepForbidden (403): in src/api/, not documented',
        'AepForbidden: an example of any other run failure, but answers 403',
      ]);
    });
  });
});

describe('exit codes and statuses are written once', () => {
  test.each(['docs/api.md', 'docs/reference.md'])('%s repeats none outside its table', (file) => {
    expect(repeatedCodes(file, read(file))).toEqual([]);
  });

  test('a repeated one is found (positive control)', () => {
    const doc = read('docs/api.md').replace(
      '- Exit codes: [reference.md](reference.md#exit-codes).',
      '- `status` of an unknown source exits `4`; the API answers `404`.',
    );
    expect(repeatedCodes('docs/api.md', doc)).toEqual([
      expect.stringMatching(/^docs\/api\.md:\d+ an exit code outside/),
      expect.stringMatching(/^docs\/api\.md:\d+ an HTTP status outside/),
    ]);
  });
});
