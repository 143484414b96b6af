/** A span of the chunk text: `start` inclusive, `end` exclusive, `text === chunk.slice(start, end)`. */
export interface Span {
  start: number;
  end: number;
  text: string;
}

/**
 * Sentence ends: Chinese and ASCII terminal punctuation (with closing quotes/brackets that follow),
 * and line breaks, since the chunker joins blocks (paragraphs, list items) with '\n'. An ASCII full
 * stop ends a sentence only before white space, the end, or a capitalised word or abbreviation glued to it (text
 * extracted without its spaces: "…the alveoli.It presents…", "…limited value.CT is…"), so 2.5 cm and e.g. stay whole.
 */
const SENTENCE_END = /[。！？!?]+[”’」』）)]*|\.(?=\s|$|[A-Z][a-z]|[A-Z]{2,6}\b)|\n+/g;

/** Leading list markers and white space a sentence should not quote ("- ", "• ", "1. ", "1、", "（1）", "①"). */
const LEAD = /^(?:\s|[-*•·]\s|\d{1,2}[.)）]\s|\d{1,2}、|[（(]\d{1,2}[）)]\s?|[①-⑳]\s?)+/;

/** Sentences of `text` with their offsets; empty and punctuation-only pieces are dropped. */
export function splitSentences(text: string): Span[] {
  const out: Span[] = [];
  let from = 0;
  const push = (start: number, end: number) => {
    const raw = text.slice(start, end);
    const lead = LEAD.exec(raw)?.[0].length ?? 0;
    const trimmed = raw.slice(lead).trimEnd();
    if (!/[\p{L}\p{N}]/u.test(trimmed)) return;
    out.push({ start: start + lead, end: start + lead + trimmed.length, text: trimmed });
  };
  for (const m of text.matchAll(SENTENCE_END)) {
    const at = m.index ?? 0;
    push(from, m[0].startsWith('\n') ? at : at + m[0].length);
    from = at + m[0].length;
  }
  push(from, text.length);
  return out;
}

/**
 * Clause boundaries inside a sentence: commas, semicolons and colons (Chinese and ASCII). A cue's
 * scope ends at the clause; `strong` boundaries (semicolons) also end an argument list.
 */
const CLAUSE_END = new Set(['，', ',', '；', ';', '：', ':']);

export interface Clause {
  start: number;
  end: number;
  /** The boundary that ends this clause is a semicolon (or the sentence end). */
  strongEnd: boolean;
}

/** Clauses of a sentence, as offsets into the sentence (the boundary character belongs to no clause). */
export function splitClauses(sentence: string): Clause[] {
  const out: Clause[] = [];
  let from = 0;
  let depth = 0;
  for (let i = 0; i < sentence.length; i++) {
    const ch = sentence[i];
    if (ch === '（' || ch === '(') depth++;
    else if ((ch === '）' || ch === ')') && depth > 0) depth--;
    else if (depth === 0 && CLAUSE_END.has(ch)) {
      // A comma between digits is a thousands separator, not a clause break.
      if (ch === ',' && /\d/.test(sentence[i - 1] ?? '') && /\d/.test(sentence[i + 1] ?? '')) continue;
      out.push({ start: from, end: i, strongEnd: ch === '；' || ch === ';' });
      from = i + 1;
    }
  }
  out.push({ start: from, end: sentence.length, strongEnd: true });
  return out;
}

