import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `src/` is the product and compiles into the worker image: it never reaches into the emulator
 * (`emulator/`, a demo and test double) or the dev-only launchers (`tools/`), and every relative
 * import it makes stays inside `src/`.
 */
const root = path.resolve(__dirname, '..', '..');
const src = path.join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic imports/requires. */
export function importsOf(code: string): string[] {
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\.resolve\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]!);
  return out;
}

describe('layout', () => {
  const files = sourceFiles(src);

  test('finds the product files', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  test('the import scanner sees every form of import (positive control)', () => {
    const code = [
      "import { a } from '../emulator';",
      "import type { B } from '../../tools/dev-server';",
      "export { c } from './c';",
      "import './side-effect';",
      "const d = require('../emulator/main');",
      "const e = await import('../tools/processes');",
    ].join('\n');
    expect(importsOf(code)).toEqual(
      expect.arrayContaining([
        '../emulator',
        '../../tools/dev-server',
        './c',
        './side-effect',
        '../emulator/main',
        '../tools/processes',
      ]),
    );
  });

  test('nothing under src/ imports emulator/, tools/ or anything outside src/', () => {
    const escapes: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), spec);
        if (!target.startsWith(`${src}${path.sep}`) && target !== src) {
          escapes.push(`${path.relative(root, file)} → ${spec}`);
        }
      }
    }
    expect(escapes).toEqual([]);
  });
});
