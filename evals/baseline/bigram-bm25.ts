/**
 * The baseline every retrieval evaluation prints beside ours: a plain Okapi BM25 (k1 1.2, b 0.75) over
 * character bigrams of CJK runs and lower-cased ASCII words, no dictionary, no synonyms, no stopwords.
 * In-process and exact (every matching document is scored). Written here rather than taken from a
 * library because a search library's own scoring (MiniSearch's BM25+ with field boosts, FlexSearch's
 * resolution scores) is not the plain baseline the comparison is defined against; both libraries run in
 * the bench as latency peers.
 */

const K1 = 1.2;
const B = 0.75;
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** Character bigrams of CJK runs (a lone CJK character stays a unigram) and ASCII words. */
export function bigramTokens(text: string): string[] {
  const s = text.normalize('NFKC').toLowerCase();
  const out: string[] = [];
  let run = '';
  let word = '';
  const flushRun = () => {
    const chars = [...run];
    if (chars.length === 1) out.push(chars[0]);
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
    run = '';
  };
  const flushWord = () => {
    if (word) out.push(word);
    word = '';
  };
  for (const ch of s) {
    if (CJK.test(ch)) {
      flushWord();
      run += ch;
    } else if (/[a-z0-9]/.test(ch)) {
      flushRun();
      word += ch;
    } else {
      flushRun();
      flushWord();
    }
  }
  flushRun();
  flushWord();
  return out;
}

export interface BaselineHit {
  id: string;
  score: number;
}

/** An immutable BM25 index over documents given once. */
export class BigramBm25 {
  private readonly ids: string[] = [];
  private readonly lengths: number[] = [];
  private readonly postings = new Map<string, { docs: number[]; tfs: number[] }>();
  private avgdl = 1;

  constructor(docs: Array<{ id: string; text: string }>, private readonly tokenize: (text: string) => string[] = bigramTokens) {
    let total = 0;
    for (const d of docs) {
      const n = this.ids.length;
      this.ids.push(d.id);
      const tokens = tokenize(d.text);
      this.lengths.push(tokens.length);
      total += tokens.length;
      const tf = new Map<string, number>();
      for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, c] of tf) {
        let p = this.postings.get(t);
        if (!p) {
          p = { docs: [], tfs: [] };
          this.postings.set(t, p);
        }
        p.docs.push(n);
        p.tfs.push(c);
      }
    }
    this.avgdl = Math.max(1, total / Math.max(1, docs.length));
  }

  get size(): number {
    return this.ids.length;
  }

  /** The `top` best documents for a query (ties broken by insertion order). */
  search(query: string, top = 10): BaselineHit[] {
    const n = this.ids.length;
    const scores = new Map<number, number>();
    for (const term of new Set(this.tokenize(query))) {
      const p = this.postings.get(term);
      if (!p) continue;
      const df = p.docs.length;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = 0; i < p.docs.length; i++) {
        const d = p.docs[i];
        const tf = p.tfs[i];
        const s = (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * this.lengths[d]) / this.avgdl));
        scores.set(d, (scores.get(d) ?? 0) + s);
      }
    }
    return [...scores.entries()]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, top)
      .map(([d, score]) => ({ id: this.ids[d], score }));
  }
}
