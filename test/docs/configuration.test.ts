import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { clientConfigSchema, configSchema } from '../../src/config';
import { firstCodeSpan, section, tables } from './markdown';

/**
 * docs/configuration.md holds the one table of environment variables. It must say what
 * src/config.ts does (every key, its default, whether the client reads it) and what .env.example
 * ships (every key, the same defaults), so that none of the three can drift from the others.
 */

const root = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** A documented or actual default: a value, `required`, or `unset` (optional, no default). */
type Default = string;

interface VariableFacts {
  default: Default;
  client: boolean;
}

/** Values for the variables that have no default, so that a parse yields every other default. */
const REQUIRED_SAMPLES: Record<string, string> = {
  AEP_CLIENT_ID: 'id',
  AEP_CLIENT_SECRET: 'secret',
  AEP_ORG_ID: '5C1328435BF324E90A49402A@AdobeOrg',
};

/** What a schema says about each variable, read from the schema itself. */
export function schemaFacts(schema: z.ZodObject, clientKeys: string[]): Map<string, VariableFacts> {
  const keys = Object.keys(schema.shape);
  const required = keys.filter((k) => !schema.shape[k]!.safeParse(undefined).success);
  const unsampled = required.filter((k) => !(k in REQUIRED_SAMPLES));
  if (unsampled.length > 0) {
    throw new Error(`required without a sample value in this test: ${unsampled.join(', ')}`);
  }
  const minimal = Object.fromEntries(required.map((k) => [k, REQUIRED_SAMPLES[k]!]));
  const parsed: Record<string, unknown> = schema.parse(minimal);
  return new Map(
    keys.map((k) => [
      k,
      {
        default: required.includes(k)
          ? 'required'
          : parsed[k] === undefined || String(parsed[k] as string) === ''
            ? 'unset'
            : String(parsed[k] as string | number),
        client: clientKeys.includes(k),
      },
    ]),
  );
}

const HEADER = ['variable', 'default', 'used by', 'meaning'];

/** The documented default of one row: `required`, `unset…`, a code span, or a link to a section. */
function documentedDefault(cell: string, doc: string): Default | undefined {
  if (cell === 'required') return 'required';
  if (/^unset\b/.test(cell)) return 'unset';
  const link = /^\[[^\]]*\]\(#([^)]+)\)$/.exec(cell);
  if (link) {
    const text = section(doc, link[1]!);
    return text === undefined ? undefined : firstCodeSpan(text);
  }
  return cell.startsWith('`') ? firstCodeSpan(cell) : undefined;
}

/** Every disagreement between the configuration page, the schema and .env.example. */
export function configDrift(
  doc: string,
  envExample: string,
  facts: Map<string, VariableFacts>,
): string[] {
  const problems: string[] = [];
  const candidates = tables(doc).filter((t) => HEADER.every((h, i) => t.header[i] === h));
  if (candidates.length !== 1) {
    return [`expected one table headed ${HEADER.join(' | ')}, found ${candidates.length}`];
  }
  const documented = new Map<string, { default?: Default; usedBy: string }>();
  for (const row of candidates[0]!.rows) {
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(row[0] ?? '')?.[1];
    if (!name) {
      problems.push(`row without a variable name: ${row.join(' | ')}`);
      continue;
    }
    if (documented.has(name)) problems.push(`${name}: documented twice`);
    const dflt = documentedDefault(row[1] ?? '', doc);
    if (dflt === undefined) problems.push(`${name}: unreadable default "${row[1] ?? ''}"`);
    documented.set(name, { default: dflt, usedBy: row[2] ?? '' });
  }

  for (const [name, fact] of facts) {
    const doc = documented.get(name);
    if (!doc) {
      problems.push(`${name}: in src/config.ts, not documented`);
      continue;
    }
    if (doc.default !== undefined && doc.default !== fact.default) {
      problems.push(`${name}: documented default ${doc.default}, src/config.ts ${fact.default}`);
    }
    const usedBy = doc.usedBy.split(/,\s*/);
    // API_* configure the HTTP API process only (src/api/); the rest the worker, and the
    // client's subset also the library, the CLI and the API.
    const expected = name.startsWith('API_')
      ? ['api']
      : fact.client
        ? ['worker', 'client']
        : ['worker'];
    if (usedBy.join(',') !== expected.join(',')) {
      problems.push(
        `${name}: documented as used by "${doc.usedBy}", expected ${expected.join(', ')}`,
      );
    }
  }
  for (const name of documented.keys()) {
    if (!facts.has(name)) problems.push(`${name}: documented, not in src/config.ts`);
  }

  const example = new Map<string, string>();
  for (const line of envExample.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) example.set(m[1]!, m[2]!.trim());
  }
  for (const [name, doc] of documented) {
    if (!example.has(name)) {
      problems.push(`${name}: documented, missing from .env.example`);
      continue;
    }
    const value = example.get(name)!;
    const ok =
      value === '' ? doc.default === 'required' || doc.default === 'unset' : value === doc.default;
    if (!ok && doc.default !== undefined) {
      problems.push(`${name}: .env.example has "${value}", documented default ${doc.default}`);
    }
  }
  for (const name of example.keys()) {
    if (!documented.has(name)) problems.push(`${name}: in .env.example, not documented`);
  }
  return problems;
}

describe('docs/configuration.md', () => {
  const doc = read('docs/configuration.md');
  const envExample = read('.env.example');
  const facts = schemaFacts(configSchema, Object.keys(clientConfigSchema.shape));

  test('the schema is read: keys, defaults, required and client variables', () => {
    expect(facts.size).toBe(Object.keys(configSchema.shape).length);
    expect(facts.get('AEP_CLIENT_SECRET')).toEqual({ default: 'required', client: false });
    expect(facts.get('TEMPORAL_ADDRESS')?.client).toBe(true);
    expect(facts.get('WORKER_ACTIVITY_POLLERS')?.default).toBe('unset');
    expect(facts.get('WORKER_MAX_CACHED_WORKFLOWS')?.default).toBe('1000');
  });

  test('documents every variable of src/config.ts and .env.example, with their defaults', () => {
    expect(configDrift(doc, envExample, facts)).toEqual([]);
  });

  describe('drift is detected (positive controls)', () => {
    const row = (name: string) =>
      doc.split('\n').find((l) => l.startsWith(`| \`${name}\``)) ?? 'row not found';

    test('a wrong default in the table', () => {
      const old = row('WORKER_MAX_CACHED_WORKFLOWS');
      const mutated = doc.replace(old, old.replace('`1000`', 'unset (SDK default)'));
      expect(mutated).not.toBe(doc);
      expect(configDrift(mutated, envExample, facts)).toEqual([
        'WORKER_MAX_CACHED_WORKFLOWS: documented default unset, src/config.ts 1000',
        'WORKER_MAX_CACHED_WORKFLOWS: .env.example has "1000", documented default unset',
      ]);
    });

    test('a default given in a linked section', () => {
      const mutated = doc.replace('Default: `openid,', 'Default: `email,openid,');
      expect(mutated).not.toBe(doc);
      expect(configDrift(mutated, envExample, facts).join('\n')).toMatch(
        /^AEP_SCOPES: documented default email,openid,/,
      );
    });

    test('a variable missing from the table, and one that does not exist', () => {
      const mutated = doc.replace(
        `${row('LOG_LEVEL')}\n`,
        '| `LOG_FORMAT` | `json` | worker | not a real variable |\n',
      );
      expect(configDrift(mutated, envExample, facts)).toEqual([
        'LOG_LEVEL: in src/config.ts, not documented',
        'LOG_FORMAT: documented, not in src/config.ts',
        'LOG_FORMAT: documented, missing from .env.example',
        'LOG_LEVEL: in .env.example, not documented',
      ]);
    });

    test('a client variable documented as worker-only', () => {
      const old = row('AEP_SANDBOX');
      const mutated = doc.replace(old, old.replace('worker, client', 'worker        '));
      expect(configDrift(mutated, envExample, facts)).toEqual([
        'AEP_SANDBOX: documented as used by "worker", expected worker, client',
      ]);
    });

    test('a variable added to the schema', () => {
      const grown = configSchema.extend({ AEP_REGION: z.string().default('va7') });
      const grownFacts = schemaFacts(grown, Object.keys(clientConfigSchema.shape));
      expect(configDrift(doc, envExample, grownFacts)).toEqual([
        'AEP_REGION: in src/config.ts, not documented',
      ]);
    });

    test('a default changed in the schema', () => {
      const changed = configSchema.extend({ METRICS_PORT: z.coerce.number().default(9464) });
      const changedFacts = schemaFacts(changed, Object.keys(clientConfigSchema.shape));
      expect(configDrift(doc, envExample, changedFacts)).toEqual([
        'METRICS_PORT: documented default 0, src/config.ts 9464',
      ]);
    });

    test('.env.example with another default or without a variable', () => {
      const mutated = envExample
        .replace('\nAEP_SANDBOX=prod\n', '\nAEP_SANDBOX=dev\n')
        .replace(/\nWORKER_WORKFLOW_POLLERS=.*/, '\n');
      expect(configDrift(doc, mutated, facts)).toEqual([
        'AEP_SANDBOX: .env.example has "dev", documented default prod',
        'WORKER_WORKFLOW_POLLERS: documented, missing from .env.example',
      ]);
    });

    test('a required variable without a sample value', () => {
      const stricter = configSchema.extend({ AEP_TENANT: z.string() });
      expect(() => schemaFacts(stricter, [])).toThrow(/AEP_TENANT/);
    });
  });
});
