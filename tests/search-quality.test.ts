import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigramBm25 } from '../evals/baseline/bigram-bm25.ts';
import { goldRank, loadTextbookQuestions, scoreRanks } from '../evals/textbook.ts';
import { CORPUS_FILE } from '../evals/textbook/build.ts';
import { rng } from '../bench/random.ts';
import { demoFiles, loadLanguage, type Runtime } from '../runtime/index.ts';
import { buildQueryPlan, indexText } from '../search/index.ts';
import { ingestFiles, testRuntime } from './helpers/runtime.ts';

const stem = (f: string) => path.basename(f).replace(/\.(md|pdf)$/, '');

describe('search over the demo corpus: bad input and the failures residents reported', () => {
  let rt: Runtime;
  const stemOf = new Map<string, string>();
  beforeAll(async () => {
    // Search reads chunks and the lexicon, never extracted triples: the fixture skips extraction.
    rt = await testRuntime({ YZ_AUTO_EXTRACT: 'off' });
    await ingestFiles(rt, demoFiles(), { demo: true });
    for (const s of (await rt.sources.list()).items) stemOf.set(s.id, stem(s.fileName));
  }, 300_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('answers a query of only punctuation or emoji with an empty result, not an error', async () => {
    for (const q of ['？！。，、……', '😀🎉🩻', '!!!???', '—— ～～']) {
      const res = await rt.search.search({ q });
      expect(res.results, q).toEqual([]);
    }
  });

  it('takes a 1,000-character query and refuses 1,001 characters naming the field', async () => {
    const long = `急性脑梗死的CT早期征象${'以及相关影像表现'.repeat(200)}`.slice(0, 1000);
    const res = await rt.search.search({ q: long, top: 5 });
    expect(res.results.length).toBeGreaterThan(0);
    await expect(rt.search.search({ q: `${long}肺` })).rejects.toMatchObject({ code: 'QUERY_TOO_LONG', field: 'q' });
  });

  it('finds the same passages for full-width and traditional characters as for their ordinary forms', async () => {
    const plain = await rt.search.search({ q: '肺结节 随访 CT', top: 5 });
    const fullWidth = await rt.search.search({ q: '肺结节　随访　ＣＴ', top: 5 });
    const traditional = await rt.search.search({ q: '肺結節 隨訪 CT', top: 5 });
    expect(plain.results.length).toBeGreaterThan(0);
    expect(fullWidth.results.map((h) => h.chunkId)).toEqual(plain.results.map((h) => h.chunkId));
    expect(traditional.results.map((h) => h.chunkId)).toEqual(plain.results.map((h) => h.chunkId));
  });

  it('handles mixed Chinese and English, and a typo still finds the passage by its shared bigrams', async () => {
    const mixed = await rt.search.search({ q: 'GGO 随访 interval', top: 5 });
    expect(mixed.results.some((h) => stemOf.get(h.sourceId) === 'lung-nodule-guideline')).toBe(true);
    const typo = await rt.search.search({ q: '磨玻离结节', top: 5 });
    expect(typo.results.length).toBeGreaterThan(0);
    expect(typo.results.slice(0, 3).some((h) => h.text.includes('磨玻璃'))).toBe(true);
  });

  it('returns nothing (and no error) when no word of the query occurs anywhere', async () => {
    const res = await rt.search.search({ q: '股票行情 基金理财' });
    expect(res.results).toEqual([]);
  });

  it('「Lung-RADS 4A」 returns the Lung-RADS passage (the query is not replaced by an entity lexeme)', async () => {
    const res = await rt.search.search({ q: 'Lung-RADS 4A', top: 5 });
    expect(res.results.length).toBeGreaterThan(0);
    expect(res.results.slice(0, 3).some((h) => /Lung-RADS/i.test(h.text))).toBe(true);
  });

  it('「DWI 急性脑梗死」 has a DWI passage in its top 3', async () => {
    const res = await rt.search.search({ q: 'DWI 急性脑梗死', top: 5 });
    expect(res.results.slice(0, 3).some((h) => /DWI/.test(h.text) || h.headingPath.join(' ').includes('DWI'))).toBe(true);
  });

  it('「急性脑梗死的CT早期征象有哪些？」 ranks section 5 of the stroke guideline first', async () => {
    const res = await rt.search.search({ q: '急性脑梗死的CT早期征象有哪些？', top: 5 });
    const top = res.results[0];
    expect(stemOf.get(top.sourceId)).toBe('stroke-guideline');
    expect(top.headingPath[0]).toMatch(/^5 /);
  });
});

describe('query understanding', () => {
  const { tokenizer } = loadLanguage();

  it('keeps 卒中, B族 and codes as terms, and never reads 内膜 inside 心内膜 as 子宫内膜', () => {
    const lexemes = (q: string) => tokenizer.queryTerms(q).map((t) => t.lexeme);
    expect(lexemes('缺血性卒中的治疗')).toContain('卒中');
    expect(lexemes('B族链球菌感染')).toContain('b族');
    expect(lexemes('Lung-RADS 4A')).toEqual(expect.arrayContaining(['lung-rads', 'lung', 'rads', '4a']));
    expect(lexemes('COVID-19')).toContain('covid-19');
    expect(lexemes('心内膜心肌活检')).not.toContain('#anat.endometrium');
  });

  it('adds question-word synonyms and entity aliases as weighted expansions below the literal text', () => {
    const plan = buildQueryPlan('川崎病的临床表现', tokenizer);
    const weight = (l: string) => plan.terms.find((t) => t.lexeme === l)?.weight ?? 0;
    expect(plan.subject).toBe('川崎病');
    expect(plan.intents[0]).toBe('symptoms');
    expect(weight('症状')).toBeGreaterThan(0);
    expect(weight('症状')).toBeLessThan(weight('川崎'));
    const ggo = buildQueryPlan('GGO', tokenizer);
    const entity = ggo.terms.find((t) => t.lexeme.startsWith('#'));
    expect(entity?.weight).toBeLessThan(ggo.terms.find((t) => t.lexeme === 'ggo')?.weight ?? 0);
  });
});

/**
 * The regression guard of issue 13: on a slice of the textbook proxy (shuffled lines, so passages mix
 * topics as sentence-level corpora do), ours must not rank below a plain character-bigram BM25 over the
 * same chunks. On the old hybrid search (hash-vector RRF, capped BM25) this failed.
 */
describe('ours vs the bigram-BM25 baseline on the same chunks (textbook proxy slice)', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime();
  });
  afterAll(async () => {
    await rt?.close();
  });

  it('is at least as good as the baseline on hit@1, hit@5 and MRR', async () => {
    const lines = readFileSync(CORPUS_FILE, 'utf8').split('\n').filter(Boolean).slice(0, 500);
    const random = rng(11);
    for (let i = lines.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [lines[i], lines[j]] = [lines[j], lines[i]];
    }
    await rt.ingest.register(Buffer.from(`${lines.join('\n')}\n`), 'textbook-slice.txt', { kind: 'textbook' });
    await rt.runner.drain();
    const inSlice = new Set(lines);
    const questions = loadTextbookQuestions().filter((q) => q.split === 'dev' && q.gold.every((g) => inSlice.has(g)));
    expect(questions.length).toBeGreaterThanOrEqual(100);
    const { rows } = await rt.db.query<{ id: string; heading_path: string[]; text: string }>('SELECT id, heading_path, text FROM chunks');
    const baseline = new BigramBm25(rows.map((r) => ({ id: r.id, text: indexText(r.heading_path, r.text) })));
    const textOf = new Map(rows.map((r) => [r.id, r.text]));
    const ours: Array<number | null> = [];
    const base: Array<number | null> = [];
    for (const q of questions) {
      ours.push(goldRank((await rt.search.search({ q: q.question, top: 10 })).results.map((h) => h.text), q.gold));
      base.push(goldRank(baseline.search(q.question, 10).map((h) => textOf.get(h.id) ?? ''), q.gold));
    }
    const o = scoreRanks(ours);
    const b = scoreRanks(base);
    expect(o.hit1, `hit@1 ours ${o.hit1.toFixed(3)} vs baseline ${b.hit1.toFixed(3)}`).toBeGreaterThanOrEqual(b.hit1);
    expect(o.hit5, `hit@5 ours ${o.hit5.toFixed(3)} vs baseline ${b.hit5.toFixed(3)}`).toBeGreaterThanOrEqual(b.hit5);
    expect(o.mrr, `MRR ours ${o.mrr.toFixed(3)} vs baseline ${b.mrr.toFixed(3)}`).toBeGreaterThanOrEqual(b.mrr);
  });
});
