/**
 * Tables in page text and in answers. Pure functions (no DOM), unit-tested in tests/e2e/tables.test.ts.
 */

/** A table on a page, as the API serves it: the span of the page text it occupies, header and rows. */
export interface PageTable {
  ordinal: number;
  page: number;
  charStart: number;
  charEnd: number;
  caption?: string;
  header: string[];
  rows: string[][];
}

export type PageSegment = { kind: 'text'; start: number; text: string } | { kind: 'table'; start: number; table: PageTable };

/**
 * A page's text cut into prose and the tables within it, in order. Tables whose span is out of range or
 * overlaps an earlier one are left as text (the text is always the whole truth; tables are its structure).
 */
export function pageSegments(text: string, tables: readonly PageTable[]): PageSegment[] {
  const out: PageSegment[] = [];
  let at = 0;
  for (const t of [...tables].sort((a, b) => a.charStart - b.charStart)) {
    if (t.charStart < at || t.charEnd > text.length || t.charEnd <= t.charStart) continue;
    if (t.charStart > at) out.push({ kind: 'text', start: at, text: text.slice(at, t.charStart) });
    out.push({ kind: 'table', start: t.charStart, table: t });
    at = t.charEnd;
  }
  if (at < text.length) out.push({ kind: 'text', start: at, text: text.slice(at) });
  return out;
}

/** A row of a table in an answer: its cells and the citation numbers written after it. */
export interface AnswerRow {
  cells: string[];
  cites: number[];
}
export type AnswerBlock = { kind: 'text'; text: string } | { kind: 'table'; header: AnswerRow; rows: AnswerRow[] };

const MARKERS = /(?:[[［]\d{1,3}(?:\s*[,，、]\s*\d{1,3})*[\]］])+\s*$/;
const SEPARATOR = /^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$/;

function row(line: string): AnswerRow {
  const trailing = MARKERS.exec(line.trim())?.[0] ?? '';
  const body = line.trim().slice(0, line.trim().length - trailing.length).trim().replace(/^\|/, '').replace(/\|$/, '');
  return { cells: body.split('|').map((c) => c.trim()), cites: [...trailing.matchAll(/\d{1,3}/g)].map((m) => Number(m[0])) };
}

/**
 * An answer cut into text and Markdown tables (a header line, a `| --- |` line, then rows; each line may end with
 * its citation markers). Everything else stays text, unchanged.
 */
export function answerBlocks(text: string): AnswerBlock[] {
  const lines = text.split('\n');
  const out: AnswerBlock[] = [];
  let buffer: string[] = [];
  const flush = () => {
    if (buffer.length) out.push({ kind: 'text', text: buffer.join('\n') });
    buffer = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const isRow = (l: string | undefined) => !!l && /^\s*\|.*\|/.test(l);
    if (isRow(lines[i]) && SEPARATOR.test((lines[i + 1] ?? '').trim())) {
      const header = row(lines[i]);
      const rows: AnswerRow[] = [];
      let j = i + 2;
      for (; j < lines.length && isRow(lines[j]); j++) rows.push(row(lines[j]));
      flush();
      out.push({ kind: 'table', header, rows });
      i = j - 1;
      continue;
    }
    buffer.push(lines[i]);
  }
  flush();
  return out;
}
