import { visibleLength } from '../../core/index.ts';
import type { Block } from '../document.ts';
import { attachCaptions, isCaption, tableBlock, tidyTable } from '../tables.ts';

/** Numbered or chapter-style headings as they appear in plain text and PDF lines. */
const HEADING_PATTERNS: Array<[RegExp, number]> = [
  [/^第[一二三四五六七八九十百0-9]+[章篇]\s*\S.{0,40}$/, 1],
  [/^第[一二三四五六七八九十百0-9]+节\s*\S.{0,40}$/, 2],
  [/^[一二三四五六七八九十]+[、．.]\s*\S.{0,40}$/, 2],
  [/^\d{1,2}\s+[^\d\s].{0,40}$/, 1],
  [/^\d{1,2}\.\d{1,2}\s+\S.{0,40}$/, 2],
  [/^\d{1,2}\.\d{1,2}\.\d{1,2}\s+\S.{0,40}$/, 3],
  [/^#{1,6}\s+\S.*$/, 0],
];
const SENTENCE_END = /[。！？；：.!?;:）)」”]$/;

/** Heading level of a line, or 0 when it reads as body text. */
export function headingLevel(line: string): number {
  const t = line.trim();
  if (!t || SENTENCE_END.test(t) || visibleLength(t) > 48) return 0;
  for (const [re, level] of HEADING_PATTERNS) {
    if (re.test(t)) return level === 0 ? Math.min(6, t.match(/^#+/)?.[0].length ?? 1) : level;
  }
  return 0;
}

/**
 * Whether a plain text is written one sentence per line (a sentence list exported from a corpus, a
 * textbook's sentences): most non-empty lines end with a sentence end and none is a wrapped fragment.
 * Such lines are paragraphs of their own; joining them would glue unrelated sentences into one block.
 */
export function isSentencePerLine(text: string): boolean {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length < 20) return false;
  const ended = lines.filter((l) => /[。！？!?]["”’」』）)]*$/.test(l)).length;
  return ended / lines.length >= 0.8;
}

/** One block per line (see isSentencePerLine); numbered or chapter lines still become headings. */
export function sentenceLinesToBlocks(text: string, page: number): Block[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line): Block => {
      const level = headingLevel(line);
      return level ? { page, kind: 'heading', level, text: line.replace(/^#+\s*/, '') } : { page, kind: 'text', text: line };
    });
}

/**
 * Join visual lines into paragraphs. PDF and plain text break lines inside words and sentences:
 * CJK lines join without a space, Latin lines with one; a blank line, a sentence end followed by a
 * short line, or a heading ends a paragraph.
 */
export function linesToBlocks(text: string, page: number): Block[] {
  const blocks: Block[] = [];
  let para = '';
  const flush = () => {
    const t = para.trim();
    if (t) blocks.push({ page, kind: 'text', text: t });
    para = '';
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const run = tableRun(lines, i);
    if (run) {
      // A caption line right above (「表 3-1 …」) is the table's: it becomes a block of its own, which
      // attachCaptions moves into the table.
      const above = lines[i - 1]?.trim() ?? '';
      const caption = above && isCaption(above) && para.endsWith(above) ? above : '';
      if (caption) para = para.slice(0, -caption.length);
      flush();
      if (caption) blocks.push({ page, kind: 'text', text: caption });
      const data = tidyTable({ header: run.rows[0], rows: run.rows.slice(1) });
      if (data) blocks.push(tableBlock(page, data));
      i = run.end - 1;
      continue;
    }
    const raw = lines[i];
    const line = raw.trim();
    if (!line) {
      flush();
      continue;
    }
    const level = headingLevel(line);
    if (level) {
      flush();
      blocks.push({ page, kind: 'heading', level, text: line.replace(/^#+\s*/, '') });
      continue;
    }
    if (/^([-*•·]|\d+[.)、]|[（(]\d+[)）])\s*/.test(line) && para) flush(); // list items start new paragraphs
    // A short line with no punctuation at all after a finished sentence (or at the start) is a title line
    // ("前列腺癌"): its own block, not the first words of the paragraph after it.
    if (isTitleLine(line) && (!para || /[。！？]$/.test(para))) {
      flush();
      blocks.push({ page, kind: 'text', text: line });
      continue;
    }
    para = para ? joinLines(para, line) : line;
    if (/[。！？]$/.test(line) && line.length < 20) flush();
  }
  flush();
  return attachCaptions(blocks);
}

/**
 * Cells of a plain-text table line: columns separated by tabs, by 「|」 (Markdown-like, outer pipes optional) or by
 * runs of two or more spaces (ideographic spaces too). Null when the line has fewer than two cells.
 */
export function plainCells(line: string): string[] | null {
  const t = line.trim();
  if (!t) return null;
  let cells: string[];
  if (t.includes('\t')) cells = t.split(/\t+/);
  else if ((t.match(/\|/g) ?? []).length >= 2 || /^\|.*\|$/.test(t)) cells = t.replace(/^\||\|$/g, '').split('|');
  else cells = t.split(/ {2,}|\u3000+/);
  cells = cells.map((c) => c.trim());
  return cells.length >= 2 && cells.every((c) => c.length > 0 && c.length <= 80) ? cells : null;
}

const SEPARATOR = /^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$/;

/**
 * A table starting at line `i`: at least three consecutive lines (header and two rows; a Markdown separator line
 * is skipped) with the same number of cells. Prose never lines up like that, so a run that short is enough.
 */
function tableRun(lines: string[], i: number): { rows: string[][]; end: number } | null {
  const first = plainCells(lines[i]);
  if (!first) return null;
  const rows = [first];
  let j = i + 1;
  for (; j < lines.length; j++) {
    if (SEPARATOR.test(lines[j].trim())) continue;
    const cells = plainCells(lines[j]);
    if (!cells || cells.length !== first.length) break;
    rows.push(cells);
  }
  return rows.length >= 3 ? { rows, end: j } : null;
}

/** A bare title: a few CJK words, no punctuation, no digits (a wrapped line of a sentence has punctuation soon). */
function isTitleLine(line: string): boolean {
  return visibleLength(line) <= 16 && /^[\u3400-\u9fffA-Za-z·-]+$/.test(line) && /[\u3400-\u9fff]/.test(line);
}

/** Join two visual lines of one paragraph: CJK without a space, Latin with one, a hyphenated word rejoined. */
export function joinLines(a: string, b: string): string {
  const last = a.at(-1) ?? '';
  const first = b[0] ?? '';
  if (/[A-Za-z0-9,;:]/.test(last) && /[A-Za-z0-9(]/.test(first)) return a.endsWith('-') ? a.slice(0, -1) + b : `${a} ${b}`;
  return a + b;
}

/** Split text with no page structure into virtual pages of about `pageChars` visible characters. */
export function virtualPages(blocks: Omit<Block, 'page'>[], pageChars = 1500): Block[] {
  let page = 1;
  let size = 0;
  return blocks.map((b) => {
    const len = visibleLength(b.text);
    if (size > 0 && size + len > pageChars && b.kind === 'heading') {
      page++;
      size = 0;
    } else if (size > pageChars) {
      page++;
      size = 0;
    }
    size += len;
    return { ...b, page };
  });
}
