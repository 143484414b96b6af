import type { CheckedSentence } from '../chat.types.ts';

/** `[1]`, `[1][2]`, `[1, 2]`, `【1】` — the citation markers an answer may carry. */
const MARKER = /[[【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】]/g;
// Semicolons join clauses that usually share the citation at the sentence's end: not a boundary.
const TERMINAL = /[。！？!?\n]/;
const CLOSERS = /[”’"'）)」』】\]]/;
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** Sentences that state no fact of their own: refusals, disclaimers, pointers to the evidence, questions. */
const NON_FACTUAL = [
  /知识库中未找到|未找到相关|没有找到|无法回答|仅供参考|请结合临床|请咨询|以下为|以下是|如下[:：]?$|抽取式回答|未使用大模型/,
  /no relevant knowledge|not found in the knowledge base|for reference only|consult|extractive answer|the following/i,
];

/**
 * Shares of a sentence's content that must be found in the evidence it cites: Chinese character
 * bigrams, or English words. Paraphrase keeps most of them (measured on the demo corpus: supported
 * sentences 0.45–1.0); a sentence about something else scores near 0. Applied only when sentence and
 * evidence are in the same script (an English answer over a Chinese guideline is checked by markers and
 * numbers only).
 */
export const MIN_OVERLAP = 0.25;

/** Split an answer into sentences, each keeping the markers written right after its full stop. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const end = TERMINAL.test(c) || (c === '.' && (i + 1 >= text.length || /\s/.test(text[i + 1])) && !/\d/.test(text[i - 1] ?? ''));
    i++;
    if (!end) continue;
    // Closing quotes/brackets and markers written after the full stop belong to this sentence.
    for (;;) {
      while (i < text.length && CLOSERS.test(text[i])) i++;
      const m = markerAt(text, i);
      if (m) {
        i += m.length;
        continue;
      }
      const spaced = /^[ \t]+/.exec(text.slice(i));
      if (spaced && markerAt(text, i + spaced[0].length)) {
        i += spaced[0].length;
        continue;
      }
      break;
    }
    out.push(text.slice(start, i));
    start = i;
  }
  if (start < text.length) out.push(text.slice(start));
  // Line breaks and spaces between sentences stay with the sentence before them, so joining kept
  // sentences keeps the layout.
  const merged: string[] = [];
  for (const s of out) {
    if (!s.trim() && merged.length) merged[merged.length - 1] += s;
    else merged.push(s);
  }
  return merged.filter((s) => s.trim().length > 0);
}

function markerAt(text: string, i: number): string | null {
  MARKER.lastIndex = 0;
  const m = MARKER.exec(text.slice(i, i + 40));
  return m && m.index === 0 ? m[0] : null;
}

/** Marker numbers in a sentence, in order, without repeats. */
export function markersOf(sentence: string): number[] {
  const ns: number[] = [];
  for (const m of sentence.matchAll(MARKER)) for (const d of m[1].split(/[,，、]/)) ns.push(Number(d.trim()));
  return [...new Set(ns)];
}

/** Numbers stated in a text (markers excluded), normalised: `８`, `8.0` and `8` are the same number. */
export function numbersOf(text: string): string[] {
  const plain = text.normalize('NFKC').replace(MARKER, ' ');
  return [...new Set([...plain.matchAll(/\d+(?:\.\d+)?/g)].map((m) => String(Number(m[0]))))];
}

/** The sentence without markers and layout symbols (words stay separated by spaces). */
function content(sentence: string): string {
  return sentence.replace(MARKER, ' ').replace(/[*_#>`–—•·→]/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Whether a sentence states something that needs evidence. */
export function needsCitation(sentence: string): boolean {
  const body = content(sentence).replace(/\s/g, '');
  if (numbersOf(sentence).length) return true;
  if ((body.match(/[\p{L}\p{N}]/gu) ?? []).length < 6) return false;
  // A question, or a line introducing a list ("相关关系：").
  if (/[?？:：]\s*$/.test(sentence.replace(MARKER, '').trim())) return false;
  return !NON_FACTUAL.some((re) => re.test(sentence.trim()));
}

function bigrams(s: string): Set<string> {
  const out = new Set<string>();
  const cjk = [...s].filter((ch) => CJK.test(ch));
  for (let i = 0; i + 1 < cjk.length; i++) out.add(cjk[i] + cjk[i + 1]);
  return out;
}

const EN_STOP = new Set('the and for with that this from are was were have has had not but can may its into than then there their which when what who how also such these those been being about over under more most other some any all per'.split(' '));
function words(s: string): Set<string> {
  return new Set((s.toLowerCase().match(/[a-z][a-z0-9-]{2,}/g) ?? []).filter((w) => !EN_STOP.has(w)));
}

/** Share of the sentence's content found in the evidence; null when they are not in the same script. */
export function overlap(sentence: string, evidence: string): number | null {
  const s = content(sentence);
  const sb = bigrams(s);
  if (sb.size >= 2) {
    if (!CJK.test(evidence)) return null;
    const eb = bigrams(evidence);
    return [...sb].filter((b) => eb.has(b)).length / sb.size;
  }
  const sw = words(s);
  if (sw.size < 2 || CJK.test(s)) return null;
  const ew = words(evidence);
  if (!ew.size) return null;
  return [...sw].filter((w) => ew.has(w)).length / sw.size;
}

/**
 * Wording share an uncited sentence must find in one evidence item before the checker cites that item for it:
 * twice what a cited sentence needs, because here no one claimed the item supports it.
 */
export const ATTRIBUTION_OVERLAP = 2 * MIN_OVERLAP;

/**
 * The evidence item that alone supports an uncited sentence: every number it states is in the item and (same
 * script) at least ATTRIBUTION_OVERLAP of its wording; the best-overlapping one, null when none qualifies.
 * Small local models often answer from the evidence without writing [n]; this recovers those sentences instead
 * of dropping them, under a stricter test than a cited sentence passes.
 */
export function attribute(sentence: string, candidates: number[], supportText: (n: number) => string | undefined): number | null {
  const stated = numbersOf(sentence);
  let best: { n: number; ov: number } | null = null;
  for (const n of candidates) {
    const support = supportText(n);
    if (support === undefined) continue;
    const known = new Set(numbersOf(support));
    if (!stated.every((x) => known.has(x))) continue;
    const ov = overlap(sentence, support);
    if (ov === null || ov < ATTRIBUTION_OVERLAP) continue;
    if (!best || ov > best.ov) best = { n, ov };
  }
  return best?.n ?? null;
}

/** The sentence with `[n]` written after its full stop (before the whitespace that follows it). */
function withMarker(sentence: string, n: number): string {
  const tail = /\s*$/.exec(sentence)?.[0] ?? '';
  return `${sentence.slice(0, sentence.length - tail.length)}[${n}]${tail}`;
}

/**
 * Check an answer against its evidence. A sentence that needs a citation is supported when it cites at
 * least one existing item, every number it states appears in the items it cites, and (same script) enough
 * of its wording is found there. With `attributable`, a sentence with no marker at all is given the one item of
 * that list that supports it under the stricter test of `attribute` (flagged `attributed`); a sentence citing
 * an item that does not exist is not rescued. Unsupported
 * sentences are dropped from `answer` and kept, flagged, in `sentences`; markers pointing at nothing are
 * removed from kept sentences.
 */
export function checkAnswer(
  text: string,
  supportText: (n: number) => string | undefined,
  opts: { attributable?: number[] } = {},
): { answer: string; sentences: CheckedSentence[] } {
  const sentences: CheckedSentence[] = [];
  let answer = '';
  for (const original of splitSentences(text)) {
    let raw = original;
    let attributed = false;
    if (opts.attributable?.length && needsCitation(raw) && markersOf(raw).length === 0) {
      const n = attribute(raw, opts.attributable, supportText);
      if (n !== null) {
        raw = withMarker(raw, n);
        attributed = true;
      }
    }
    const cited = markersOf(raw);
    const valid = cited.filter((n) => supportText(n) !== undefined);
    let supported = true;
    if (needsCitation(raw)) {
      const support = valid.map((n) => supportText(n) ?? '').join('\n');
      const known = new Set(numbersOf(support));
      const ov = valid.length ? overlap(raw, support) : null;
      supported = valid.length > 0 && numbersOf(raw).every((x) => known.has(x)) && (ov === null || ov >= MIN_OVERLAP);
    }
    const cleaned = valid.length === cited.length ? raw : raw.replace(MARKER, (m, ds: string) => (ds.split(/[,，、]/).every((d) => supportText(Number(d.trim())) !== undefined) ? m : ''));
    sentences.push({ text: cleaned.trim(), citations: valid, supported, ...(attributed ? { attributed } : {}) });
    if (supported) answer += cleaned;
    else if (/\n\s*$/.test(raw) && answer && !answer.endsWith('\n')) answer += '\n';
  }
  return { answer: answer.trim(), sentences };
}
