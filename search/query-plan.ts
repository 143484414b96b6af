import { ENTITY_PREFIX, foldForSearch, type QueryTerm, type Tokenizer } from '../core/index.ts';
import { englishToChinese, type Translation } from './cross-lingual.ts';
import { EQUIVALENTS, type Intent, questionIntents } from './question-words.ts';

/** A scoring term with its weight: the literal text weighs most, expansions less. */
export interface WeightedTerm {
  lexeme: string;
  weight: number;
  /** Literal terms come from the query's own text; expansions from synonyms, aliases and question words. */
  literal: boolean;
}

/** Weights by where a term comes from (see buildQueryPlan). */
export const TERM_WEIGHTS = {
  gram: 1,
  /**
   * A bigram across two words of the question (节多 of 肺结节|多大): half a bigram inside a word; across a function or
   * question word (大需 of 多大|需要, 要随 of 需要|随访) a fifth. Such pairs are rare, so at full weight their IDF made
   * any passage repeating the question's phrasing (「…需要随访」) outrank the one holding the answer.
   */
  straddlingGram: 0.5,
  functionGram: 0.2,
  code: 1,
  /** Whole words of three or more characters: on top of their bigrams, a little. */
  word: 0.5,
  /** Entity lexemes (alias expansion: GGO finds 磨玻璃结节): below the literal text. */
  entity: 0.5,
  /** Question-word cues and general equivalents (临床表现 → 症状, 儿童 → 小儿). */
  expansion: 0.3,
  /**
   * The Chinese for the query's English words (follow-up → 随访, lung nodule → 肺结节): they stand for words the
   * user typed, so they count as the query's own text in the rerank, a little below what was typed.
   */
  translation: 0.6,
} as const;

export interface QueryPlan {
  /** The query as searched (see foldForSearch). */
  folded: string;
  terms: WeightedTerm[];
  /** What the user typed, as words and entities with the names they expand to (response `terms`). */
  display: Array<{ lexeme: string; surface: string; expandsTo: string[] }>;
  /** The attributes asked about (临床表现 → symptoms), strongest first. */
  intents: Intent[];
  /** Cue words of those intents, for the rerank. */
  cues: string[];
  /** In 「X的Y」 questions, X (the disease or finding the attribute belongs to). */
  subject: string | null;
  /** X and the names it has under the general equivalents (急性脑梗死 → 急性缺血性卒中…). */
  subjectForms: string[];
  /** In 「X的Y」 questions, Y without question words (CT早期征象). */
  attribute: string | null;
}

const MAX_TERMS = 64;
/**
 * English question words and auxiliaries (the Chinese ones are stopwords or question phrases): they say what kind
 * of answer is wanted, never what it is about, and would only match English abstracts by their wording.
 */
const EN_QUESTION_WORDS = new Set('what which how when where why who whom whose does do did should can could would will must may might shall'.split(' '));
/** Question words at the end of a question: 「…征象有哪些？」 asks about 征象. */
const QUESTION_TAIL = /(有哪些|是什么|有什么|是哪些|包括哪些|包括什么|如何|怎么样|怎么办|多少|是多少|吗|呢)?[？?。！!\s]*$/;
/** 「X的Y」 with Y a short attribute phrase at the end: X is the subject. */
const ATTRIBUTE_FORM = /^(.{2,30}?)的([^的]{2,12})$/;

/** Turn a query into weighted terms, display terms, intents and the subject of an attribute question. */
export function buildQueryPlan(q: string, tokenizer: Tokenizer): QueryPlan {
  const folded = foldForSearch(q).trim();
  const weights = new Map<string, WeightedTerm>();
  const add = (lexeme: string, weight: number, literal: boolean) => {
    const prev = weights.get(lexeme);
    if (!prev || prev.weight < weight) weights.set(lexeme, { lexeme, weight, literal: literal || (prev?.literal ?? false) });
  };
  const literalTerms = tokenizer.queryTerms(q);
  for (const t of literalTerms) if (!EN_QUESTION_WORDS.has(t.lexeme)) add(t.lexeme, weightOf(t), t.kind !== 'entity');

  // Cross-language: the Chinese for English words, as weighted terms beside them (never instead); the translated
  // words also tell what is asked (「treatment」 → 治疗 → treatment intent). Not the reverse: the English for Chinese
  // question words lifted English abstracts over the Chinese guideline passages that answer (measured, removed).
  const toChinese = englishToChinese(folded, tokenizer.lexicon);
  for (const t of toChinese) for (const w of t.target) for (const lexeme of expansionLexemes(tokenizer, w)) add(lexeme, TERM_WEIGHTS.translation, true);

  const groups = questionIntents(toChinese.length ? `${folded} ${toChinese.map((t) => t.target[0]).join(' ')}` : folded);
  const cues = [...new Set(groups.flatMap((g) => g.group.cues))];
  const expansions = new Set<string>(cues);
  for (const group of EQUIVALENTS) if (group.some((w) => folded.includes(w))) for (const w of group) expansions.add(w);
  for (const e of expansions) for (const lexeme of expansionLexemes(tokenizer, e)) add(lexeme, TERM_WEIGHTS.expansion, false);

  const display = uniqueBy(tokenizer.queryTokens(q), (t) => t.lexeme).map((t) => ({
    lexeme: t.lexeme,
    surface: t.surface,
    expandsTo: t.lexeme.startsWith(ENTITY_PREFIX) ? tokenizer.lexicon.surfaces(t.lexeme.slice(1)) : translationsOf(t.lexeme, toChinese),
  }));
  const stripped = folded.replace(QUESTION_TAIL, '').replace(/[？?。！!\s]+$/g, '');
  const m = ATTRIBUTE_FORM.exec(stripped);
  const subject = m ? m[1] : null;
  const terms = [...weights.values()].sort((a, b) => b.weight - a.weight).slice(0, MAX_TERMS);
  return { folded, terms, display, intents: groups.map((g) => g.group.intent), cues, subject, subjectForms: subject ? equivalentForms(subject) : [], attribute: m ? m[2] : null };
}

const expansionCache = new WeakMap<Tokenizer, Map<string, string[]>>();

/** The lexemes of an expansion word (cached: the vocabulary of expansions is small and fixed). */
export function expansionLexemes(tokenizer: Tokenizer, word: string): string[] {
  let cache = expansionCache.get(tokenizer);
  if (!cache) {
    cache = new Map();
    expansionCache.set(tokenizer, cache);
  }
  let lexemes = cache.get(word);
  if (!lexemes) {
    lexemes = tokenizer.queryTerms(word).filter((t) => t.kind !== 'entity').map((t) => t.lexeme);
    cache.set(word, lexemes);
  }
  return lexemes;
}

/** A phrase and its variants under EQUIVALENTS (each equivalent word swapped in for the one it contains). */
export function equivalentForms(phrase: string): string[] {
  const forms = new Set([phrase]);
  for (const group of EQUIVALENTS) for (const w of group) if (phrase.includes(w)) for (const alt of group) forms.add(phrase.replace(w, alt));
  return [...forms];
}

/** The Chinese a plain English word of the query was translated to (alone or inside a phrase). */
function translationsOf(word: string, translations: Translation[]): string[] {
  if (!/^[a-z]/.test(word)) return [];
  return [...new Set(translations.filter((t) => t.source.split(' ').includes(word)).flatMap((t) => t.target))];
}

function weightOf(t: QueryTerm): number {
  if (t.kind === 'gram' && t.straddles) return t.straddles === 'function' ? TERM_WEIGHTS.functionGram : TERM_WEIGHTS.straddlingGram;
  if (t.kind === 'word') return [...t.lexeme].length >= 3 ? TERM_WEIGHTS.word : TERM_WEIGHTS.gram;
  return TERM_WEIGHTS[t.kind];
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
