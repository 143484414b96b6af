import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkDocument, readDocument } from '../ingest/index.ts';
import { sentenceTopics } from '../ingest/topics.ts';
import type { Runtime } from '../runtime/index.ts';
import { buildQueryPlan, ChunkIndexer, INDEX_VERSION } from '../search/index.ts';
import { DEFAULT_RERANK, rerank } from '../search/rerank.ts';
import { testRuntime } from './helpers/runtime.ts';

/**
 * Authored demo content (not clinical guidance): a textbook exported one sentence per line, no headings, two
 * diseases. Each disease is named where its topic opens; later sentences say 「本病」「患儿」 or nothing — the
 * complication sentence of 猫抓病 does not name it, while the 鹦鹉热 topic mentions 猫抓病 in passing.
 */
const CAT_SCRATCH = [
  '猫抓病是由汉赛巴尔通体感染引起的自限性传染病，以局部淋巴结肿大为主要特征。',
  '本病多见于儿童和青少年，秋冬季发病较多。',
  '病原体主要经猫抓伤或咬伤传播，猫是主要的传染源。',
  '猫抓病患者抓伤后3～10天局部出现红斑性丘疹，少数形成脓疱。',
  '患儿在抓伤后1～3周出现引流区域淋巴结肿大，以腋窝和颈部多见。',
  '淋巴结肿大可持续数周至数月，约十分之一发生化脓。',
  '少数患儿可并发脑病、视神经视网膜炎和肝脾肉芽肿。',
  '血清巴尔通体抗体滴度升高有助于猫抓病的诊断。',
  '淋巴结活检可见坏死性肉芽肿和星状微脓肿。',
  '多数患者无需抗菌治疗，病变可在数月内自行消退。',
  '症状明显者可口服阿奇霉素治疗，化脓淋巴结可穿刺抽脓。',
  '猫抓病预后良好，很少复发。',
];
const PSITTACOSIS = [
  '鹦鹉热是由鹦鹉热衣原体引起的人畜共患传染病，以发热和非典型肺炎为主要表现。',
  '本病主要经吸入病鸟排泄物污染的尘埃传播，饲养禽鸟者为高危人群。',
  '潜伏期一般为1～2周，起病多急骤。',
  '患者出现高热、寒战、剧烈头痛和肌痛，干咳较轻。',
  '胸部X线检查可见肺部片状或网状浸润影，常与体征不相称。',
  '本病需与猫抓病可并发的肉芽肿性病变及其他非典型肺炎相鉴别。',
  '咽拭子核酸检测或血清抗体四倍升高可确诊鹦鹉热。',
  '四环素类药物是治疗鹦鹉热的首选药物，多西环素疗程10～14天。',
  '重症患者可并发心肌炎、肝炎和呼吸衰竭。',
  '鹦鹉热经及时治疗后预后良好。',
  '避免接触病禽和做好禽类检疫是预防本病的关键。',
  '本病病后可获得一定免疫力，但不持久。',
];
const TEXT = [...CAT_SCRATCH, ...PSITTACOSIS].join('\n');
const COMPLICATION = '少数患儿可并发脑病、视神经视网膜炎和肝脾肉芽肿。';

describe('topics of a text without headings (subject carry-over)', () => {
  it('finds where each topic opens and carries its subject to sentences that say 本病 or nothing', () => {
    const topics = sentenceTopics([...CAT_SCRATCH, ...PSITTACOSIS]);
    expect(topics.map((t, i) => (t.opens ? i : -1)).filter((i) => i >= 0)).toEqual([0, CAT_SCRATCH.length]);
    expect(topics[CAT_SCRATCH.indexOf(COMPLICATION)].subject).toBe('猫抓病');
    expect(topics[CAT_SCRATCH.length + 1].subject).toBe('鹦鹉热'); // 「本病主要经…传播」
    // the sentence of 鹦鹉热 that mentions 猫抓病 stays in its own topic
    expect(topics[CAT_SCRATCH.length + 5]).toEqual({ opens: false, subject: '鹦鹉热' });
  });

  it('carries nothing through a list of unrelated sentences (an opening the text does not go on with)', () => {
    const list = [CAT_SCRATCH[0], PSITTACOSIS[3], '胸痛伴大汗时应尽早行心电图检查。', CAT_SCRATCH[9], PSITTACOSIS[4], '高血压患者应限制钠盐摄入。', '骨折后应尽早复位固定。'];
    expect(sentenceTopics(list).every((t) => !t.opens && (t.subject === null || list[sentenceTopics(list).indexOf(t)].includes(t.subject)))).toBe(true);
    expect(sentenceTopics(list).slice(1).every((t) => t.subject === null)).toBe(true);
  });

  it('chunks one-sentence-per-line text at topic boundaries, each chunk carrying its subject', async () => {
    const doc = await readDocument(Buffer.from(`${TEXT}\n`), 'two-diseases.txt');
    const { chunks } = chunkDocument(doc.blocks, 600);
    for (const c of chunks) {
      const hasCat = CAT_SCRATCH.some((s) => c.text.includes(s));
      const hasPsi = PSITTACOSIS.some((s) => c.text.includes(s));
      expect(hasCat && hasPsi).toBe(false); // no passage straddles the two diseases
      expect(c.subject).toBe(hasCat ? '猫抓病' : '鹦鹉热');
    }
    // a topic longer than the target is cut by size and the later part still carries the subject
    const small = chunkDocument(doc.blocks, 150).chunks;
    expect(small.length).toBeGreaterThan(chunks.length);
    expect(small.find((c) => c.text.includes(COMPLICATION))?.subject).toBe('猫抓病');
  });
});

describe('search over a sentence-per-line textbook (end to end, through ingest)', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime();
    await rt.ingest.register(Buffer.from(`${TEXT}\n`, 'utf8'), 'two-diseases.txt', {});
    await rt.runner.drain();
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('answers 「猫抓病的并发症」 with the passage of 猫抓病 holding the sentence that never names it', async () => {
    const res = await rt.search.search({ q: '猫抓病的并发症', top: 3 });
    expect(res.results[0]?.text).toContain(COMPLICATION);
    expect(PSITTACOSIS.some((s) => res.results[0]?.text.includes(s))).toBe(false);
  });

  it('stores the carried subject and indexes it: a passage after the opening sentence is found by the disease name', async () => {
    const { rows } = await rt.db.query<{ subject: string | null }>('SELECT subject FROM chunks ORDER BY ordinal');
    expect(rows.map((r) => r.subject)).toEqual(expect.arrayContaining(['猫抓病', '鹦鹉热']));
  });

  it('rebuilds the posting lists of a database indexed by an older version, titles and subjects included', async () => {
    const before = await rt.search.search({ q: '猫抓病的并发症', top: 3 });
    await rt.db.query("UPDATE search_index_meta SET version = 'grams-v1' WHERE id = 1");
    await new ChunkIndexer(rt.tokenizer, rt.embedder).init(rt.db);
    const { rows } = await rt.db.query<{ version: string }>('SELECT version FROM search_index_meta WHERE id = 1');
    expect(rows[0]?.version).toBe(INDEX_VERSION);
    const after = await rt.search.search({ q: '猫抓病的并发症', top: 3 });
    expect(after.results.map((h) => [h.chunkId, h.score])).toEqual(before.results.map((h) => [h.chunkId, h.score]));
  });

  it('prefers the own topic over a passing mention that carries the attribute cue (rerank topic feature)', () => {
    const plan = buildQueryPlan('猫抓病的并发症', rt.tokenizer);
    const idf = new Map(plan.terms.map((t) => [t.lexeme, 1]));
    const own = { id: 'own', text: CAT_SCRATCH.slice(4, 8).filter((s) => !s.includes('猫抓病')).join(''), headingPath: [], title: 'textbook', subject: '猫抓病', first: 0.6, evidenceLevel: null, year: null };
    const passing = { id: 'passing', text: PSITTACOSIS.slice(4, 9).join(''), headingPath: [], title: 'textbook', subject: '鹦鹉热', first: 0.9, evidenceLevel: null, year: null };
    const ranked = rerank(plan, idf, [passing, own], rt.tokenizer);
    expect(ranked.map((r) => r.id)).toEqual(['own', 'passing']);
    expect(ranked[0].features.topic).toBe(1);
    // without the topic feature the passing mention (subject + 并发 in one sentence) wins: the feature is what decides
    expect(rerank(plan, idf, [passing, own], rt.tokenizer, { ...DEFAULT_RERANK, topic: 0 }).map((r) => r.id)[0]).toBe('passing');
  });
});
