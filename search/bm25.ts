import type { Queryable } from '../store/index.ts';
import { firstSeq, NORM_LENGTH } from './postings.ts';
import type { WeightedTerm } from './query-plan.ts';
import { type ScoredSeq, ScoreSums } from './score-sums.ts';
import type { SearchIndexRepository } from './search-index.repository.ts';

export type { ScoredSeq };

// Okapi BM25 constants (Robertson & Sparck Jones): k1 saturates term frequency, b normalises for length.
export const K1 = 1.2;
export const B = 0.75;

export interface Bm25Result {
  /** Chunks containing any query term, best first (at most `limit`). */
  ranked: ScoredSeq[];
  /** How many chunks contain any query term (all of them were scored). */
  matched: number;
  /** IDF of every query term found in the corpus (the rerank weighs terms with it). */
  idf: Map<string, number>;
  /**
   * The plain bigram BM25 (see plainBigrams) by posting lists: its best chunks (at most `limit`) and the IDF of the
   * query's plain bigrams. Our index adds heading weight, titles and carried subjects to a chunk's lists, so this only
   * chooses which chunks to read; plainScores() orders them as the baseline does.
   */
  plain: { ranked: ScoredSeq[]; idf: Map<string, number> };
}

/**
 * Exact BM25 over the posting lists of the query's terms: every chunk containing any term is scored,
 * Σ weight·idf·tf(k1+1)/(tf + k1(1 − b + b·len/avglen)), with IDF ln(1 + (N − df + 0.5)/(df + 0.5)) from
 * the incrementally kept corpus statistics. Cost is the total length of the query terms' lists — no
 * per-candidate SQL and no candidate cap, so a chunk naming a rare disease is never dropped for an
 * arbitrary subset of the chunks containing a common word.
 */
export async function bm25(db: Queryable, index: SearchIndexRepository, terms: WeightedTerm[], limit: number, plain: string[] = []): Promise<Bm25Result> {
  const planTerms = new Set(terms.map((t) => t.lexeme));
  // The plain bigrams the plan lacks (「症的」「的影」) need only their document frequency, never their (long) lists.
  const plainTerms = [...new Set(plain)];
  const [lists, stats, extraDf] = await Promise.all([
    index.postings(db, [...planTerms]),
    index.corpusStats(db),
    index.documentFrequencies(db, plainTerms.filter((t) => !planTerms.has(t))),
  ]);
  const idf = new Map<string, number>();
  const plainIdf = new Map<string, number>();
  if (stats.n === 0 || lists.size === 0) return { ranked: [], matched: 0, idf, plain: { ranked: [], idf: plainIdf } };
  // Length normalisation depends only on the norm byte: one table per query.
  const lengthFactor = new Float64Array(256);
  for (let b = 0; b < 256; b++) lengthFactor[b] = K1 * (1 - B + (B * NORM_LENGTH[b]) / stats.avgdl);
  // Seqs beyond a few times the live chunks mean a corpus reindexed many times: ScoreSums falls back to a Map there.
  let base = Number.POSITIVE_INFINITY;
  for (const p of lists.values()) for (const data of p.lists) if (data.length) base = Math.min(base, firstSeq(data));
  const maxSpan = 4 * stats.n + 65_536;
  const scores = new ScoreSums(base, maxSpan);
  for (const t of terms) {
    const p = lists.get(t.lexeme);
    if (!p) continue;
    const df = Math.min(p.df, stats.n);
    const w = Math.log(1 + (stats.n - df + 0.5) / (df + 0.5));
    idf.set(t.lexeme, w);
    const scale = t.weight * w * (K1 + 1);
    for (const data of p.lists) scores.addList(data, scale, lengthFactor);
  }
  // The same sum with every distinct plain bigram at weight 1 (no dictionary words, entities, synonyms or stopwords),
  // over the lists already read: it picks which chunks plainScores() reads; every plain bigram gets its IDF.
  const plainByChunk = new ScoreSums(base, maxSpan);
  for (const term of plainTerms) {
    const p = lists.get(term);
    const df = Math.min(p?.df ?? extraDf.get(term) ?? 0, stats.n);
    if (df === 0) continue;
    plainIdf.set(term, Math.log(1 + (stats.n - df + 0.5) / (df + 0.5)));
    const scale = (plainIdf.get(term) as number) * (K1 + 1);
    for (const data of p?.lists ?? []) plainByChunk.addList(data, scale, lengthFactor);
  }
  return { ranked: scores.topK(limit), matched: scores.matched, idf, plain: { ranked: plainByChunk.topK(limit), idf: plainIdf } };
}

/**
 * The plain bigram BM25 of a few passages, read from their text: term frequencies and lengths exactly as the baseline
 * counts them (bigrams of heading path + text, not our index's heading weight, title or carried subject), IDF from the
 * corpus posting lists, lengths normalised against the passages' mean. Posting-list scores (bm25() `plain`) only
 * choose which passages to read; this decides the baseline's order among them.
 */
/** The baseline's normalisation (NFKC, lower case): cheaper than foldForSearch, and the baseline's own definition. */
export const plainText = (text: string): string => text.normalize('NFKC').toLowerCase();

export function plainScores(terms: string[], idf: ReadonlyMap<string, number>, passages: Array<{ id: string; text: string }>): Map<string, number> {
  const wanted = new Set(terms.filter((t) => idf.has(t)));
  const docs = passages.map((p) => {
    const tokens = plainBigrams(p.text);
    const tf = new Map<string, number>();
    for (const t of tokens) if (wanted.has(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
    return { id: p.id, length: tokens.length, tf };
  });
  const avgdl = Math.max(1, docs.reduce((s, d) => s + d.length, 0) / Math.max(1, docs.length));
  const out = new Map<string, number>();
  for (const d of docs) {
    let score = 0;
    for (const [t, n] of d.tf) score += ((idf.get(t) as number) * n * (K1 + 1)) / (n + K1 * (1 - B + (B * d.length) / avgdl));
    out.set(d.id, score);
  }
  return out;
}

/**
 * A text's terms as the plain bigram-BM25 baseline cuts them (evals/baseline/bigram-bm25.ts): the character bigrams of
 * each CJK run (a lone CJK character stays a unigram) and ASCII words. No dictionary, no stopwords. Give it normalised
 * text (plainText).
 */
export function plainBigrams(folded: string): string[] {
  const out: string[] = [];
  for (const run of folded.match(/[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+/g) ?? []) {
    const chars = [...run];
    if (/^[a-z0-9]/.test(run) || chars.length === 1) out.push(run);
    else for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
  }
  return out;
}
