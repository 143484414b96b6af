import { visibleLength } from '../../../core/index.ts';
import type { Block } from '../../document.ts';
import { isCaption, tableBlock } from '../../tables.ts';
import { headingLevel, joinLines } from '../plain-blocks.ts';
import type { Box } from './geometry.ts';
import { bodySize, type Line, midY } from './lines.ts';
import type { PlacedTable } from './tables.ts';

const SENTENCE_END = /[。！？；，,;]$/;
const LIST_START = /^(?:[-*•·▪◦]|\d{1,2}[.)、．](?!\d)|[（(]\d{1,2}[)）]|[①-⑳])\s*/;
const ROMAN_OR_CN_SECTION = /^(?:第[一二三四五六七八九十百0-9]+[章节篇]|附录\s*[A-Z0-9一二三四五六七八九十]?)/;

/**
 * Heading level of a line from evidence the page gives: a section number ("10.2 …", "第五章 …") set
 * larger than the body or in a bold face, or an unnumbered short line set clearly larger. Body-size
 * regular lines — list items, table cells, a stray "24 个月再复查" — are never headings. 0: not a heading.
 */
export function pdfHeadingLevel(line: Line, body: number): number {
  const t = line.text.trim();
  if (!t || SENTENCE_END.test(t) || visibleLength(t) > 60 || isCaption(t)) return 0;
  const ratio = line.size / body;
  const numbered = headingLevel(t) > 0 || ROMAN_OR_CN_SECTION.test(t);
  const strong = line.boldShare >= 0.8;
  if (numbered && (ratio >= 1.03 || strong)) {
    const depth = /^(\d{1,2}(?:\.\d{1,2}){0,4})\s/.exec(t)?.[1].split('.').length;
    if (depth) return Math.min(6, depth);
    if (/^第.+节/.test(t) || /^[一二三四五六七八九十]+[、．.]/.test(t)) return 2;
    if (ROMAN_OR_CN_SECTION.test(t)) return 1;
    return sizeLevel(ratio);
  }
  if (!numbered && ratio >= 1.15 && (strong || ratio >= 1.3)) return sizeLevel(ratio);
  return 0;
}

const sizeLevel = (ratio: number) => (ratio >= 1.35 ? 1 : ratio >= 1.15 ? 2 : 3);

/** Whether a bullet mark sits just left of the line, on its first text line. */
function bulleted(line: Line, dots: Box[]): boolean {
  const cy = midY(line);
  return dots.some((d) => d.x1 <= line.x0 + 1 && d.x1 >= line.x0 - 3 * line.size && Math.abs((d.y0 + d.y1) / 2 - cy) <= 0.6 * line.size);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
};

/**
 * One page's lines (furniture and table text already removed) and tables → blocks in reading order.
 * A paragraph ends at a wider gap than the page's line pitch, a change of font size, a bullet or list
 * number, or a short last line after a full stop; lines of a paragraph are joined (CJK without spaces).
 * A 「表 N …」 line right above a table becomes its caption.
 */
export function pageBlocks(page: number, lines: Line[], tables: PlacedTable[], dots: Box[]): Block[] {
  const sorted = [...lines].sort((a, b) => b.y - a.y || a.x0 - b.x0);
  const body = bodySize(sorted);
  const pitch = median(sorted.slice(1).map((l, i) => sorted[i].y - l.y).filter((g) => g > 0 && g < body * 3)) || body * 1.6;
  const right = median(sorted.filter((l) => Math.abs(l.size - body) < 0.5).map((l) => l.x1)) || Math.max(...sorted.map((l) => l.x1));
  const placed = tables.map((t) => ({ ...t }));
  const items: Array<{ y: number; block: Block }> = [];
  const captions = new Set<Line>();
  for (const t of placed) {
    const cap = sorted.find((l) => l.y > t.top - 2 && l.y - t.top <= 3 * l.size && isCaption(l.text));
    if (cap && !t.table.caption) {
      t.table = { ...t.table, caption: cap.text };
      captions.add(cap);
    }
    items.push({ y: t.top, block: tableBlock(page, t.table) });
  }
  let para: { y: number; text: string; last: Line } | null = null;
  const flush = () => {
    if (para?.text.trim()) items.push({ y: para.y, block: { page, kind: 'text', text: para.text.trim() } });
    para = null;
  };
  let prev: Line | null = null;
  for (const l of sorted) {
    if (captions.has(l)) continue;
    const level = pdfHeadingLevel(l, body);
    if (level) {
      flush();
      const last = items.at(-1);
      // A heading that wraps: the next line in the same size and weight continues it.
      if (prev && last?.block.kind === 'heading' && prev.y - l.y <= l.size * 2 && Math.abs(prev.size - l.size) < 0.3 && headingLevel(l.text) === 0) {
        last.block.text = joinLines(last.block.text, l.text);
      } else items.push({ y: l.y, block: { page, kind: 'heading', level, text: l.text } });
      prev = l;
      continue;
    }
    const bullet = bulleted(l, dots);
    const text = bullet ? `• ${l.text}` : l.text;
    const p = para as { y: number; text: string; last: Line } | null;
    const breaks =
      !p ||
      prev === null ||
      prev.y - l.y > pitch * 1.25 ||
      Math.abs(l.size - p.last.size) > 0.6 ||
      bullet ||
      LIST_START.test(l.text) ||
      (/[。！？：:]$/.test(p.last.text) && p.last.x1 < right - 2 * p.last.size);
    if (breaks) {
      flush();
      para = { y: l.y, text, last: l };
    } else if (p) {
      p.text = joinLines(p.text, l.text);
      p.last = l;
    }
    prev = l;
  }
  flush();
  return items.sort((a, b) => b.y - a.y).map((i) => i.block);
}
