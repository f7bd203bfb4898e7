import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { headings, links } from './markdown';

/**
 * Every relative link in README.md and docs/*.md points at a file or folder of the repository,
 * and a link to a heading (`file.md#anchor`, `#anchor`) at a heading that exists.
 */

const root = path.resolve(__dirname, '..', '..');
const docsDir = path.join(root, 'docs');
const pages = [
  path.join(root, 'README.md'),
  ...readdirSync(docsDir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(docsDir, f)),
];

/** Broken relative links of one Markdown file, as `file:line target: why`. */
export function brokenLinks(
  file: string,
  text: string,
  readPage: (p: string) => string = (p) => readFileSync(p, 'utf8'),
): string[] {
  const problems: string[] = [];
  const where = (line: number) => `${path.relative(root, file)}:${line}`;
  for (const { target, line } of links(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const hash = target.indexOf('#');
    const filePart = decodeURI(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? undefined : target.slice(hash + 1);
    const resolved = filePart === '' ? file : path.resolve(path.dirname(file), filePart);
    if (filePart !== '' && !existsSync(resolved)) {
      problems.push(`${where(line)} ${target}: no such file`);
      continue;
    }
    if (anchor === undefined) continue;
    if (resolved !== file && (!resolved.endsWith('.md') || statSync(resolved).isDirectory())) {
      problems.push(`${where(line)} ${target}: an anchor into a file that is not Markdown`);
      continue;
    }
    const page = resolved === file ? text : readPage(resolved);
    if (!headings(page).some((h) => h.anchor === anchor)) {
      problems.push(`${where(line)} ${target}: no such heading`);
    }
  }
  return problems;
}

describe('links in README.md and docs/', () => {
  test.each(pages.map((p) => [path.relative(root, p), p]))('%s', (_name, file) => {
    expect(brokenLinks(file, readFileSync(file, 'utf8'))).toEqual([]);
  });

  test('the README links to every page of docs/', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const linked = new Set(
      links(readme).map((l) => path.resolve(root, decodeURI(l.target.split('#')[0]!))),
    );
    const unlinked = pages.filter((p) => p.startsWith(docsDir) && !linked.has(p));
    expect(unlinked.map((p) => path.relative(root, p))).toEqual([]);
  });

  test('broken links are detected (positive control)', () => {
    const file = path.join(docsDir, 'example.md');
    const text = [
      '# Example',
      '',
      'Fine: [ops](operating.md), [metrics](operating.md#metrics), [top](#example),',
      '[readme](../README.md), [folder](../src), [web](https://example.com/x.md).',
      'Broken: [a](missing.md), [b](operating.md#no-such-heading), [c](#nope),',
      '[d](../src#x). In code, not links: `[e](nowhere.md)`',
      '',
      '```md',
      '[f](nowhere.md)',
      '```',
    ].join('\n');
    expect(brokenLinks(file, text)).toEqual([
      'docs/example.md:5 missing.md: no such file',
      'docs/example.md:5 operating.md#no-such-heading: no such heading',
      'docs/example.md:5 #nope: no such heading',
      'docs/example.md:6 ../src#x: an anchor into a file that is not Markdown',
    ]);
  });
});
