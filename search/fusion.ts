import type { Embedder } from './embedders/embedder.ts';

/** How much each first-stage retriever counts in the fused score (both scores normalised to 0–1). */
export interface FusionWeights {
  lexical: number;
  vector: number;
}

/**
 * Calibrated per embedder. The offline hash embedder is lexical itself and noisy on real text (alone it
 * finds a tenth of what BM25 finds on textbook sentences): it only breaks near-ties and adds candidates
 * BM25 lacks, and can never lift a passage over BM25's clear winners. A neural embedder carries meaning
 * BM25 misses (synonyms without a shared character) and weighs more.
 */
export function fusionWeightsFor(embedder: Pick<Embedder, 'lexical'>): FusionWeights {
  return embedder.lexical ? { lexical: 1, vector: 0.1 } : { lexical: 0.7, vector: 0.3 };
}

export interface FusedCandidate {
  id: string;
  score: number;
  lexicalRank: number | null;
  vectorRank: number | null;
}

/**
 * Score-aware fusion: BM25 scores divided by the best BM25 score, cosine similarities divided by the best
 * similarity, weighted and summed. Unlike reciprocal rank fusion, a retriever's confidence counts: being
 * ranked by both lists is not rewarded by itself, so a weak retriever's list cannot push a strong one's
 * first hit down.
 */
export function fuse(lexical: Array<{ id: string; score: number }>, vector: Array<{ id: string; distance: number }>, w: FusionWeights): FusedCandidate[] {
  const byId = new Map<string, FusedCandidate>();
  const topLexical = lexical[0]?.score || 1;
  for (const [i, r] of lexical.entries()) byId.set(r.id, { id: r.id, score: (w.lexical * r.score) / topLexical, lexicalRank: i + 1, vectorRank: null });
  const topSim = Math.max(1e-9, ...vector.map((v) => 1 - v.distance));
  vector.forEach((v, i) => {
    const part = (w.vector * Math.max(0, 1 - v.distance)) / topSim;
    const e = byId.get(v.id);
    if (e) {
      e.score += part;
      e.vectorRank = i + 1;
    } else byId.set(v.id, { id: v.id, score: part, lexicalRank: null, vectorRank: i + 1 });
  });
  return [...byId.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
