import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * docs/security.md names, for each OWASP API risk, the tests that show how it is handled: each
 * `file`: "test name" it cites is a test of that file, and each risk API1..API10 has a row.
 */

const root = path.resolve(__dirname, '..', '..');
const page = readFileSync(path.join(root, 'docs', 'security.md'), 'utf8');
const rows = page.split('\n').filter((l) => /^\| API\d+ /.test(l));

/** `[file, title]` for every cited test name, and files cited alone. */
function citations(): Array<[string, string | undefined]> {
  const cited: Array<[string, string | undefined]> = [];
  for (const row of rows) {
    const tests = row.split('|').at(-2)!;
    for (const m of tests.matchAll(/`(test\/[^`]+\.test\.ts)`(:\s*((?:"[^"]*"(?:,\s*)?)+))?/g)) {
      const titles = m[3] ? [...m[3].matchAll(/"([^"]*)"/g)].map((t) => t[1]!) : [undefined];
      for (const title of titles) cited.push([m[1]!, title]);
    }
  }
  return cited;
}

test('every risk of the OWASP API Security Top 10 (2023) has a row', () => {
  expect(rows.map((r) => /^\| (API\d+) /.exec(r)![1])).toEqual(
    Array.from({ length: 10 }, (_, i) => `API${i + 1}`),
  );
});

test('every cited test exists in the file named', () => {
  const cited = citations();
  expect(cited.length).toBeGreaterThan(25);
  const missing = cited.filter(([file, title]) => {
    const full = path.join(root, file);
    if (!existsSync(full)) return true;
    if (title === undefined) return false;
    return !readFileSync(full, 'utf8').includes(title);
  });
  expect(missing).toEqual([]);
});
