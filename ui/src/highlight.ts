/**
 * Text highlighting helpers shared by the search results and the passage page.
 * Pure functions (no DOM), unit-tested in tests/e2e/highlight.test.ts.
 */

export interface Range {
  start: number;
  end: number;
}
export interface Segment {
  text: string;
  marked: boolean;
  start: number;
}

/** Splits `text` into plain and marked segments; ranges may be unsorted, overlapping or out of bounds. */
export function segmentsOf(text: string, ranges: readonly Range[]): Segment[] {
  const sorted = ranges
    .map((r) => ({
      start: Math.max(0, Math.min(text.length, r.start)),
      end: Math.max(0, Math.min(text.length, r.end)),
    }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const out: Segment[] = [];
  let at = 0;
  for (const r of sorted) {
    const start = Math.max(r.start, at);
    if (r.end <= start) continue;
    if (start > at) out.push({ text: text.slice(at, start), marked: false, start: at });
    out.push({ text: text.slice(start, r.end), marked: true, start });
    at = r.end;
  }
  if (at < text.length) out.push({ text: text.slice(at), marked: false, start: at });
  return out;
}

/** Sentences (and lines) of a passage, in order; the unit matched against the page text. */
export function sentencesOf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\n+/)) {
    const parts = line.match(/[^。！？；!?;]+[。！？；!?;]*|[。！？；!?;]+/g) ?? [];
    for (const p of parts) if (p.trim()) out.push(p.trim());
  }
  return out;
}

const WS = /\s/;

/** How far (in non-space characters) a sentence may be from the previous one: headings the passage skips. */
const MAX_GAP = 400;

/**
 * Where a passage lies in the text of the page(s) it spans, as character ranges per page index.
 * The passage text is not a verbatim slice of the pages (blocks are re-joined, headings are kept
 * apart, PDF lines are re-wrapped), so its sentences are located one after another in the pages'
 * text with all whitespace ignored, starting from `charStart` in the first page. Sentences that
 * cannot be found are skipped rather than guessed.
 */
export function locatePassage(pages: readonly string[], passage: string, charStart = 0): Range[][] {
  const result: Range[][] = pages.map(() => []);
  // One compact string over all pages (whitespace dropped), mapping back to (page, offset).
  let compact = '';
  const mapPage: number[] = [];
  const mapOffset: number[] = [];
  pages.forEach((text, p) => {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (WS.test(ch)) continue;
      compact += ch;
      mapPage.push(p);
      mapOffset.push(i);
    }
  });
  if (!compact) return result;
  let cursor = mapOffset.findIndex((off, i) => mapPage[i] === 0 && off >= charStart);
  if (cursor < 0) cursor = 0;

  const found: Range[] = [];
  for (const sentence of sentencesOf(passage)) {
    const s = sentence.replace(/\s+/g, '');
    if (!s) continue;
    let idx = compact.indexOf(s, cursor);
    if (found.length === 0) {
      if (idx < 0) idx = compact.indexOf(s);
    } else if (idx >= 0 && idx - cursor > MAX_GAP) idx = -1;
    if (idx < 0) continue;
    const last = found.at(-1);
    if (last && idx <= last.end) last.end = Math.max(last.end, idx + s.length);
    else found.push({ start: idx, end: idx + s.length });
    cursor = idx + s.length;
  }

  // Back to original offsets, split at page boundaries.
  for (const r of found) {
    let i = r.start;
    while (i < r.end) {
      const page = mapPage[i];
      let j = i;
      while (j + 1 < r.end && mapPage[j + 1] === page) j++;
      const ranges = result[page];
      const start = mapOffset[i];
      const end = mapOffset[j] + 1;
      const prev = ranges.at(-1);
      // Ranges separated only by whitespace become one.
      if (prev && /^\s*$/.test(pages[page].slice(prev.end, start))) prev.end = end;
      else ranges.push({ start, end });
      i = j + 1;
    }
  }
  return result;
}
