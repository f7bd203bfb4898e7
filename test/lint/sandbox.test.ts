import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The project's own ESLint config must refuse I/O imports in workflow code, and allow types.
 * ESLint runs as its own process (its config is ESM, which jest's module sandbox cannot load).
 */
const root = path.resolve(__dirname, '..', '..');
const fixture = (name: string) => path.join('test', 'fixtures', 'lint', 'workflows', name);

interface LintMessage {
  ruleId: string | null;
  severity: number;
  line: number;
  message: string;
}

/** Lints `file`, or `text` as if it were the content of `file`. */
function lint(file: string, text?: string): LintMessage[] {
  const run = spawnSync(
    path.join(root, 'node_modules', '.bin', 'eslint'),
    text === undefined
      ? ['--no-ignore', '--format', 'json', file]
      : ['--format', 'json', '--stdin', '--stdin-filename', file],
    {
      cwd: root,
      encoding: 'utf8',
      ...(text === undefined ? {} : { input: text }),
    },
  );
  if (run.status !== 0 && run.status !== 1) throw new Error(`eslint crashed: ${run.stderr}`);
  const [result] = JSON.parse(run.stdout) as Array<{ messages: LintMessage[] }>;
  return result!.messages;
}

test('a workflow file importing node:fs, path, ky, zod or activity values fails lint', () => {
  const restricted = lint(fixture('imports-io.ts')).filter(
    (m) => m.ruleId === '@typescript-eslint/no-restricted-imports',
  );
  // node:fs (line 2), path (3), ky (4), zod (5), the activities implementation (6).
  expect(restricted.map((m) => m.line).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6]);
  expect(restricted.find((m) => m.line === 4)?.message).toMatch(/ky/);
  expect(restricted.find((m) => m.line === 6)?.message).toMatch(/import type/);
});

test('type-only imports of activities and the AEP client pass', () => {
  expect(lint(fixture('types-only.ts')).filter((m) => m.severity === 2)).toEqual([]);
});

test('what workflow code imports (src/shared/) is held to the sandbox too', () => {
  // planSource and the names run inside workflows: an I/O import there fails lint.
  const file = path.join('src', 'shared', 'plan-source.ts');
  const text = `import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n`;
  const restricted = lint(file, text).filter(
    (m) => m.ruleId === '@typescript-eslint/no-restricted-imports',
  );
  expect(restricted.map((m) => m.line)).toEqual([1]);
});

test('a src/ file over 300 lines, or a function over 80, fails lint', () => {
  const file = path.join('src', 'shared', 'plan-source.ts');
  const body = Array.from({ length: 81 }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const many = Array.from({ length: 220 }, (_, i) => `export const c${i} = ${i};`).join('\n');
  const text = `export function long(): number {\n${body}\n  return v0;\n}\n${many}\n`;
  const rules = lint(file, text).map((m) => m.ruleId);
  expect(rules).toEqual(expect.arrayContaining(['max-lines-per-function', 'max-lines']));
  expect(lint(file, 'export const short = 1;\n')).toEqual([]);
});
