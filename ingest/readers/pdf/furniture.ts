import type { Line } from './lines.ts';

const FOLIO = /^\s*(?:[—–-]\s*\d{1,4}\s*[—–-]|第\s*\d{1,4}\s*页(?:\s*[/／,，]?\s*共\s*\d{1,4}\s*页)?|(?:page\s+)?\d{1,4}\s*(?:\/|of)\s*\d{1,4})\s*$/i;

/** A folio anywhere on a page: "— 12 —", "第 4 页", "第 4 页 共 9 页", "Page 2 of 9", "2 / 9". */
export function isFolio(text: string): boolean {
  return FOLIO.test(text);
}

const key = (l: Line) => l.text.replace(/\d+/g, '#').replace(/\s+/g, '');
const BAND = 6;

/**
 * Page furniture: folios; a bare number as a page's first or last line; and running headers and footers —
 * a line whose text (digits masked, so "第 3 章 … 12" matches "第 3 章 … 13") recurs within a few points of
 * the same height on at least half of the pages (three at least). Returns whether a page's line is furniture.
 */
export function furnitureOf(pages: Line[][]): (pageIndex: number, line: Line) => boolean {
  const seen = new Map<string, Set<number>>();
  pages.forEach((lines, p) => {
    for (const l of lines) {
      const band = Math.round(l.y / BAND);
      for (const b of [band - 1, band, band + 1]) {
        const k = `${key(l)}@${b}`;
        const s = seen.get(k) ?? new Set<number>();
        s.add(p);
        seen.set(k, s);
      }
    }
  });
  const minPages = Math.max(3, Math.ceil(pages.length / 2));
  const edges = pages.map((lines) => {
    const ys = lines.map((l) => l.y);
    return { top: Math.max(...ys), bottom: Math.min(...ys) };
  });
  return (p, l) => {
    if (isFolio(l.text)) return true;
    if (/^\d{1,4}$/.test(l.text.trim()) && (l.y === edges[p]?.top || l.y === edges[p]?.bottom)) return true;
    if (pages.length < 3 || key(l).length === 0) return false;
    return (seen.get(`${key(l)}@${Math.round(l.y / BAND)}`)?.size ?? 0) >= minPages;
  };
}
