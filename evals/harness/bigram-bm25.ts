import type { Queryable } from '../../store/index.ts';

/**
 * The baseline every retrieval number is printed beside (DESIGN.md: retrieval must never rank below it):
 * plain BM25 (k1 1.2, b 0.75) over overlapping character bigrams of each chunk as indexed (heading path and
 * text), NFKC-folded, lower-cased, whitespace and punctuation dropped. No segmentation, lexicon, synonyms,
 * vectors or rerank. Built in memory from the chunks table, so it ranks exactly the chunks the product does.
 */
export class BigramBm25 {
  private readonly docs: Array<{ id: string; sourceId: string; pageStart: number; pageEnd: number; tf: Map<string, number>; len: number }> = [];
  private readonly df = new Map<string, number>();
  private avgLen = 0;

  static async fromChunks(db: Queryable): Promise<BigramBm25> {
    const { rows } = await db.query<{ id: string; source_id: string; page_start: number; page_end: number; heading_path: string[]; text: string }>(
      'SELECT id, source_id, page_start, page_end, heading_path, text FROM chunks ORDER BY source_id, ordinal',
    );
    const index = new BigramBm25();
    for (const r of rows) index.add(r.id, r.source_id, r.page_start, r.page_end, `${r.heading_path.join(' ')}\n${r.text}`);
    index.avgLen = index.docs.reduce((n, d) => n + d.len, 0) / Math.max(1, index.docs.length);
    return index;
  }

  private add(id: string, sourceId: string, pageStart: number, pageEnd: number, text: string): void {
    const grams = bigrams(text);
    const tf = new Map<string, number>();
    for (const g of grams) tf.set(g, (tf.get(g) ?? 0) + 1);
    for (const g of tf.keys()) this.df.set(g, (this.df.get(g) ?? 0) + 1);
    this.docs.push({ id, sourceId, pageStart, pageEnd, tf, len: grams.length });
  }

  /** The top `k` chunks for a query, best first. */
  search(query: string, k = 10): Array<{ chunkId: string; sourceId: string; pageStart: number; pageEnd: number; score: number }> {
    const q = [...new Set(bigrams(query))];
    const n = this.docs.length;
    const scored = [];
    for (const d of this.docs) {
      let s = 0;
      for (const g of q) {
        const f = d.tf.get(g);
        if (!f) continue;
        const df = this.df.get(g) ?? 0;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        s += (idf * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * d.len) / this.avgLen));
      }
      if (s > 0) scored.push({ chunkId: d.id, sourceId: d.sourceId, pageStart: d.pageStart, pageEnd: d.pageEnd, score: s });
    }
    return scored.sort((a, b) => b.score - a.score).slice(0, k);
  }
}

/** Overlapping two-character windows of the text with whitespace and punctuation removed. */
export function bigrams(text: string): string[] {
  const s = text.normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, '');
  const chars = Array.from(s);
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
  return out;
}
