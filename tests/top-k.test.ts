import { describe, expect, it } from 'vitest';
import { TopK, topK } from '../core/index.ts';
import { topK as bm25TopK } from '../search/bm25.ts';

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
