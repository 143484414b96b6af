import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFiles, loadLanguage, type Runtime } from '../runtime/index.ts';
import { buildQueryPlan, fuse, fusionWeightsFor } from '../search/index.ts';
import { evaluateRetrieval, loadRetrievalQueries } from '../evals/retrieval.ts';
import { createServerDatabase, serverAvailable } from './helpers/databases.ts';
import { ingestFiles, testRuntime } from './helpers/runtime.ts';

const stem = (f: string) => path.basename(f).replace(/\.(md|pdf)$/, '');

function searchBehaviour(name: string, open: () => Promise<{ rt: Runtime; done?: () => Promise<void> }>) {
  describe(`search over the demo corpus (${name})`, () => {
    let rt: Runtime;
    let done: (() => Promise<void>) | undefined;
    const titleOf = new Map<string, string>();
    beforeAll(async () => {
      ({ rt, done } = await open());
      await ingestFiles(rt, demoFiles(), { demo: true });
      for (const s of (await rt.sources.list()).items) titleOf.set(s.id, stem(s.fileName));
    });
    afterAll(async () => {
      await rt?.close();
      await done?.();
    });

    it('finds the TNM staging section for 非小细胞肺癌TNM分期标准, cited with title, version, year and page', async () => {
      const res = await rt.search.search({ q: '非小细胞肺癌TNM分期标准', top: 5 });
      const top = res.results[0];
      expect(titleOf.get(top.sourceId)).toBe('lung-cancer-tnm-guideline');
      expect(res.results.slice(0, 5).some((h) => h.headingPath.join(' ').includes('TNM') || /T1|T2|分期/.test(h.text))).toBe(true);
      expect(top.citation).toMatch(/^《非小细胞肺癌影像诊断与TNM分期指南（演示版）》（第2版，2024）第\d+(–\d+)?页$/);
      expect(top.highlights.length).toBeGreaterThan(0);
      const marked = top.highlights.map((h) => top.text.slice(h.start, h.end));
      expect(marked.some((m) => /TNM|分期|非小细胞肺癌/i.test(m))).toBe(true);
    });

    it('answers 磨玻璃结节 随访 from the nodule guideline (a PDF) with page numbers inside the document', async () => {
      const res = await rt.search.search({ q: '磨玻璃结节 随访', top: 5 });
      const hit = res.results.find((h) => titleOf.get(h.sourceId) === 'lung-nodule-guideline');
      expect(hit).toBeDefined();
      expect(hit?.pageStart).toBeGreaterThanOrEqual(1);
      expect(hit?.pageEnd).toBeLessThanOrEqual(18);
    });

    it('answers the chat page example 「肺结节多大需要随访？」 with a follow-up table passage (表 10-1/10-2: sizes and intervals) in the top 3', async () => {
      // The question's cross-word bigrams (节多, 大需, 要随) used to carry full weight, so passages repeating
      // 「需要随访」 outranked the size/interval tables; and one cue word (「直径」) counted as much as a table of them.
      const res = await rt.search.search({ q: '肺结节多大需要随访？', top: 3 });
      const table = res.results.find((h) => titleOf.get(h.sourceId) === 'lung-nodule-guideline' && h.headingPath.join(' ').includes('随访间隔') && /\d\s*mm/.test(h.text) && /\d\s*个月/.test(h.text));
      expect(table, res.results.map((h) => `${titleOf.get(h.sourceId)} p${h.pageStart} ${h.headingPath.at(-1)}`).join(' | ')).toBeDefined();
    });

    it('expands synonyms: GGO finds passages that only say 磨玻璃', async () => {
      const res = await rt.search.search({ q: 'GGO', top: 10 });
      expect(res.terms[0].expandsTo).toContain('磨玻璃影');
      const withoutAbbrev = res.results.filter((h) => !/GGO/i.test(h.text));
      expect(withoutAbbrev.length).toBeGreaterThan(0);
      expect(withoutAbbrev.every((h) => /磨玻璃|ground.glass|GGN/i.test(h.text))).toBe(true);
    });

    it('filters by kind and year, and BM25-only and vector-only modes each return ranked results', async () => {
      const textbooks = await rt.search.search({ q: '脑出血 CT 密度 演变', kind: ['textbook'], top: 10 });
      expect(textbooks.results.length).toBeGreaterThan(0);
      expect(textbooks.results.every((h) => h.kind === 'textbook')).toBe(true);
      const recent = await rt.search.search({ q: '阑尾炎', yearFrom: 2025, top: 10 });
      expect(recent.results.every((h) => (h.year ?? 0) >= 2025)).toBe(true);
      const bm25 = await rt.search.search({ q: '膈下游离气体', mode: 'bm25' });
      expect(bm25.results[0].bm25Rank).toBe(1);
      expect(bm25.results.every((h) => h.vectorRank === null)).toBe(true);
      const vector = await rt.search.search({ q: '膈下游离气体', mode: 'vector' });
      expect(vector.results[0].vectorRank).toBe(1);
    });

    it('meets the retrieval-quality floor on the authored query set (recall@5, MRR)', async () => {
      const queries = loadRetrievalQueries();
      expect(queries.length).toBeGreaterThanOrEqual(40);
      const hybrid = await evaluateRetrieval(rt, queries, 'hybrid');
      const bm25 = await evaluateRetrieval(rt, queries, 'bm25');
      // Measured 0.95 / 0.74 (hybrid) and 0.93 / 0.71 (BM25): the floors catch a broken ranker, not noise.
      expect(hybrid.recallAt5).toBeGreaterThanOrEqual(0.85);
      expect(hybrid.mrr).toBeGreaterThanOrEqual(0.65);
      expect(bm25.recallAt5).toBeGreaterThanOrEqual(0.85);
    });

    it('refuses an empty or 10,000-character query with a named error, and answers nonsense with nothing', async () => {
      await expect(rt.search.search({ q: '   ' })).rejects.toMatchObject({ code: 'QUERY_EMPTY', field: 'q' });
      await expect(rt.search.search({ q: '肺'.repeat(10_000) })).rejects.toMatchObject({ code: 'QUERY_TOO_LONG', field: 'q' });
      for (const q of ['zzqxj', 'hello world', '股票行情 基金理财']) {
        expect((await rt.search.search({ q })).results, q).toEqual([]);
      }
    });
  });
}

// Search reads chunks and the lexicon, never extracted triples: the fixture skips extraction, half of a demo ingest.
const NO_EXTRACTION = { YZ_AUTO_EXTRACT: 'off' };

searchBehaviour('PGlite', async () => ({ rt: await testRuntime(NO_EXTRACTION) }));

if (serverAvailable()) {
  searchBehaviour('PostgreSQL server', async () => {
    const db = await createServerDatabase();
    return { rt: await testRuntime({ ...NO_EXTRACTION, DATABASE_URL: db.url }, { inMemory: false }), done: db.drop };
  });
}

describe('query plan: bigrams across word boundaries', () => {
  it('weighs a bigram straddling two words of the question below one inside a word, and lowest beside a question word', () => {
    const { tokenizer } = loadLanguage();
    const weight = (q: string, lexeme: string) => buildQueryPlan(q, tokenizer).terms.find((t) => t.lexeme === lexeme)?.weight;
    // 肺结节 | 多大 | 需要 | 随访: 结节 and 随访 are inside words; 节多, 大需 and 要随 only exist across a boundary.
    expect(weight('肺结节多大需要随访？', '结节')).toBe(1);
    expect(weight('肺结节多大需要随访？', '随访')).toBe(1);
    for (const across of ['节多', '大需', '要随']) expect(weight('肺结节多大需要随访？', across)).toBeLessThan(0.5);
    // Across two content words (支气管 | 闭锁): less than inside a word, more than beside a question word.
    const content = weight('支气管闭锁的发病机制', '管闭') ?? 1;
    expect(content).toBeLessThan(1);
    expect(content).toBeGreaterThan(weight('肺结节多大需要随访？', '大需') ?? 1);
  });
});

describe('score-aware fusion', () => {
  it("never lets the hash embedder's neighbours push BM25's clear first hit down", () => {
    const lexical = [{ id: 'a', score: 12 }, { id: 'b', score: 6 }, { id: 'c', score: 5.9 }];
    // The vector list agrees on b and c and ranks a nowhere: with RRF b would win (it is in both lists).
    const vector = [{ id: 'b', distance: 0.1 }, { id: 'c', distance: 0.12 }, { id: 'd', distance: 0.15 }];
    const fused = fuse(lexical, vector, fusionWeightsFor({ lexical: true }));
    expect(fused[0]).toMatchObject({ id: 'a', lexicalRank: 1, vectorRank: null });
    // Near-ties are what the vector side may decide, and its own finds extend the list after BM25's.
    expect(fused.map((f) => f.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('gives a neural embedder a real say', () => {
    const fused = fuse([{ id: 'a', score: 10 }, { id: 'b', score: 9 }], [{ id: 'b', distance: 0.05 }, { id: 'x', distance: 0.5 }], fusionWeightsFor({ lexical: false }));
    expect(fused[0].id).toBe('b');
  });
});
