import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import type { Lexicon } from './lexicon.ts';
import { foldForSearch, normalizeText, surfaceKey } from './text.ts';

/** Lexemes for entities are prefixed so they never collide with a plain word. */
export const ENTITY_PREFIX = '#';

/**
 * Function words dropped from the word stream only. Character bigrams are never filtered by this list,
 * so a medical morpheme a word list might cut (卒中 → 卒 + 中) is always indexed and searched as a bigram;
 * single characters that are morphemes in medicine (中 内 外 上 下 前 后 期) are not in it.
 */
const STOPWORDS = new Set(
  (
    '的 了 和 与 及 或 等 是 在 为 对 有 以 于 其 该 被 将 由 从 并 而 也 可 其他 一个 这 那 之 '
    + '应 需 时 者 如 若 则 但 即 又 所 各 每 本 此 个 种 项 次 我 你 他 吗 呢 吧 '
    // question words and fillers residents type into the search box ("肺结节多大需要随访？")
    + '什么 哪些 哪个 如何 怎么 怎样 怎么样 多少 多大 多久 是否 能否 可以 需要 应该 意味着 意思 为什么 有没有 有何 何时 一下 请问 '
    + 'a an the of and or to in on for with by at as is are be was were this that these those from it its into'
  ).split(/\s+/),
);

/** Question phrases removed from a query before its bigrams are formed (they are not what the text says). */
const QUESTION_PHRASES = /有哪些|是什么|有什么|是哪些|哪些|什么|如何|怎么样|怎么|怎样|多少|是否|为什么|请问|一下|吗|呢|吧|？|\?/g;
/** Particles that end a query bigram: 「X的Y」 asks about X and Y, never about 「X的」 or 「的Y」. */
const PARTICLE = /[的了吗呢吧么啊]/;

/** Distinct words remembered by a tokenizer's index memo before it starts over (a few MB). */
const WORD_MEMO_LIMIT = 200_000;

const PUNCT_OR_SPACE = /^[\s\p{P}\p{S}]+$/u;
const ASCII_WORD = /^[a-z0-9][a-z0-9.+]*$/;
const CODE_COMPOUND = /[a-z0-9]+(?:-[a-z0-9]+)+/g;
const CJK_CHAR = /[\u3400-\u9fff\uf900-\ufaff]/;
const ALNUM = /[a-z0-9]/;

export interface Token {
  /** Lexeme as indexed: a lower-cased word, a character bigram, a code, or `#<entity id>` for a lexicon entity. */
  lexeme: string;
  /** The words in the source text this lexeme came from (for highlighting). */
  surface: string;
}

/** What a query term is: a word, a character bigram (or a lone character), a code, or an entity lexeme. */
export type TermKind = 'word' | 'gram' | 'code' | 'entity';

export interface QueryTerm extends Token {
  kind: TermKind;
  /**
   * For a CJK bigram: it straddles a boundary between two words of the query (节多 of 肺结节|多大), and `function` when
   * one of those words is a function or question word (大需 of 多大|需要). Such a pair is an artefact of how the question
   * was phrased, not a word the answer shares with it: the query plan weighs it below the pairs inside a word.
   */
  straddles?: 'content' | 'function';
}

/**
 * Chinese-aware tokenisation for search. Three streams, all on the same folded text (see foldForSearch):
 *  - words: jieba (precise mode) with the radiology lexicon as user dictionary, function words dropped;
 *  - character bigrams of every CJK run (ASCII words count as one unit, so B族, T2期 and 4a类 are bigrams),
 *    which match words no dictionary knows (川崎病, 卒中) and survive typos (磨玻离结节 shares 磨玻, 结节);
 *  - codes and abbreviations (lung-rads, covid-19, t2, 4a) and lexicon entities (`#id`), so GGO,
 *    ground-glass opacity and 磨玻璃结节 share a lexeme.
 * An entity lexeme is always added beside the words it came from, never instead of them.
 */
export class Tokenizer {
  private readonly jieba: Jieba;
  /**
   * What one jieba word of CJK text becomes in the index stream (entity lexeme, the word, both or
   * neither): a pure function of the word, and a corpus repeats its words thousands of times, so it is
   * worked out once per distinct word. Bounded: cleared when full (a parser thread lives for hours).
   */
  private readonly indexWordMemo = new Map<string, readonly Token[]>();

  constructor(readonly lexicon: Lexicon) {
    this.jieba = Jieba.withDict(dict);
    this.jieba.loadDict(Buffer.from(lexicon.jiebaDictionary(), 'utf8'));
  }

  /** Tokens for indexing: words and entity lexemes, then bigrams, then codes. */
  indexTokens(text: string): Token[] {
    const s = this.indexStreams(text);
    return [...s.words, ...s.grams, ...s.codes];
  }

  /** The three index streams separately (words include entity lexemes). */
  indexStreams(text: string): { words: Token[]; grams: Token[]; codes: Token[] } {
    const folded = foldForSearch(text);
    return { words: this.wordTokens(folded, true), grams: gramTokens(folded), codes: codeTokens(folded) };
  }

  /** Query words and entity lexemes (no bigrams): what a question names, for display and entity look-ups. */
  queryTokens(text: string): Token[] {
    return this.wordTokens(foldForSearch(text), false);
  }

  /** Every search term of a query, kind-tagged: words, entities, codes and bigrams (question phrases left out). */
  queryTerms(text: string): QueryTerm[] {
    const folded = foldForSearch(text);
    const words = this.wordTokens(folded, false)
      .filter((t) => !isCjkPair(t.lexeme))
      .map((t): QueryTerm => ({ ...t, kind: t.lexeme.startsWith(ENTITY_PREFIX) ? 'entity' : ASCII_WORD.test(t.lexeme) ? 'code' : 'word' }));
    const stripped = folded.replace(QUESTION_PHRASES, ' ');
    const grams = gramTokens(stripped).filter((t) => !PARTICLE.test(t.lexeme));
    const codes = codeTokens(folded).map((t): QueryTerm => ({ ...t, kind: 'code' }));
    const straddling = this.straddlingPairs(stripped);
    return [
      ...words,
      ...codes,
      ...grams.map((t): QueryTerm => {
        const straddles = straddling.get(t.lexeme);
        return straddles ? { ...t, kind: 'gram', straddles } : { ...t, kind: 'gram' };
      }),
    ];
  }

  /**
   * The CJK character pairs of a text that only occur across a jieba word boundary (never inside one of its words),
   * each marked `function` when a word beside the boundary is a function or question word (STOPWORDS).
   */
  private straddlingPairs(folded: string): Map<string, 'content' | 'function'> {
    const words = this.jieba.cut(folded, true);
    const inside = new Set<string>();
    const across = new Map<string, 'content' | 'function'>();
    words.forEach((w, i) => {
      const chars = [...w];
      for (let k = 1; k < chars.length; k++) inside.add(chars[k - 1] + chars[k]);
      const next = words[i + 1];
      if (!next) return;
      const a = chars.at(-1) ?? '';
      const b = [...next][0] ?? '';
      if (!CJK_CHAR.test(a) || !CJK_CHAR.test(b)) return;
      const kind = STOPWORDS.has(w) || STOPWORDS.has(next) ? 'function' : 'content';
      if (across.get(a + b) !== 'function') across.set(a + b, kind);
    });
    for (const pair of inside) across.delete(pair);
    return across;
  }

  /** Plain words (no entity lexemes), for callers that need readable segmentation. */
  words(text: string): string[] {
    return this.jieba.cut(normalizeText(text), true).filter((w) => !PUNCT_OR_SPACE.test(w));
  }

  /** Words with jieba part-of-speech tags (v verb, n noun, d adverb…), for telling names from predicates. */
  tagged(text: string): Array<{ word: string; tag: string }> {
    return this.jieba.tag(normalizeText(text), true).filter((w) => !PUNCT_OR_SPACE.test(w.word));
  }

  /**
   * Precise-mode words and entity lexemes. A two-character CJK word is left to the bigram stream (it is
   * that bigram); an entity is looked up for whole words only, so 内膜 inside 心内膜 is never 子宫内膜.
   */
  private wordTokens(folded: string, forIndex: boolean): Token[] {
    const out: Token[] = [];
    const asciiRun: string[] = [];
    const flushAscii = () => {
      if (!asciiRun.length) return;
      this.matchAsciiRun(asciiRun, out, forIndex);
      asciiRun.length = 0;
    };
    for (const w of this.jieba.cut(folded, true)) {
      if (forIndex) {
        const known = this.indexWordMemo.get(w);
        if (known) {
          flushAscii();
          for (const t of known) out.push(t);
          continue;
        }
      }
      if (PUNCT_OR_SPACE.test(w)) {
        // Spaces and hyphens join English words into one phrase ("ground-glass opacity"); other punctuation ends it.
        if (!/^[\s-]+$/.test(w)) flushAscii();
        continue;
      }
      if (ASCII_WORD.test(w)) {
        asciiRun.push(w);
        continue;
      }
      flushAscii();
      if (forIndex) {
        for (const t of this.indexWord(w)) out.push(t);
        continue;
      }
      const entity = this.lexicon.lookupForSearch(w);
      if (entity) out.push({ lexeme: ENTITY_PREFIX + entity.id, surface: w });
      if (STOPWORDS.has(w)) continue;
      out.push({ lexeme: w, surface: w });
    }
    flushAscii();
    return out;
  }

  /** The index tokens of one jieba word that is neither punctuation nor ASCII (see wordTokens), remembered; callers must not mutate them. */
  private indexWord(w: string): readonly Token[] {
    const tokens: Token[] = [];
    const entity = this.lexicon.lookupForSearch(w);
    if (entity) tokens.push({ lexeme: ENTITY_PREFIX + entity.id, surface: w });
    if (!STOPWORDS.has(w) && !isCjkPair(w)) tokens.push({ lexeme: w, surface: w });
    if (this.indexWordMemo.size >= WORD_MEMO_LIMIT) this.indexWordMemo.clear();
    this.indexWordMemo.set(w, tokens);
    return tokens;
  }

  /** Greedy longest match of lexicon names over a run of ASCII words; every word is kept too. */
  private matchAsciiRun(words: string[], out: Token[], forIndex: boolean): void {
    let i = 0;
    while (i < words.length) {
      let matched = 0;
      for (let n = Math.min(this.lexicon.maxWords, words.length - i); n >= 1; n--) {
        const phrase = words.slice(i, i + n).join(' ');
        const entity = this.lexicon.lookupForSearch(phrase);
        if (entity) {
          out.push({ lexeme: ENTITY_PREFIX + entity.id, surface: phrase });
          matched = n;
          break;
        }
      }
      const step = Math.max(1, matched);
      for (const w of words.slice(i, i + step)) pushWord(w, out, forIndex);
      i += step;
    }
  }
}

/** A two-character CJK word: the bigram stream already has it. */
function isCjkPair(w: string): boolean {
  return w.length === 2 && CJK_CHAR.test(w[0]) && CJK_CHAR.test(w[1]);
}

function pushWord(w: string, out: Token[], forIndex: boolean): void {
  if (STOPWORDS.has(w) || (w.length === 1 && !/[0-9]/.test(w))) return;
  out.push({ lexeme: w, surface: w });
  if (forIndex) for (const parent of tnmParents(w)) out.push({ lexeme: parent, surface: w });
}

/**
 * Character bigrams over units of folded text: a CJK character, or a run of ASCII letters/digits. A pair
 * is a bigram when one side is CJK (族链, b族, t2期); a CJK character with no neighbour stands alone.
 */
export function gramTokens(folded: string): Token[] {
  const out: Token[] = [];
  let prev: string | null = null;
  let prevCjk = false;
  let runLength = 0;
  let word = '';
  const unit = (u: string, cjk: boolean) => {
    if (prev !== null && (cjk || prevCjk)) out.push({ lexeme: prev + u, surface: prev + u });
    prev = u;
    prevCjk = cjk;
    runLength++;
  };
  const end = () => {
    if (runLength === 1 && prevCjk && prev !== null) out.push({ lexeme: prev, surface: prev });
    prev = null;
    prevCjk = false;
    runLength = 0;
  };
  for (const ch of folded) {
    if (ALNUM.test(ch)) {
      word += ch;
      continue;
    }
    if (word) {
      unit(word, false);
      word = '';
    }
    if (CJK_CHAR.test(ch)) unit(ch, true);
    else end();
  }
  if (word) unit(word, false);
  end();
  return out;
}

/** Hyphenated codes kept whole (lung-rads, covid-19, bi-rads): the words alone are in the word stream. */
function codeTokens(folded: string): Token[] {
  return [...folded.matchAll(CODE_COMPOUND)].map((m) => ({ lexeme: m[0], surface: m[0] }));
}

export { surfaceKey };

const TNM_CODE = /^([cpyr]{0,2})([tnm])(\d)(mi|is|[a-d]\d?)?$/;

/**
 * TNM categories roll up: a passage about cT2a or T2b is also about T2, so a resident's query "T2期"
 * finds the subcategories (indexing side only; a query for T2a stays precise).
 */
export function tnmParents(word: string): string[] {
  const m = TNM_CODE.exec(word);
  if (!m) return [];
  const [, prefix, axis, digit, sub] = m;
  const parents = new Set<string>();
  if (prefix) parents.add(`${axis}${digit}${sub ?? ''}`);
  if (sub) parents.add(`${axis}${digit}`);
  parents.delete(word);
  return [...parents];
}
