import { EXTRACTIVE_LABEL, REFUSAL } from '../../agents/index.ts';
import { ENTITY_PREFIX, type Tokenizer } from '../../core/index.ts';

/**
 * Citation faithfulness, judged independently of the product's own citation checker: a sentence is
 * faithful when the evidence it cites (passage text, or relation triple and quote) contains every number
 * it states and at least TERM_SHARE of its key terms. Key terms are lexicon entities (matched by entity,
 * so 磨玻璃结节 in the answer is found as GGO in the evidence) and acronyms/codes such as PET-CT, T2a,
 * SUVmax. Sentences with neither numbers nor key terms (connectives), the product's fixed labels
 * (extractive answer, refusal) and lines that only name the source of the quotes below them state no
 * checkable fact and are not counted.
 */
export const TERM_SHARE = 0.75;

/** `[1]`, `[1][2]`, `[1, 2]`, `【1】`. */
const MARKER = /[[【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】]/g;
const MARKER_AT_START = new RegExp(`^${MARKER.source}`);
const TERMINAL = /[。！？!?；;\n]/;
const CLOSERS = /[”’"'）)」』]/;
/** Fixed texts of the product that state no fact: the extractive label and the refusal. */
const NOT_FACTS = new Set([...Object.values(EXTRACTIVE_LABEL), ...Object.values(REFUSAL)]);
/** A line that only names the source the quotes below it come from (「根据《…》：」, "From 《…》:") states no fact. */
const SOURCE_LABEL = /^(?:根据|据|来自|From)\s*《[^》]{1,120}》[^。！？.!?]{0,40}[:：]$/;

export interface SentenceJudgement {
  text: string;
  /** Marker numbers in the sentence. */
  cites: number[];
  numbers: string[];
  terms: string[];
  /** What the cited evidence lacks (empty when faithful or uncited). */
  missingNumbers: string[];
  missingTerms: string[];
  /** Cites at least one known evidence item. */
  cited: boolean;
  faithful: boolean;
}

export interface FaithfulnessCounts {
  /** Sentences stating a checkable fact. */
  sentences: number;
  cited: number;
  faithful: number;
}

/**
 * Sentences of an answer, each keeping the markers written right after its full stop ("…随访[1]。[2]").
 * A full stop is 。！？；, a newline, or an ASCII `.`/`!`/`?` followed by a space or the end (not after a digit:
 * decimals and list numbers).
 */
export function answerSentences(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    cur += c;
    // "2." after a digit is a list number or a decimal, not the end of a sentence.
    const asciiStop = /[.!?]/.test(c) && !(c === '.' && /\d/.test(text[i - 1] ?? '')) && (i + 1 >= text.length || /\s/.test(text[i + 1]) || text[i + 1] === '[');
    if (!TERMINAL.test(c) && !asciiStop) continue;
    // Closing quotes and brackets, and markers, right after the stop belong to this sentence.
    for (;;) {
      while (CLOSERS.test(text[i + 1] ?? '')) cur += text[++i];
      const rest = text.slice(i + 1);
      const m = /^\s{0,2}/.exec(rest)?.[0] ?? '';
      const mk = MARKER_AT_START.exec(rest.slice(m.length));
      if (!mk) break;
      cur += m + mk[0];
      i += m.length + mk[0].length;
    }
    if (cur.trim()) out.push(cur.trim());
    cur = '';
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Marker numbers of a sentence, in order, without repeats. */
export function markersOf(sentence: string): number[] {
  const ns: number[] = [];
  for (const m of sentence.matchAll(MARKER)) for (const d of m[1].split(/[,，、]/)) ns.push(Number(d.trim()));
  return [...new Set(ns)];
}

/** Numbers stated in a text (markers removed), normalised: `８`, `8.0` and `8` are one number. */
export function numbersIn(text: string): string[] {
  const plain = text.normalize('NFKC').replace(MARKER, ' ');
  return [...new Set([...plain.matchAll(/\d+(?:\.\d+)?/g)].map((m) => String(Number(m[0]))))];
}

/** Acronyms and codes: two or more capitals (CT, PET-CT, SUVmax, ASPECTS) or letters mixed with digits (T2a, M1b). */
function codesIn(text: string): string[] {
  const plain = text.normalize('NFKC').replace(MARKER, ' ');
  const out = new Set<string>();
  for (const m of plain.matchAll(/[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*/g)) {
    const w = m[0];
    const capitals = (w.match(/[A-Z]/g) ?? []).length;
    if (capitals >= 2 || (/\d/.test(w) && /[A-Za-z]/.test(w))) out.add(w.toLowerCase());
  }
  return [...out];
}

/** Judges sentences against cited evidence; evidence token sets are computed once per text. */
export class FaithfulnessJudge {
  private readonly evidenceTerms = new Map<string, Set<string>>();

  constructor(private readonly tokenizer: Tokenizer) {}

  /** Key terms of a text: entity lexemes (`#id`) and lower-cased codes not already an entity. */
  keyTerms(text: string): string[] {
    const terms = new Set<string>();
    const surfaces = new Set<string>();
    for (const t of this.tokenizer.queryTokens(text.replace(MARKER, ' '))) {
      if (!t.lexeme.startsWith(ENTITY_PREFIX)) continue;
      terms.add(t.lexeme);
      surfaces.add(t.surface.toLowerCase());
    }
    for (const c of codesIn(text)) if (!surfaces.has(c)) terms.add(c);
    return [...terms];
  }

  private termsOfEvidence(text: string): Set<string> {
    let s = this.evidenceTerms.get(text);
    if (!s) {
      s = new Set<string>();
      for (const t of this.tokenizer.indexTokens(text)) if (t.lexeme.startsWith(ENTITY_PREFIX)) s.add(t.lexeme);
      for (const c of codesIn(text)) s.add(c);
      this.evidenceTerms.set(text, s);
    }
    return s;
  }

  /**
   * Judge one answer. `evidence(n)`: the text behind marker n, or undefined when the answer cites a number
   * that was never given (such a marker does not count as a citation).
   */
  judge(answer: string, evidence: (n: number) => string | undefined): SentenceJudgement[] {
    const out: SentenceJudgement[] = [];
    for (const text of answerSentences(answer)) {
      if (NOT_FACTS.has(text) || SOURCE_LABEL.test(text)) continue;
      const numbers = numbersIn(text);
      const terms = this.keyTerms(text);
      if (!numbers.length && !terms.length) continue;
      const cites = markersOf(text);
      const texts = cites.map(evidence).filter((t): t is string => t !== undefined);
      const cited = texts.length > 0;
      let missingNumbers: string[] = [];
      let missingTerms: string[] = [];
      let faithful = false;
      if (cited) {
        const joined = texts.join('\n');
        const known = new Set(numbersIn(joined));
        const have = new Set(texts.flatMap((t) => [...this.termsOfEvidence(t)]));
        const lowered = joined.normalize('NFKC').toLowerCase();
        missingNumbers = numbers.filter((x) => !known.has(x));
        missingTerms = terms.filter((t) => !have.has(t) && !(t[0] !== ENTITY_PREFIX && lowered.includes(t)));
        faithful = missingNumbers.length === 0 && (terms.length === 0 || (terms.length - missingTerms.length) / terms.length >= TERM_SHARE);
      }
      out.push({ text, cites, numbers, terms, missingNumbers, missingTerms, cited, faithful });
    }
    return out;
  }
}

/** Counts over judged sentences. */
export function countSentences(judged: SentenceJudgement[]): FaithfulnessCounts {
  return { sentences: judged.length, cited: judged.filter((s) => s.cited).length, faithful: judged.filter((s) => s.faithful).length };
}
