import { normalizeText } from '../core/index.ts';
import type { Block, TableData } from './document.ts';

/** A line that labels the table below it: 「表 10-1 …」, 「表3 …」, "Table 2. …". */
const CAPTION = /^(?:表\s*[\dA-Za-z一二三四五六七八九十]+(?:[-–—.．]\d+)*|Table\s+[\dA-Z]+(?:[-–.]\d+)*)(?:[\s.:：．]|$)/i;
const CELL_SEPARATOR = ' | ';

/** Whether a short line reads as a table caption. */
export function isCaption(text: string): boolean {
  const t = text.trim();
  return t.length > 0 && t.length <= 80 && CAPTION.test(t) && !/[。；]$/.test(t);
}

/** Cells as text: whitespace runs collapsed, "|" (our cell separator) replaced so a cell stays one cell. */
export function cleanCell(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/\|/g, '｜').trim();
}

/**
 * A table with blank rows and trailing empty columns dropped, or null when nothing is left that is a
 * table (fewer than two columns, or a header and no row).
 */
export function tidyTable(t: TableData): TableData | null {
  const header = t.header.map(cleanCell);
  const rows = t.rows.map((r) => r.map(cleanCell)).filter((r) => r.some(Boolean));
  let width = Math.max(header.length, ...rows.map((r) => r.length));
  while (width > 0 && !header[width - 1] && rows.every((r) => !r[width - 1])) width--;
  if (width < 2 || rows.length === 0) return null;
  return { ...(t.caption ? { caption: cleanCell(t.caption) } : {}), header: header.slice(0, width), rows: rows.map((r) => r.slice(0, width)) };
}

/** The lines of a table's text, in order: caption (if any), header, then one line per row. */
export function tableLines(t: TableData): string[] {
  return [...(t.caption ? [t.caption] : []), t.header.join(CELL_SEPARATOR), ...t.rows.map((r) => r.join(CELL_SEPARATOR))];
}

/** A table as page text: what the passage viewer falls back to and what row chunks point into. */
export function tableText(t: TableData): string {
  return tableLines(t).join('\n');
}

/** A table block on `page`. */
export function tableBlock(page: number, t: TableData): Block {
  return { page, kind: 'table', text: tableText(t), table: t };
}

/**
 * One row as a retrievable sentence: the caption, then every cell after its column name, so
 * 「结节大小（平均直径）：＞8 mm；单发·低风险：3 个月复查 CT…」 is found and read on its own.
 */
export function rowText(t: TableData, row: string[]): string {
  const cells = row
    .map((cell, i) => (cell ? (t.header[i] ? `${t.header[i]}：${cell}` : cell) : ''))
    .filter(Boolean)
    .join('；');
  return t.caption ? `${t.caption}｜${cells}` : cells;
}

/**
 * Attach a caption line to the table right after it: when block `i` is a table without caption and the
 * block before it (same page) is a caption, move the caption into the table. Returns the new list.
 */
export function attachCaptions(blocks: Block[]): Block[] {
  const out: Block[] = [];
  for (const b of blocks) {
    const prev = out.at(-1);
    if (b.kind === 'table' && b.table && !b.table.caption && prev?.kind === 'text' && prev.page === b.page && isCaption(prev.text)) {
      out.pop();
      out.push(tableBlock(b.page, { ...b.table, caption: cleanCell(prev.text) }));
      continue;
    }
    out.push(b);
  }
  return out;
}

/** A block with its text (and a table's cells) folded to ordinary characters (see normalizeText). */
export function normalizeBlock(b: Block): Block {
  if (!b.table) return { ...b, text: normalizeText(b.text) };
  const t = b.table;
  return tableBlock(b.page, { ...(t.caption ? { caption: normalizeText(t.caption) } : {}), header: t.header.map(normalizeText), rows: t.rows.map((r) => r.map(normalizeText)) });
}
