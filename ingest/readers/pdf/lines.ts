import { normalizeText } from '../../../core/index.ts';

/** One pdf.js text item in page space: baseline at (x, y), `w` wide, font `size`, bold face or not. */
export interface Piece {
  str: string;
  x: number;
  y: number;
  w: number;
  size: number;
  bold: boolean;
}

/** A visual line: pieces on one baseline, left to right. */
export interface Line {
  y: number;
  x0: number;
  x1: number;
  /** Font size carrying most of the line's characters. */
  size: number;
  /** Share of the line's characters set in a bold face. */
  boldShare: number;
  text: string;
  /** Runs of the line separated by gaps of COLUMN_GAP ems or more (table columns, if any), left to right. */
  runs: Array<{ x: number; text: string }>;
}

/** A gap this many ems wide separates columns, never words. */
export const COLUMN_GAP = 1.2;

const LATIN = /[A-Za-z0-9%)\]°.,;:+\-–/]$/;
const LATIN_START = /^[A-Za-z0-9([+\-–/≤≥<>=~]/;

/** Font names that are bold faces ("…-Bold", "…Black", "SimHei"…). */
export function isBoldFont(name: string | undefined): boolean {
  return !!name && /bold|black|heavy|semibold|demi|[-_ ]w[6-9]\b|hei\b|heiti|-b$/i.test(name);
}

/** The vertical centre of a piece's glyphs (baseline + about a third of the size). */
export const midY = (p: { y: number; size: number }) => p.y + p.size * 0.35;

/**
 * Pieces → lines: a piece joins the line whose baseline is within 40% of the font size, then each line
 * reads left to right. Chromium and most producers emit one item per glyph run, with explicit space items;
 * a gap wider than a quarter em between Latin runs, or a full em anywhere, becomes a space.
 */
export function toLines(pieces: Piece[]): Line[] {
  return lineGroups(pieces).map(lineOf).filter((l) => l.text.trim().length > 0);
}

/** Pieces grouped by baseline (see toLines), top to bottom. */
export function lineGroups(pieces: Piece[]): Piece[][] {
  const sorted = pieces.filter((p) => p.str.length > 0).sort((a, b) => b.y - a.y || a.x - b.x);
  const groups: Piece[][] = [];
  for (const p of sorted) {
    const g = groups.find((l) => Math.abs(l[0].y - p.y) <= 0.4 * Math.min(l[0].size, p.size));
    if (g) g.push(p);
    else groups.push([p]);
  }
  return groups;
}

/** A baseline group cut where a gap of COLUMN_GAP ems or more separates its pieces (a folio beside text). */
export function splitAtGaps(group: Piece[]): Piece[][] {
  const ps = [...group].sort((a, b) => a.x - b.x);
  const out: Piece[][] = [];
  let end = -Infinity;
  for (const p of ps) {
    if (!out.length || (p.str.trim() && p.x - end >= COLUMN_GAP * p.size)) out.push([]);
    (out.at(-1) as Piece[]).push(p);
    if (p.str.trim()) end = Math.max(end, p.x + p.w);
  }
  return out;
}

/** One baseline group as a line. */
export function lineOf(pieces: Piece[]): Line {
  const ps = [...pieces].sort((a, b) => a.x - b.x);
  let text = '';
  let end = -Infinity;
  let space = false;
  const runs: Array<{ x: number; text: string }> = [];
  const bySize = new Map<number, number>();
  let chars = 0;
  let bold = 0;
  for (const p of ps) {
    // Space items (producers emit them to fill word and cell gaps) only say "a space here".
    if (!p.str.trim()) {
      space = true;
      continue;
    }
    const gap = p.x - end;
    const size = p.size;
    const column = runs.length > 0 && gap >= COLUMN_GAP * size;
    const sep = text && (space || column || (gap > 0.25 * size && LATIN.test(text) && LATIN_START.test(p.str)) || gap > 1.0 * size) ? ' ' : '';
    if (!runs.length || column) runs.push({ x: p.x, text: p.str });
    else (runs.at(-1) as { text: string }).text += sep + p.str;
    text += sep + p.str;
    space = false;
    end = Math.max(end, p.x + p.w);
    const n = p.str.replace(/\s/g, '').length;
    chars += n;
    if (p.bold) bold += n;
    const key = Math.round(size * 2) / 2;
    bySize.set(key, (bySize.get(key) ?? 0) + n);
  }
  const size = [...bySize.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? ps[0].size;
  return {
    y: Math.max(...ps.map((p) => p.y)),
    x0: runs[0]?.x ?? ps[0].x,
    x1: end,
    size,
    boldShare: chars ? bold / chars : 0,
    text: normalizeText(text).replace(/\s+/g, ' ').trim(),
    runs: runs.map((r) => ({ x: r.x, text: normalizeText(r.text).replace(/\s+/g, ' ').trim() })).filter((r) => r.text),
  };
}

/** The font size most characters of these lines are set in (the body size). */
export function bodySize(lines: Line[]): number {
  const count = new Map<number, number>();
  for (const l of lines) count.set(l.size, (count.get(l.size) ?? 0) + l.text.length);
  return [...count.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 10;
}
