import { type Lexicon, type LexiconEntry, surfaceKey, type Tokenizer } from '../../../core/index.ts';

/** A preposition jieba may join to the short name after it. */
const GLUED_PREPOSITION = /^[以于在从经向至自][\u4e00-\u9fff]{1,2}$/;

/** A word of the tokenizer's segmentation and where it starts in the text. */
export interface PositionedWord {
  word: string;
  start: number;
}

/** A lexicon entity named in the text: `text === source.slice(start, end)`. */
export interface EntityMention {
  start: number;
  end: number;
  text: string;
  entry: LexiconEntry;
}

const ASCII_ALNUM = /[A-Za-z0-9]/;
const DIGIT = /[0-9]/;
/** Characters a name never starts or ends with, though its key would ignore them ("MRI/" keys as "mri"). */
const EDGE = /[\s\-_/]/;
const CJK_LATIN = /[\u3400-\u9fff](?=[a-z0-9])|[a-z0-9](?=[\u3400-\u9fff])/g;
const SPACE_BY_CJK = / (?=[\u3400-\u9fff])|(?<=[\u3400-\u9fff]) /g;

/**
 * Entity mentions by leftmost-longest match of lexicon names and aliases, with character offsets.
 * It reuses both halves of the search tokenizer: names are looked up with `Lexicon.lookup` (the one
 * normalised surface map), and a match must start and end on a word boundary of the tokenizer's jieba
 * segmentation (the lexicon is its user dictionary), so 气管 is not found inside 支气管 nor 胰腺 inside
 * 胰腺炎. Jieba alone is not enough: its words carry no offsets, and English names span several words.
 */
export class MentionFinder {
  /** For each first character of a surface key: the surface lengths to try, longest first. */
  private readonly lengths = new Map<string, number[]>();
  private readonly keyChars = new Map<string, string>();

  constructor(
    private readonly lexicon: Lexicon,
    private readonly tokenizer: Tokenizer,
  ) {
    const sets = new Map<string, Set<number>>();
    for (const e of lexicon.entries) {
      for (const s of lexicon.surfaces(e.id)) {
        const key = surfaceKey(s);
        if (!key) continue;
        const set = sets.get(key[0]) ?? new Set<number>();
        // Raw and keyed lengths differ for compatibility forms (Ⅳ is one character, its key "iv" two).
        set.add(s.trim().length);
        set.add(key.length);
        // Typeset text spaces Latin inside Chinese ("反 S 征", "胸部 CT"): allow one space per script change.
        const changes = key.match(CJK_LATIN)?.length ?? 0;
        for (let k = 1; k <= changes; k++) set.add(key.length + k);
        sets.set(key[0], set);
      }
    }
    for (const [ch, set] of sets) this.lengths.set(ch, [...set].sort((a, b) => b - a));
  }

  /** Mentions in `text`, left to right, never overlapping (`words`: the text's jieba words, when already segmented). */
  find(text: string, words: readonly PositionedWord[] = this.segment(text)): EntityMention[] {
    const bound = this.boundaries(text, words);
    const out: EntityMention[] = [];
    let i = 0;
    while (i < text.length) {
      const lengths = bound[i] && !EDGE.test(text[i]) ? this.lengths.get(this.keyChar(text[i])) : undefined;
      let matched = 0;
      if (lengths) {
        for (const len of lengths) {
          const end = i + len;
          if (end > text.length || !bound[end] || EDGE.test(text[end - 1])) continue;
          const entry = this.lookup(text.slice(i, end));
          if (entry) {
            out.push({ start: i, end, text: text.slice(i, end), entry });
            matched = len;
            break;
          }
        }
      }
      i += matched || 1;
    }
    return out;
  }

  /**
   * `bound[i]`: a name may start or end at offset i. Jieba word edges and everything outside words
   * (punctuation, spaces) are boundaries; inside an ASCII run a digit-to-letter step is one too, so
   * the categories of "T2N0M0" are found. A word jieba returns normalised (and so not found
   * verbatim) leaves its span unconstrained rather than unmatchable.
   */
  private boundaries(text: string, words: readonly PositionedWord[]): Uint8Array {
    const bound = new Uint8Array(text.length + 1).fill(1);
    for (const { word: w, start: at } of words) {
      for (let k = at + 1; k < at + w.length; k++) {
        bound[k] = ASCII_ALNUM.test(text[k]) && DIGIT.test(text[k - 1]) && !DIGIT.test(text[k]) ? 1 : 0;
      }
      // Jieba glues a preposition to a one- or two-character organ (以胃, 于肝, 在肺): the name after it still starts a word.
      if (GLUED_PREPOSITION.test(w) && this.lexicon.lookup(w.slice(1))) bound[at + 1] = 1;
    }
    return bound;
  }

  /** The tokenizer's words of `text` with their offsets (a word jieba returns normalised and not found verbatim is left out). */
  segment(text: string): PositionedWord[] {
    const out: PositionedWord[] = [];
    let cursor = 0;
    for (const w of this.tokenizer.words(text)) {
      const at = text.indexOf(w, cursor);
      if (at < 0) continue;
      out.push({ word: w, start: at });
      cursor = at + w.length;
    }
    return out;
  }

  private lookup(surface: string): LexiconEntry | undefined {
    const entry = this.lexicon.lookup(surface);
    if (entry || !surface.includes(' ')) return entry;
    const compact = surface.replace(SPACE_BY_CJK, '');
    return compact === surface ? undefined : this.lexicon.lookup(compact);
  }

  private keyChar(ch: string): string {
    const code = ch.charCodeAt(0);
    if (code < 128) return code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : ch;
    let k = this.keyChars.get(ch);
    if (k === undefined) {
      k = surfaceKey(ch)[0] ?? ch;
      this.keyChars.set(ch, k);
    }
    return k;
  }
}
