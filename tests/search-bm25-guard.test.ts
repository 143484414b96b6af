import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigramBm25 } from '../evals/baseline/bigram-bm25.ts';
import type { Runtime } from '../runtime/index.ts';
import { DEFAULT_RERANK, indexText } from '../search/index.ts';
import { plainBigrams, plainScores } from '../search/bm25.ts';
import { evidenceTier, guardPlainTop } from '../search/bm25-guard.ts';
import type { RerankFeatures } from '../search/rerank.ts';
import { testRuntime } from './helpers/runtime.ts';

const none: RerankFeatures = { sentence: 0, intent: 0, coverage: 0, heading: 0, topic: 0, section: 0, proximity: 0, prior: 0, bigram: 0 };
const c = (id: string, f: Partial<RerankFeatures> = {}) => ({ id, features: { ...none, ...f } });

describe('guardPlainTop: the plain bigram-BM25 baseline\'s first hit is buried only by stronger evidence', () => {
  it('moves the baseline\'s first hit up to just below `slack` candidates that have no stronger evidence', () => {
    const order = [c('a'), c('b'), c('c'), c('d'), c('bm25')];
    expect(guardPlainTop(order, ['bm25'], { top: 1, slack: 1 }).map((x) => x.id)).toEqual(['a', 'bm25', 'b', 'c', 'd']);
    expect(guardPlainTop(order, ['bm25'], { top: 1, slack: 0 }).map((x) => x.id)).toEqual(['bm25', 'a', 'b', 'c', 'd']);
  });

  it('leaves candidates with a higher evidence tier above it, and does nothing when it is high enough already', () => {
    // b: the subject's own sentence states the asked attribute (tier 2); the baseline's hit names the subject only (tier 1).
    const order = [c('a'), c('b', { intent: 1 }), c('c'), c('bm25', { topic: 0.5 })];
    expect(guardPlainTop(order, ['bm25'], { top: 1, slack: 0 }).map((x) => x.id)).toEqual(['b', 'bm25', 'a', 'c']);
    expect(guardPlainTop([c('a'), c('bm25'), c('b')], ['bm25'], { top: 1, slack: 1 }).map((x) => x.id)).toEqual(['a', 'bm25', 'b']);
  });

  it('protects the baseline\'s second hit below its first, and ignores hits that are not among the candidates', () => {
    const order = [c('a'), c('b'), c('c'), c('two'), c('one')];
    expect(guardPlainTop(order, ['one', 'two', 'missing'], { top: 3, slack: 0 }).map((x) => x.id)).toEqual(['one', 'two', 'a', 'b', 'c']);
  });

  it('reads evidence in tiers: own sentence with the cue or a heading naming the attribute > the subject\'s topic > none', () => {
    expect(evidenceTier({ intent: 1, topic: 0, section: 0 })).toBe(2);
    expect(evidenceTier({ intent: 0, topic: 0, section: 0.5 })).toBe(2);
    expect(evidenceTier({ intent: 0.5, topic: 0, section: 0 })).toBe(1);
    expect(evidenceTier({ intent: 0, topic: 0.2, section: 0 })).toBe(1);
    expect(evidenceTier({ intent: 0, topic: 0, section: 0 })).toBe(0);
  });

  it('scores passages exactly as the baseline does when they are the whole corpus', () => {
    const docs = [...OTHERS, ANSWER, '全肺灌洗。'].map((text, i) => ({ id: `d${i}`, text: text.normalize('NFKC').toLowerCase() }));
    const q = '肺灌洗的全身麻醉';
    const terms = plainBigrams(q);
    const n = docs.length;
    const idf = new Map(terms.map((t) => [t, docs.filter((d) => plainBigrams(d.text).includes(t)).length] as const).filter(([, df]) => df > 0).map(([t, df]) => [t, Math.log(1 + (n - df + 0.5) / (df + 0.5))]));
    const ours = plainScores(terms, idf, docs);
    for (const hit of new BigramBm25(docs).search(q, n)) expect(ours.get(hit.id)).toBeCloseTo(hit.score, 10);
  });

  it('cuts the query as the baseline does: bigrams of CJK runs, a lone character alone, ASCII words whole', () => {
    expect(plainBigrams('肺泡蛋白的ct')).toEqual(['肺泡', '泡蛋', '蛋白', '白的', 'ct']);
    expect(plainBigrams('b族 链球菌')).toEqual(['b', '族', '链球', '球菌']);
  });
});

/**
 * Authored demo content (not clinical guidance). Five short sources; one (a textbook page) answers the question in
 * the query's own words, so the plain bigram BM25 ranks it first. The four others are recent guidelines that share
 * only scattered characters with the query. A weak signal weighted heavily — here the evidence/recency prior — must
 * not bury the baseline's first hit: without the guard it falls to rank 5.
 */
const ANSWER = '肺泡蛋白沉积症的全肺灌洗在全身麻醉下经双腔气管插管进行，是目前最有效的治疗方法。';
const OTHERS = [
  '社区获得性肺炎的经验性抗菌治疗应覆盖常见病原体，重症病人收入监护病房。',
  '慢性阻塞性肺疾病稳定期以吸入支气管扩张剂为主，急性加重时可短期使用糖皮质激素。',
  '间质性肺疾病的评估包括高分辨率CT、肺功能和多学科讨论，必要时行肺活检。',
  '支气管哮喘的长期治疗以吸入糖皮质激素为基础，按病情分级调整用药。',
];
const QUERY = '全肺灌洗 双腔气管插管';

describe('search: the guard holds end to end, over ingested sources', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime();
    await rt.ingest.register(Buffer.from(`${ANSWER}\n`, 'utf8'), 'textbook-page.txt', { kind: 'textbook', year: 2010 });
    for (const [i, text] of OTHERS.entries()) await rt.ingest.register(Buffer.from(`${text}\n`, 'utf8'), `guideline-${i}.txt`, { kind: 'guideline', year: 2024 });
    await rt.runner.drain();
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  async function baselineFirst(): Promise<string> {
    const { rows } = await rt.db.query<{ id: string; heading_path: string[]; text: string }>('SELECT id, heading_path, text FROM chunks');
    const bm25 = new BigramBm25(rows.map((r) => ({ id: r.id, text: indexText(r.heading_path, r.text) })));
    const first = bm25.search(QUERY, 1)[0]?.id;
    return rows.find((r) => r.id === first)?.text ?? '';
  }

  it('keeps the baseline\'s first hit in the top two however heavily a weak signal is weighted', async () => {
    expect(await baselineFirst()).toContain('全肺灌洗');
    const heavyPrior = { rerank: { ...DEFAULT_RERANK, prior: 20 } };
    const guarded = await rt.search.search({ q: QUERY, top: 5 }, heavyPrior);
    expect(guarded.results.slice(0, 2).map((h) => h.text).some((t) => t.includes('全肺灌洗'))).toBe(true);
    // The same weights with the guard off: the prior buries it (what the guard is for).
    const unguarded = await rt.search.search({ q: QUERY, top: 5 }, { ...heavyPrior, guard: null });
    expect(unguarded.results.findIndex((h) => h.text.includes('全肺灌洗'))).toBeGreaterThan(1);
  });

  it('with the default weights ranks it first', async () => {
    const res = await rt.search.search({ q: QUERY, top: 5 });
    expect(res.results[0]?.text).toContain('全肺灌洗');
  });
});
