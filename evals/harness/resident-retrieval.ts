import type { Runtime } from '../../runtime/index.ts';
import { BigramBm25 } from './bigram-bm25.ts';
import type { AnswerCase } from './datasets.ts';

export interface RankScore {
  queries: number;
  recallAt5: number;
  recallAt10: number;
  mrr: number;
}

/** Retrieval on the resident set: ours (the product's search) beside the plain bigram BM25, overall and per question type. */
export interface ResidentRetrieval {
  ours: RankScore;
  bigram: RankScore;
  byType: Array<{ type: string; ours: RankScore; bigram: RankScore }>;
  /** Questions whose expected page neither engine ranks in the top 10. */
  misses: { ours: string[]; bigram: string[] };
}

type Hit = { sourceId: string; pageStart: number; pageEnd: number };

function score(ranks: Array<number | null>): RankScore {
  const n = ranks.length || 1;
  return {
    queries: ranks.length,
    recallAt5: ranks.filter((r) => r !== null && r < 5).length / n,
    recallAt10: ranks.filter((r) => r !== null && r < 10).length / n,
    mrr: ranks.reduce<number>((s, r) => s + (r === null ? 0 : 1 / (r + 1)), 0) / n,
  };
}

/**
 * Rank of the first hit from an expected document whose page range covers an expected page. Answerable
 * questions only (a refusal has no page). Both engines rank the same chunks: the product's index.
 */
export async function evaluateResidentRetrieval(rt: Runtime, cases: AnswerCase[]): Promise<ResidentRetrieval> {
  const stemOf = new Map<string, string>();
  for (const s of (await rt.sources.list({ limit: 1000 })).items) stemOf.set(s.id, s.fileName.replace(/\.(md|pdf|html?|txt)$/i, ''));
  const bigram = await BigramBm25.fromChunks(rt.db);
  const answerable = cases.filter((c) => !c.expectRefusal && c.expectedPages?.length);
  const rankOf = (c: AnswerCase, hits: Hit[]) => {
    const r = hits.findIndex((h) => (c.expectedPages ?? []).some((e) => stemOf.get(h.sourceId) === e.doc && e.page >= h.pageStart && e.page <= h.pageEnd));
    return r < 0 ? null : r;
  };
  const rows: Array<{ id: string; type: string; ours: number | null; bigram: number | null }> = [];
  for (const c of answerable) {
    const ours = (await rt.search.search({ q: c.question, top: 10 })).results;
    rows.push({ id: c.id, type: c.type ?? 'other', ours: rankOf(c, ours), bigram: rankOf(c, bigram.search(c.question, 10)) });
  }
  const types = [...new Set(rows.map((r) => r.type))];
  return {
    ours: score(rows.map((r) => r.ours)),
    bigram: score(rows.map((r) => r.bigram)),
    byType: types.map((type) => {
      const of = rows.filter((r) => r.type === type);
      return { type, ours: score(of.map((r) => r.ours)), bigram: score(of.map((r) => r.bigram)) };
    }),
    misses: { ours: rows.filter((r) => r.ours === null).map((r) => r.id), bigram: rows.filter((r) => r.bigram === null).map((r) => r.id) },
  };
}
