/**
 * Just enough Markdown for the documentation tests: headings and their GitHub anchors, pipe
 * tables and inline links, all outside code (fenced blocks and code spans).
 */

const FENCE = /^\s*(```|~~~)/;

/** The text with fenced code blocks blanked out (line numbers kept). */
export function withoutFences(md: string): string {
  let fence: string | undefined;
  return md
    .split('\n')
    .map((line) => {
      const m = FENCE.exec(line);
      if (m) {
        if (fence === undefined) fence = m[1];
        else if (fence === m[1]) fence = undefined;
        return '';
      }
      return fence === undefined ? line : '';
    })
    .join('\n');
}

/** The line with its code spans removed (`a` and ``a`b``). */
export function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)[\s\S]*?\1/g, '');
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces become hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

export interface Heading {
  level: number;
  text: string;
  anchor: string;
  line: number;
}

/** ATX headings outside code, with GitHub's anchors (a repeated anchor gets -1, -2, …). */
export function headings(md: string): Heading[] {
  const seen = new Map<string, number>();
  const out: Heading[] = [];
  withoutFences(md)
    .split('\n')
    .forEach((line, i) => {
      const m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
      if (!m) return;
      const base = slug(m[2]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.push({
        level: m[1]!.length,
        text: m[2]!,
        anchor: n === 0 ? base : `${base}-${n}`,
        line: i + 1,
      });
    });
  return out;
}

/** The lines under a heading, up to the next heading of the same or a higher level. */
export function section(md: string, anchor: string): string | undefined {
  const all = headings(md);
  const i = all.findIndex((h) => h.anchor === anchor);
  if (i < 0) return undefined;
  const h = all[i]!;
  const next = all.slice(i + 1).find((o) => o.level <= h.level);
  return md
    .split('\n')
    .slice(h.line, next ? next.line - 1 : undefined)
    .join('\n');
}

/** Cells of one table row; `\|` is a pipe inside a cell. */
export function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

export interface Table {
  header: string[];
  rows: string[][];
  line: number;
}

/** Pipe tables outside code: a header row, a delimiter row, then the rows that follow. */
export function tables(md: string): Table[] {
  const lines = withoutFences(md).split('\n');
  const out: Table[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const isRow = (l: string | undefined) => l !== undefined && l.trim().startsWith('|');
    if (!isRow(lines[i]) || !/^\s*\|?[\s:|-]+\|?\s*$/.test(lines[i + 1]!)) continue;
    if (!lines[i + 1]!.includes('-')) continue;
    const table: Table = { header: cells(lines[i]!), rows: [], line: i + 1 };
    let j = i + 2;
    for (; isRow(lines[j]); j++) table.rows.push(cells(lines[j]!));
    out.push(table);
    i = j - 1;
  }
  return out;
}

export interface Link {
  target: string;
  line: number;
}

/** Inline links and images outside code: `[text](target)`, `![alt](target "title")`. */
export function links(md: string): Link[] {
  const out: Link[] = [];
  withoutFences(md)
    .split('\n')
    .forEach((raw, i) => {
      const line = withoutCodeSpans(raw);
      for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        out.push({ target: m[1]!, line: i + 1 });
      }
    });
  return out;
}

/** The first code span of a text, without its backticks. */
export function firstCodeSpan(text: string): string | undefined {
  const m = /(`+)\s?([\s\S]*?)\s?\1/.exec(text);
  return m?.[2];
}
