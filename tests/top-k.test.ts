import { describe, expect, it } from 'vitest';
import { TopK, topK } from '../core/index.ts';
import { B, bm25, K1 } from '../search/bm25.ts';
import { topKOfMap as bm25TopK } from '../search/score-sums.ts';
import { buildSegment, decodePostings, NORM_LENGTH } from '../search/postings.ts';
import type { SearchIndexRepository, TermPostings } from '../search/search-index.repository.ts';
import type { Queryable } from '../store/index.ts';

/** A small deterministic generator, so a failure is reproducible. */
function lcg(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

/**
 * core's bounded min-heap (BM25's top chunks, the similar-case index's vector recall): the result is exactly the
 * first k of a full sort, ties broken by the caller's order, for any input order and any k.
 */
describe('TopK', () => {
  it('equals the first k of a full sort, with many ties, for k from 0 past the input size', () => {
    const rnd = lcg(7);
    for (let round = 0; round < 40; round++) {
      const n = Math.floor(rnd() * 60);
      // Few distinct scores: most comparisons are ties, decided by the index.
      const items = Array.from({ length: n }, (_, i) => ({ id: i, score: Math.floor(rnd() * 5) }));
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      const before = (a: (typeof items)[0], b: (typeof items)[0]) => a.score > b.score || (a.score === b.score && a.id < b.id);
      const full = [...items].sort((a, b) => b.score - a.score || a.id - b.id);
      for (const k of [0, 1, 3, 10, n, n + 5]) expect(topK(items, k, before)).toEqual(full.slice(0, Math.max(0, k)));
    }
  });

  it('BM25 ranking: highest score first, a tie goes to the lower chunk seq', () => {
    const scores = new Map<number, number>([[9, 1.5], [4, 2], [7, 1.5], [2, 0.5], [5, 2], [1, 1.5]]);
    expect(bm25TopK(scores, 4)).toEqual([{ seq: 4, score: 2 }, { seq: 5, score: 2 }, { seq: 1, score: 1.5 }, { seq: 7, score: 1.5 }]);
  });

  it('keeps nothing when k is 0 and holds at most k', () => {
    const top = new TopK<number>(0, (a, b) => a > b);
    top.push(1);
    expect(top.sorted()).toEqual([]);
    const three = new TopK<number>(3, (a, b) => a > b);
    for (const x of [5, 1, 9, 7, 3, 9]) three.push(x);
    expect(three.sorted()).toEqual([9, 9, 7]);
  });
});

/**
 * The first stage of lexical search (search/bm25.ts) against the plain exhaustive sum it replaced: a Map from seq to
 * score, every posting of every query term added in the plan's term order, then the k best (ties: lower seq). Same
 * top-k ids, the same scores to the last bit, the same count of matched chunks, on a corpus where a few terms are in
 * most chunks (CJK bigrams like 患者) and tf/length collide constantly (ties), spread over several segments, with seq
 * gaps and — in the second corpus — seqs so far apart that the sums fall back from the array to a Map mid-query.
 */
describe('BM25 first stage equals the exhaustive sum', () => {
  const exhaustive = (lists: Map<string, TermPostings>, n: number, avgdl: number, terms: Array<{ lexeme: string; weight: number }>, limit: number) => {
    const lengthFactor = Float64Array.from({ length: 256 }, (_, b) => K1 * (1 - B + (B * NORM_LENGTH[b]) / avgdl));
    const scores = new Map<number, number>();
    for (const t of terms) {
      const p = lists.get(t.lexeme);
      if (!p) continue;
      const df = Math.min(p.df, n);
      const scale = t.weight * Math.log(1 + (n - df + 0.5) / (df + 0.5)) * (K1 + 1);
      for (const data of p.lists) decodePostings(data, (seq, tf, norm) => scores.set(seq, (scores.get(seq) ?? 0) + (scale * tf) / (tf + lengthFactor[norm])));
    }
    return { ranked: bm25TopK(scores, limit), matched: scores.size };
  };

  /** A corpus of `docs` chunks in segments of 700, term i in a chunk with probability share[i], few distinct tfs and lengths. */
  const corpus = (seed: number, docs: number, seqOf: (i: number) => number) => {
    const rnd = lcg(seed);
    const share = [0.9, 0.6, 0.45, 0.3, 0.1, 0.02, 0.005, 0.001];
    const chunks = Array.from({ length: docs }, (_, i) => {
      const lexemes: string[] = [];
      for (const [t, p] of share.entries()) if (rnd() < p) for (let r = 1 + Math.floor(rnd() * rnd() * 3); r > 0; r--) lexemes.push(`t${t}`);
      // Padding to one of three lengths: many chunks share tf and norm, hence score.
      while (lexemes.length < [8, 20, 60][i % 3]) lexemes.push(`pad${i % 50}`);
      return { seq: seqOf(i), lexemes };
    });
    const lists = new Map<string, TermPostings>();
    // Newest segment first: the order rows come back in is the heap's, not seq order, so equal sums meet out of seq order.
    for (let s = Math.floor((docs - 1) / 700) * 700; s >= 0; s -= 700) {
      for (const row of buildSegment(chunks.slice(s, s + 700))) {
        const t = lists.get(row.term) ?? { term: row.term, df: 0, lists: [] };
        t.df += row.df;
        t.lists.push(row.data);
        lists.set(row.term, t);
      }
    }
    const total = chunks.reduce((n, c) => n + c.lexemes.length, 0);
    return { lists, n: docs, avgdl: total / docs };
  };

  const check = async (c: ReturnType<typeof corpus>) => {
    const index = {
      postings: async (_db: unknown, terms: string[]) => new Map(terms.flatMap((t) => (c.lists.has(t) ? [[t, c.lists.get(t) as TermPostings] as const] : []))),
      corpusStats: async () => ({ n: c.n, avgdl: c.avgdl }),
      documentFrequencies: async (_db: unknown, terms: string[]) => new Map(terms.flatMap((t) => (c.lists.has(t) ? [[t, (c.lists.get(t) as TermPostings).df] as const] : []))),
    } as unknown as SearchIndexRepository;
    const queries = [
      [{ lexeme: 't0', weight: 1 }, { lexeme: 't1', weight: 1 }, { lexeme: 't2', weight: 0.5 }, { lexeme: 't6', weight: 1 }],
      [{ lexeme: 't0', weight: 1 }, { lexeme: 't1', weight: 0.3 }],
      [{ lexeme: 't7', weight: 1 }, { lexeme: 't5', weight: 0.6 }, { lexeme: 't3', weight: 0.2 }, { lexeme: 'absent', weight: 1 }, { lexeme: 't0', weight: 0.3 }],
      [{ lexeme: 't4', weight: 1 }],
    ];
    for (const terms of queries) {
      const plain = terms.map((t) => t.lexeme).reverse();
      for (const limit of [1, 10, 100, 5000]) {
        const got = await bm25({} as Queryable, index, terms.map((t) => ({ ...t, literal: true })), limit, plain);
        const want = exhaustive(c.lists, c.n, c.avgdl, terms, limit);
        expect(got.ranked).toEqual(want.ranked);
        expect(got.matched).toBe(want.matched);
        // The plain sum: each distinct plain term at weight 1, in the plain terms' order.
        expect(got.plain.ranked).toEqual(exhaustive(c.lists, c.n, c.avgdl, [...new Set(plain)].map((lexeme) => ({ lexeme, weight: 1 })), limit).ranked);
      }
    }
  };

  it('dense seqs with gaps, several segments, heavy common terms and ties', async () => {
    await check(corpus(11, 4000, (i) => 1 + i + 3 * Math.floor(i / 97)));
  });

  it('seqs spread far beyond the live chunks (the array gives way to a Map)', async () => {
    await check(corpus(12, 3000, (i) => (i < 1500 ? 10 + i : 5_000_000 + 37 * i)));
  });
});
