/**
 * Flow Service `property=` list filters, parsed and evaluated without side effects.
 *
 * Grammar (Adobe's sort-and-filter guide plus its error catalog): `<path><op><value>` where
 * `path` is dotted (`auth.params.dataType`) and reaches into arrays only through `[]`
 * (`sourceConnectionIds[]`, `transformations[].params.mappingId`); `op` is one of
 * `== != < <= > >=`; a value wrapped in double quotes is ONE literal (taken between the first and
 * last quote, never split on commas), otherwise commas separate alternatives ("any of").
 * Because the path alphabet excludes operator characters, `==` or `&` inside a value is safe.
 *
 * Both readings of quotes are switchable (`FilterMode.quoting`): `'literal'` (above, the default)
 * or `'raw'` (quotes are ordinary characters and every value splits on commas). `'strict'` reads
 * quotes as `'literal'` does but refuses an unquoted value containing a space (after URL
 * decoding) with `1453-400`: an opt-in pessimistic reading in which a value with spaces must be
 * double-quoted (Adobe's sort-and-filter guide itself prints `description==Test%20description`,
 * which this reading refuses). `name` filters compare case-insensitively with
 * `FilterMode.nameMatch: 'caseInsensitive'`.
 */
import type { FilterMode } from './types';

const DEFAULT_MODE: FilterMode = { quoting: 'literal', nameMatch: 'exact' };

export type FilterOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface PathSegment {
  key: string;
  /** `[]` suffix: the value is an array whose elements are searched. */
  each: boolean;
}

export interface PropertyFilter {
  expression: string;
  path: string;
  segments: PathSegment[];
  op: FilterOp;
  values: string[];
  /** String equality ignores case (a `name` field under `nameMatch: 'caseInsensitive'`). */
  caseInsensitive?: boolean;
}

/** The Flow Service error codes a malformed filter maps to. */
export type FilterErrorCode =
  '1440-400' | '1443-400' | '1449-400' | '1450-400' | '1452-400' | '1453-400';

export class FilterSyntaxError extends Error {
  constructor(
    readonly code: FilterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FilterSyntaxError';
  }
}

const FILTER_RE = /^([A-Za-z0-9_.[\]]+)(==|!=|<=|>=|<|>)(.*)$/s;
const SEGMENT_RE = /^([A-Za-z0-9_]+)(\[\])?$/;
const RANGE_OPS: ReadonlySet<FilterOp> = new Set(['<', '<=', '>', '>=']);

export function parsePropertyFilter(
  expression: string,
  mode: FilterMode = DEFAULT_MODE,
): PropertyFilter {
  const m = FILTER_RE.exec(expression);
  if (!m) throw classifyMalformed(expression);
  const [, path = '', op = '==', raw = ''] = m;
  const segments = parsePath(path);
  if (raw === '') {
    throw new FilterSyntaxError(
      '1453-400',
      `Invalid query value ${expression} provided in query param.`,
    );
  }
  const quoted =
    mode.quoting !== 'raw' && raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"');
  if (!quoted && mode.quoting === 'strict' && raw.includes(' ')) {
    throw new FilterSyntaxError(
      '1453-400',
      `Invalid query value ${expression} provided in query param.`,
    );
  }
  const values = quoted ? [raw.slice(1, -1)] : raw.split(',');
  if (!quoted && values.some((v) => v === '')) {
    throw new FilterSyntaxError('1452-400', `Invalid value ${raw} for field ${path}.`);
  }
  const filterOp = op as FilterOp;
  if (RANGE_OPS.has(filterOp) && values.length > 1) {
    throw new FilterSyntaxError('1443-400', `Operator '${op}' is not allowed for multiple values.`);
  }
  const caseInsensitive =
    mode.nameMatch === 'caseInsensitive' && segments[segments.length - 1]?.key === 'name';
  return {
    expression,
    path,
    segments,
    op: filterOp,
    values: caseInsensitive ? values.map((v) => v.toLowerCase()) : values,
    ...(caseInsensitive ? { caseInsensitive } : {}),
  };
}

function classifyMalformed(expression: string): FilterSyntaxError {
  const head = /^([A-Za-z0-9_.[\]]*)([!<>=~]*)/.exec(expression);
  const path = head?.[1] ?? '';
  const opish = head?.[2] ?? '';
  if (opish.startsWith('~') || (opish === '' && expression.slice(path.length).startsWith('~'))) {
    return new FilterSyntaxError('1440-400', "Operator '~' not implemented.");
  }
  if (path === '') {
    const field = expression.split(/[!<>=~]/)[0] ?? expression;
    return new FilterSyntaxError('1449-400', `Invalid field ${field} in filter params.`);
  }
  if (opish !== '') {
    return new FilterSyntaxError('1450-400', `Invalid operator ${opish} in filter params.`);
  }
  return new FilterSyntaxError(
    '1453-400',
    `Invalid query value ${expression} provided in query param.`,
  );
}

function parsePath(path: string): PathSegment[] {
  return path.split('.').map((part) => {
    const m = SEGMENT_RE.exec(part);
    if (!m) throw new FilterSyntaxError('1449-400', `Invalid field ${path} in filter params.`);
    return { key: m[1] ?? '', each: m[2] !== undefined };
  });
}

/** Values found at the filter's path; arrays are entered only through `[]` segments. */
export function resolvePath(doc: unknown, segments: readonly PathSegment[]): unknown[] {
  let current: unknown[] = [doc];
  for (const seg of segments) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      if (!Object.hasOwn(value, seg.key)) continue;
      const child = (value as Record<string, unknown>)[seg.key];
      if (seg.each) {
        if (Array.isArray(child)) next.push(...(child as unknown[]));
      } else {
        next.push(child);
      }
    }
    current = next;
  }
  return current;
}

function equals(candidate: unknown, value: string, caseInsensitive = false): boolean {
  switch (typeof candidate) {
    case 'string':
      return (caseInsensitive ? candidate.toLowerCase() : candidate) === value;
    case 'number':
      return value.trim() !== '' && Number(value) === candidate;
    case 'boolean':
      return String(candidate) === value;
    default:
      return candidate === null && value === 'null';
  }
}

function compare(candidate: unknown, value: string): number | undefined {
  if (typeof candidate === 'number') {
    const n = Number(value);
    return value.trim() === '' || Number.isNaN(n) ? undefined : candidate - n;
  }
  if (typeof candidate === 'string') return candidate < value ? -1 : candidate > value ? 1 : 0;
  return undefined;
}

export function matchesFilter(filter: PropertyFilter, doc: unknown): boolean {
  const candidates = resolvePath(doc, filter.segments);
  const ci = filter.caseInsensitive === true;
  if (filter.op === '==')
    return candidates.some((c) => filter.values.some((v) => equals(c, v, ci)));
  if (filter.op === '!=') {
    return !candidates.some((c) => filter.values.some((v) => equals(c, v, ci)));
  }
  const value = filter.values[0] ?? '';
  return candidates.some((c) => {
    const d = compare(c, value);
    return d !== undefined && ordered(filter.op, d);
  });
}

/** Whether a comparison result `d` (<0, 0, >0) satisfies `op`; shared with Catalog filters. */
export function ordered(op: FilterOp, d: number): boolean {
  switch (op) {
    case '==':
      return d === 0;
    case '!=':
      return d !== 0;
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    default:
      return d >= 0;
  }
}

/** Repeated `property` parameters combine with AND. */
export function matchesAll(filters: readonly PropertyFilter[], doc: unknown): boolean {
  return filters.every((f) => matchesFilter(f, doc));
}
