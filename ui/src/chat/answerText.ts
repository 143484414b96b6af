/**
 * Splits an answer into what the page draws: plain text, citation markers ([1], [1,2], [1][2]) and
 * sentences the citation checker flagged as unsupported.
 */

export type Piece = { kind: 'text'; text: string } | { kind: 'cite'; nums: number[]; raw: string };

export interface Span {
  /** True for a sentence the checker found no support for. */
  flagged: boolean;
  pieces: Piece[];
}

/** Markers as models write them: [1], [1,2], [1, 2], [1、2], full-width ［1］. */
const MARKER = /[[［](\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)[\]］]/g;

/** Text with its citation markers picked out. */
export function piecesOf(text: string): Piece[] {
  const out: Piece[] = [];
  let last = 0;
  for (const m of text.matchAll(MARKER)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ kind: 'text', text: text.slice(last, at) });
    out.push({ kind: 'cite', raw: m[0], nums: m[1].split(/\s*[,，、]\s*/).map(Number) });
    last = at + m[0].length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}

/** Every marker number the text uses, in order of first use. */
export function citedNumbers(text: string): number[] {
  const seen = new Set<number>();
  for (const p of piecesOf(text)) if (p.kind === 'cite') for (const n of p.nums) seen.add(n);
  return [...seen];
}

/**
 * The numbers a reader sees: sources in order of first citation in the text, 1, 2, 3 … without gaps (a model
 * given eight passages may cite [2], [3] and [6]), then any listed source the text does not cite. A marker
 * whose number is not among the sources keeps it (it is drawn as not a link).
 */
export function displayNumbering(cited: readonly number[], listed: readonly number[]): Map<number, number> {
  const known = new Set(listed);
  const shown = new Map<number, number>();
  for (const n of [...cited.filter((n) => known.has(n)), ...listed]) if (!shown.has(n)) shown.set(n, shown.size + 1);
  return shown;
}

/** Text without flagged sentences (while streaming, or an answer the checker passed whole). */
export function plainSpans(text: string): Span[] {
  return text ? [{ flagged: false, pieces: piecesOf(text) }] : [];
}

/**
 * `base` with the checker's verdicts drawn in. `sentences` is every sentence in order. `base` is either
 * the streamed text (it holds every sentence and the model's line breaks) or the checked answer (it holds
 * only the supported ones): a sentence found in `base` is marked where it stands; a dropped sentence
 * that is not there goes in, flagged, right after the text that preceded it.
 */
export function checkedSpans(base: string, sentences: readonly { text: string; supported: boolean }[]): Span[] {
  const spans: Span[] = [];
  let cursor = 0;
  let insertedFirst = false;
  const plain = (to: number) => {
    if (to > cursor) spans.push({ flagged: false, pieces: piecesOf(base.slice(cursor, to)) });
    cursor = Math.max(cursor, to);
  };
  for (const s of sentences) {
    const text = s.text.trim();
    if (!text) continue;
    const at = base.indexOf(text, cursor);
    if (at !== -1) {
      plain(at);
      spans.push({ flagged: !s.supported, pieces: piecesOf(text) });
      cursor = at + text.length;
    } else if (!s.supported) {
      if (cursor === 0) insertedFirst = true;
      spans.push({ flagged: true, pieces: piecesOf(text) });
    }
  }
  plain(base.length);
  // Dropped sentences put in before all of `base` (the whole model answer failed the check and the
  // passages follow): start the kept text on its own line.
  const firstKept = spans.findIndex((sp) => !sp.flagged);
  const first = firstKept > 0 ? spans[firstKept].pieces[0] : undefined;
  if (insertedFirst && first?.kind === 'text' && !first.text.startsWith('\n')) spans[firstKept].pieces[0] = { kind: 'text', text: `\n${first.text}` };
  return spans;
}

/** Whether every one of `sentences` occurs in `text`, in order (then `text` can be the base of checkedSpans). */
export function holdsInOrder(text: string, sentences: readonly { text: string }[]): boolean {
  let cursor = 0;
  for (const s of sentences) {
    const t = s.text.trim();
    if (!t) continue;
    const at = text.indexOf(t, cursor);
    if (at === -1) return false;
    cursor = at + t.length;
  }
  return true;
}

const EXTRACTIVE_LABEL = /^\s*(【抽取式回答·未使用大模型】|\[Extractive answer — no LLM configured\])\s*/;

/** The extractive engine's label line, which the page shows as a badge instead. */
export function withoutExtractiveLabel(text: string): string {
  return text.replace(EXTRACTIVE_LABEL, '');
}
