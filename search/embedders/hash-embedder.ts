import { ENTITY_PREFIX, normalizeText, type Tokenizer } from '../../core/index.ts';
import { type Embedder, l2normalize } from './embedder.ts';

/**
 * Offline default embedder: signed feature hashing of character unigrams/bigrams, jieba words and
 * lexicon entities into a fixed-size vector. No model download, deterministic, fast, and — because
 * entity lexemes are features — "GGO" and "磨玻璃结节" land near each other. It is a lexical-semantic
 * vector, not a neural one; Ollama / OpenAI-compatible embedders replace it by configuration.
 */
export class HashEmbedder implements Embedder {
  readonly model: string;
  readonly lexical = true;

  constructor(
    private readonly tokenizer: Tokenizer,
    readonly dims = 256,
  ) {
    this.model = `hash-ngram-v1-${dims}`;
  }

  async embed(texts: string[], _purpose: 'document' | 'query', lexemes?: string[][]): Promise<Float32Array[]> {
    return texts.map((t, i) => this.embedOne(t, lexemes?.[i]));
  }

  embedOne(text: string, lexemes = this.tokenizer.indexTokens(text).map((t) => t.lexeme)): Float32Array {
    // Features are hashed to 32-bit keys straight from code points: no per-feature strings on the hot path.
    const counts = new Map<number, number>();
    const bump = (h: number, w: number) => counts.set(h, (counts.get(h) ?? 0) + w);
    const s = normalizeText(text).toLowerCase();
    let prev = -1;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c <= 32) continue;
      bump(mix(0x9e3779b1, c), 0.3);
      if (prev >= 0) bump(mix(mix(0x85ebca6b, prev), c), 0.6);
      prev = c;
    }
    const lexemeCounts = new Map<string, number>();
    for (const l of lexemes) lexemeCounts.set(l, (lexemeCounts.get(l) ?? 0) + 1);
    for (const [l, n] of lexemeCounts) bump(fnv1a(l), (l.startsWith(ENTITY_PREFIX) ? 2.5 : 1) * n);
    const v = new Float32Array(this.dims);
    for (const [h, c] of counts) {
      const sign = h & 0x80000000 ? -1 : 1;
      v[(h >>> 0) % this.dims] += sign * (1 + Math.log(c));
    }
    return l2normalize(v);
  }
}

/** Murmur3-style 32-bit mixing of a seed and a value. */
function mix(seed: number, value: number): number {
  let h = Math.imul(seed ^ value, 0xcc9e2d51);
  h = (h << 15) | (h >>> 17);
  h = Math.imul(h, 0x1b873593);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** 32-bit FNV-1a over UTF-16 code units: tiny, fast, and stable across platforms. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
