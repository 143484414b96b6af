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

  constructor(
    private readonly tokenizer: Tokenizer,
    readonly dims = 256,
  ) {
    this.model = `hash-ngram-v1-${dims}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  embedOne(text: string): Float32Array {
    const counts = new Map<string, number>();
    const bump = (f: string, w: number) => counts.set(f, (counts.get(f) ?? 0) + w);
    const chars = [...normalizeText(text).toLowerCase().replace(/\s+/g, '')];
    for (let i = 0; i < chars.length; i++) {
      bump(`c:${chars[i]}`, 0.3);
      if (i + 1 < chars.length) bump(`b:${chars[i]}${chars[i + 1]}`, 0.6);
    }
    for (const t of this.tokenizer.queryTokens(text)) bump(`w:${t.lexeme}`, t.lexeme.startsWith(ENTITY_PREFIX) ? 2.5 : 1);
    const v = new Float32Array(this.dims);
    for (const [feature, c] of counts) {
      const h = fnv1a(feature);
      const sign = h & 0x80000000 ? -1 : 1;
      v[h % this.dims] += sign * (1 + Math.log(c));
    }
    return l2normalize(v);
  }
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
