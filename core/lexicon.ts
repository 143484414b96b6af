import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { surfaceKey } from './text.ts';

export const EntityTypeSchema = z.enum([
  'Disease', 'Sign', 'Finding', 'Anatomy', 'Modality', 'Exam', 'Treatment', 'Drug', 'Procedure', 'Stage',
]);
export type EntityType = z.infer<typeof EntityTypeSchema>;

export const LexiconEntrySchema = z.object({
  id: z.string().regex(/^[a-z]+\.[a-z0-9_.-]+$/),
  type: EntityTypeSchema,
  zh: z.string().min(1),
  en: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  icd10: z.string().optional(),
});
export type LexiconEntry = z.infer<typeof LexiconEntrySchema>;

/** Characters that surfaceKey() would change: upper case, separators, full-width and compatibility forms. */
const NEEDS_KEYING = /[A-Z\s\-_/\u2e80-\u2fdf\uf900-\ufaff\uff00-\uffef]/;

/** jieba frequency of lexicon words: high, so 磨玻璃结节 stays one word. */
const FREQ = 50000;
/**
 * A truncation alias (内膜 of 子宫内膜) is known to jieba but rare, so it never splits a longer word of
 * the default dictionary (心内膜 stays whole instead of 心 + 内膜).
 */
const TRUNCATION_FREQ = 10;

export const DEFAULT_LEXICON_PATH = fileURLToPath(new URL('./lexicon/radiology-lexicon.jsonl', import.meta.url));

/**
 * The radiology lexicon: canonical entities with Chinese/English names and aliases. It feeds the
 * jieba user dictionary (so 磨玻璃结节 stays one token) and synonym expansion (GGO ↔ 磨玻璃结节).
 */
export class Lexicon {
  readonly entries: readonly LexiconEntry[];
  private readonly bySurface = new Map<string, LexiconEntry>();
  private readonly byId = new Map<string, LexiconEntry>();
  /** Longest alias in words, bounding the n-gram window used to spot multi-word English names. */
  readonly maxWords: number;

  constructor(entries: LexiconEntry[]) {
    this.entries = entries;
    let maxWords = 1;
    for (const e of entries) {
      this.byId.set(e.id, e);
      for (const s of surfacesOf(e)) {
        const key = surfaceKey(s);
        if (!key || this.bySurface.has(key)) continue; // first entity wins; the lexicon test forbids collisions
        this.bySurface.set(key, e);
        maxWords = Math.max(maxWords, key.split(' ').length);
      }
    }
    this.maxWords = Math.min(maxWords, 6);
  }

  static load(file = DEFAULT_LEXICON_PATH): Lexicon {
    const lines = readFileSync(file, 'utf8').split('\n');
    const entries: LexiconEntry[] = [];
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      const parsed = LexiconEntrySchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues[0]?.message}`);
      entries.push(parsed.data);
    });
    return new Lexicon(entries);
  }

  /** Entity whose name or alias equals `surface` (case/width/hyphen-insensitive), or undefined. */
  lookup(surface: string): LexiconEntry | undefined {
    // Hot path during indexing: tokens are already normalised and lower-cased, so most need no re-keying.
    if (!NEEDS_KEYING.test(surface)) return this.bySurface.get(surface);
    return this.bySurface.get(surfaceKey(surface));
  }

  /**
   * Like lookup(), for search and segmentation: a short truncation of an entity's own name (内膜 for
   * 子宫内膜: two CJK characters or fewer, inside the preferred name) is too ambiguous to stand for the
   * entity (心内膜 is not 子宫内膜), so it resolves to nothing here.
   */
  lookupForSearch(surface: string): LexiconEntry | undefined {
    const e = this.lookup(surface);
    return e && isTruncation(surfaceKey(surface), e) ? undefined : e;
  }

  get(id: string): LexiconEntry | undefined {
    return this.byId.get(id);
  }

  /** All names a user may have meant by this entity (for highlighting and display). */
  surfaces(id: string): string[] {
    const e = this.byId.get(id);
    return e ? surfacesOf(e) : [];
  }

  /** Chinese surfaces for the jieba user dictionary, one `word freq tag` line each. */
  jiebaDictionary(): string {
    const words = new Map<string, number>();
    for (const e of this.entries) {
      for (const s of surfacesOf(e)) {
        const w = s.trim();
        // jieba's dictionary format is space-separated, so multi-word (English) names are matched as n-grams instead.
        if (w && !/\s/.test(w) && /[\u3400-\u9fff]/.test(w)) words.set(w, Math.min(words.get(w) ?? FREQ, isTruncation(w, e) ? TRUNCATION_FREQ : FREQ));
      }
    }
    // A frequency is required: entries without one are silently ignored by @node-rs/jieba.
    return [...words].map(([w, f]) => `${w} ${f} n`).join('\n');
  }
}

/** A CJK alias of at most two characters that is part of the entity's Chinese name (内膜 of 子宫内膜). */
function isTruncation(alias: string, e: LexiconEntry): boolean {
  return alias !== e.zh && [...alias].length <= 2 && /^[\u3400-\u9fff]+$/.test(alias) && e.zh.includes(alias);
}

function surfacesOf(e: LexiconEntry): string[] {
  return [e.zh, e.en, ...e.aliases];
}
