import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import type { Lexicon } from './lexicon.ts';
import { normalizeText, surfaceKey } from './text.ts';

/** Lexemes for entities are prefixed so they never collide with a plain word. */
export const ENTITY_PREFIX = '#';

const STOPWORDS = new Set(
  (
    '的 了 和 与 及 或 等 是 在 为 对 有 中 以 于 其 该 被 将 由 从 并 而 也 可 其他 一个 这 那 之 上 下 '
    + '应 需 时 后 前 内 外 者 如 若 则 但 即 又 所 各 每 本 此 个 种 项 次 期 我 你 他 吗 呢 吧 '
    // question words and fillers residents type into the search box ("肺结节多大需要随访？")
    + '什么 哪些 哪个 如何 怎么 怎样 怎么样 多少 多大 多久 是否 能否 可以 需要 应该 意味着 意思 为什么 有没有 有何 何时 一下 请问 '
    + 'a an the of and or to in on for with by at as is are be was were this that these those from it its into'
  ).split(/\s+/),
);

const PUNCT_OR_SPACE = /^[\s\p{P}\p{S}]+$/u;
const ASCII_WORD = /^[a-z0-9][a-z0-9.+]*$/;

export interface Token {
  /** Lexeme as indexed: a lower-cased word, or `#<entity id>` for a lexicon entity. */
  lexeme: string;
  /** The words in the source text this lexeme came from (for highlighting). */
  surface: string;
}

/**
 * Chinese-aware segmentation: jieba with the radiology lexicon as user dictionary, plus lexicon
 * matching for multi-word English names and abbreviations, so "GGO", "ground-glass opacity" and
 * "磨玻璃结节" all produce the same entity lexeme.
 */
export class Tokenizer {
  private readonly jieba: Jieba;

  constructor(readonly lexicon: Lexicon) {
    this.jieba = Jieba.withDict(dict);
    this.jieba.loadDict(Buffer.from(lexicon.jiebaDictionary(), 'utf8'));
  }

  /** Tokens for indexing: search-mode segmentation (compounds and their parts) and entity lexemes. */
  indexTokens(text: string): Token[] {
    return this.tokens(text, true);
  }

  /** Tokens for a query: precise segmentation, entity words replaced by their entity lexeme. */
  queryTokens(text: string): Token[] {
    return this.tokens(text, false);
  }

  /** Plain words (no entity lexemes), for callers that need readable segmentation. */
  words(text: string): string[] {
    return this.jieba.cut(normalizeText(text), true).filter((w) => !PUNCT_OR_SPACE.test(w));
  }

  /** Words with jieba part-of-speech tags (v verb, n noun, d adverb…), for telling names from predicates. */
  tagged(text: string): Array<{ word: string; tag: string }> {
    return this.jieba.tag(normalizeText(text), true).filter((w) => !PUNCT_OR_SPACE.test(w.word));
  }

  private tokens(text: string, forIndex: boolean): Token[] {
    const normalized = normalizeText(text);
    const raw = forIndex ? this.jieba.cutForSearch(normalized, true) : this.jieba.cut(normalized, true);
    const out: Token[] = [];
    const asciiRun: string[] = [];
    const flushAscii = () => {
      if (asciiRun.length) this.matchAsciiRun(asciiRun, out, forIndex);
      asciiRun.length = 0;
    };
    for (const w of raw) {
      if (PUNCT_OR_SPACE.test(w)) {
        // Spaces and hyphens join English words into one phrase ("ground-glass opacity"); other punctuation ends it.
        if (!/^[\s-]+$/.test(w)) flushAscii();
        continue;
      }
      const lower = w.toLowerCase();
      if (ASCII_WORD.test(lower)) {
        asciiRun.push(lower);
        continue;
      }
      flushAscii();
      if (STOPWORDS.has(lower)) continue;
      const entity = this.lexicon.lookup(lower);
      if (entity) {
        out.push({ lexeme: ENTITY_PREFIX + entity.id, surface: w });
        if (forIndex) out.push({ lexeme: lower, surface: w });
      } else {
        out.push({ lexeme: lower, surface: w });
      }
    }
    flushAscii();
    return out;
  }

  /** Greedy longest match of lexicon names over a run of ASCII words; unmatched words pass through. */
  private matchAsciiRun(words: string[], out: Token[], forIndex: boolean): void {
    let i = 0;
    while (i < words.length) {
      let matched = 0;
      for (let n = Math.min(this.lexicon.maxWords, words.length - i); n >= 1; n--) {
        const phrase = words.slice(i, i + n).join(' ');
        const entity = this.lexicon.lookup(phrase);
        if (entity) {
          out.push({ lexeme: ENTITY_PREFIX + entity.id, surface: phrase });
          if (forIndex) for (const w of words.slice(i, i + n)) this.pushWord(w, out, true);
          matched = n;
          break;
        }
      }
      if (matched === 0) {
        this.pushWord(words[i], out, forIndex);
        matched = 1;
      }
      i += matched;
    }
  }

  private pushWord(w: string, out: Token[], forIndex: boolean): void {
    if (STOPWORDS.has(w) || (w.length === 1 && !/[0-9]/.test(w))) return;
    out.push({ lexeme: w, surface: w });
    if (forIndex) for (const parent of tnmParents(w)) out.push({ lexeme: parent, surface: w });
  }
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
