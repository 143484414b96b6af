import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Lexicon, visibleLength } from '../core/index.ts';
import { LlmExtractor, type LlmExtractorOptions } from '../knowledge/extract/llm-extractor.ts';
import type { ChunkForExtraction } from '../knowledge/model.ts';
import { LlmResponseCache, loadPrompt, OllamaProvider, OpenAiProvider, renderPrompt } from '../llm/index.ts';
import { migrate, PgliteDatabase } from '../store/index.ts';
import { type FakeLlmReply, type FakeLlmRequest, type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';

const LUNG =
  '肺癌是最常见的肺部恶性肿瘤，早期多无明显症状，常在体检时偶然发现。肺癌的CT表现常见分叶征和毛刺征，部分病灶可见胸膜凹陷征及空泡征。' +
  '磨玻璃结节可提示早期肺腺癌，随访中实性成分增加时需警惕浸润性病变。肺腺癌是非小细胞肺癌中最常见的组织学亚型，多位于肺外周。' +
  '中央型肺癌可继发肺不张，支气管镜检查有助于明确诊断。肺癌需与结核球、肺错构瘤鉴别，肺错构瘤常见爆米花样钙化，结核球周围常有卫星灶。' +
  '早期患者首选手术切除，晚期患者可行化疗或靶向治疗，治疗方案需多学科讨论决定。胸部CT是肺癌筛查和随访的首选检查，PET-CT有助于评估远处转移和分期。' +
  '小细胞肺癌恶性程度高，多表现为肺门区肿块伴纵隔淋巴结肿大，确诊时常已发生远处转移。';
const APPENDIX =
  '急性阑尾炎是最常见的急腹症之一，典型表现为转移性右下腹痛伴发热和白细胞升高。急性阑尾炎的CT表现为阑尾增粗，直径超过6毫米，周围脂肪间隙模糊并可见条索影。' +
  '阑尾粪石可提示急性阑尾炎，尤其合并阑尾壁增厚强化时诊断更为可靠。超声检查可见阑尾呈靶环征，探头加压不可压缩，局部压痛明显。' +
  '阑尾周围脓肿是急性阑尾炎穿孔后的常见并发症，表现为右下腹包裹性液体密度影，壁可强化。儿童和孕妇首选超声检查以避免电离辐射，诊断不明确时再行CT检查。' +
  '急性阑尾炎一经确诊应行阑尾切除术，形成脓肿者可先行抗生素治疗和经皮引流，待炎症消退后再择期手术。增强扫描可见阑尾壁分层强化。' +
  '慢性阑尾炎表现为阑尾壁增厚和周围粘连，常伴阑尾腔内粪石，临床症状不典型，需结合病史综合判断。';

type Wire = { subject: { text: string; type: string }; predicate: string; object: { text: string; type: string }; certainty: string; quote: string };
const t = (s: string, st: string, p: string, o: string, ot: string, quote: string, certainty = 'present'): Wire => ({
  subject: { text: s, type: st }, predicate: p, object: { text: o, type: ot }, certainty, quote,
});

/** What the fake model "knows": a triple is answered for a chunk when its quote is in the chunk. */
const FACTS: Wire[] = [
  t('肺癌', 'Disease', 'has_sign', '分叶征', 'Sign', '肺癌的CT表现常见分叶征和毛刺征，部分病灶可见胸膜凹陷征及空泡征。'),
  t('磨玻璃结节', 'Sign', 'suggests', '肺腺癌', 'Disease', '磨玻璃结节可提示早期肺腺癌，随访中实性成分增加时需警惕浸润性病变。', 'possible'),
  t('肺癌', 'Disease', 'has_sign', '毛刺征', 'Sign', '肺癌的CT表现常见分叶征和毛刺征，部分病灶可见胸膜凹陷征及空泡征。'),
  t('肺腺癌', 'Disease', 'subtype_of', '非小细胞肺癌', 'Disease', '肺腺癌是非小细胞肺癌中最常见的组织学亚型，多位于肺外周。'),
  t('肺癌', 'Disease', 'differential_of', '肺错构瘤', 'Disease', '肺癌需与结核球、肺错构瘤鉴别，肺错构瘤常见爆米花样钙化，结核球周围常有卫星灶。'),
  t('肺癌', 'Disease', 'treated_by', '手术切除', 'Treatment', '早期患者首选手术切除，晚期患者可行化疗或靶向治疗，治疗方案需多学科讨论决定。'),
  t('急性阑尾炎', 'Disease', 'has_sign', '阑尾增粗', 'Finding', '急性阑尾炎的CT表现为阑尾增粗，直径超过6毫米，周围脂肪间隙模糊并可见条索影。'),
  t('阑尾粪石', 'Finding', 'suggests', '急性阑尾炎', 'Disease', '阑尾粪石可提示急性阑尾炎，尤其合并阑尾壁增厚强化时诊断更为可靠。'),
  t('阑尾周围脓肿', 'Disease', 'complication_of', '急性阑尾炎', 'Disease', '阑尾周围脓肿是急性阑尾炎穿孔后的常见并发症，表现为右下腹包裹性液体密度影，壁可强化。'),
  t('急性阑尾炎', 'Disease', 'treated_by', '阑尾切除术', 'Procedure', '急性阑尾炎一经确诊应行阑尾切除术，形成脓肿者可先行抗生素治疗和经皮引流，待炎症消退后再择期手术。'),
  t('急性阑尾炎', 'Disease', 'examined_by', '超声', 'Modality', '儿童和孕妇首选超声检查以避免电离辐射，诊断不明确时再行CT检查。'),
];

const PROMPT = loadPrompt('extract-triples');
const GLEAN = renderPrompt(PROMPT, 'glean', {});

/**
 * A deterministic stand-in for a model: the first pass answers the first two facts it finds in the chunk
 * (so long chunks leave something to glean); the glean pass answers the rest plus one repeat.
 */
function knowledgeableModel(req: FakeLlmRequest): FakeLlmReply {
  const chunk = req.messages[1].content;
  const found = FACTS.filter((f) => chunk.includes(f.quote));
  if (req.messages.at(-1)?.content === GLEAN) return { json: { triples: [found[0], ...found.slice(2)].filter(Boolean) } };
  return { json: { triples: found.slice(0, 2) } };
}

const chunkOf = (id: string, text: string, sourceId = 'src_a'): ChunkForExtraction => ({ id, sourceId, text, headingPath: ['第一章', '肺癌'], pageStart: 3 });

let fake: FakeLlmServer;
let db: PgliteDatabase;
let lexicon: Lexicon;
beforeAll(async () => {
  fake = await startFakeLlmServer({ models: ['qwen-fake'] });
  db = await PgliteDatabase.open();
  await migrate(db);
  lexicon = Lexicon.load();
});
afterAll(async () => {
  await fake.close();
  await db.close();
});
beforeEach(async () => {
  fake.reset();
  await db.query('DELETE FROM llm_cache');
});

const ollama = () => new OllamaProvider({ url: fake.url, model: 'qwen-fake', timeoutMs: 3000, numCtx: 8192, backoffMs: 5 });
const extractor = (opts: LlmExtractorOptions = {}) => new LlmExtractor(ollama(), lexicon, { cache: new LlmResponseCache(db), ...opts });

describe('LLM extractor', () => {
  it('turns a good answer into triples with lexicon ids, types and exact quote offsets', async () => {
    const text = '肺癌是最常见的肺部恶性肿瘤。肺癌的CT表现常见分叶征和毛刺征。\n磨玻璃结节可提示早期肺腺癌。周围型肺癌可见蟹足样改变。';
    fake.reply({
      json: {
        triples: [
          t('肺癌', 'Disease', 'has_sign', '分叶征', 'Sign', '肺癌的CT表现常见分叶征和毛刺征。'),
          // Quote copied with half-width punctuation and a line break removed: still found, stored as in the chunk.
          t('磨玻璃结节', 'Sign', 'suggests', '肺腺癌', 'Disease', '毛刺征.磨玻璃结节可提示早期肺腺癌', 'possible'),
          t('周围型肺癌', 'Disease', 'has_sign', '蟹足样改变', 'Sign', '周围型肺癌可见蟹足样改变。'),
        ],
      },
    });
    const x = extractor();
    expect(x.engine).toBe('llm');
    expect(x.version).toBe('ollama:qwen-fake/extract-triples@v1');
    const res = await x.extract(chunkOf('c1', text));
    expect(res.llmCalls).toBe(1);
    expect(res.failure).toBeUndefined();
    expect(res.triples).toHaveLength(3);
    const [a, b, c] = res.triples;
    expect(a).toMatchObject({
      subject: { text: '肺癌', entityId: 'dis.lung_cancer', type: 'Disease' },
      predicate: 'has_sign',
      object: { text: '分叶征', entityId: 'sign.lobulation', type: 'Sign' },
      certainty: 'present',
      qualifiers: {},
      quote: '肺癌的CT表现常见分叶征和毛刺征。',
      confidence: 0.8,
    });
    for (const tr of res.triples) expect(text.slice(tr.quoteStart, tr.quoteEnd)).toBe(tr.quote);
    expect(b).toMatchObject({ certainty: 'possible', object: { entityId: 'dis.lung_adenocarcinoma' }, quote: '毛刺征。\n磨玻璃结节可提示早期肺腺癌' });
    // Not in the lexicon: no entity id, the model's type kept; one resolved end gives a lower confidence.
    expect(c).toMatchObject({ subject: { entityId: 'dis.peripheral_lung_cancer' }, object: { text: '蟹足样改变', entityId: null, type: 'Sign' }, confidence: 0.65 });
    // What went over the wire: the versioned prompt and the schema-constrained format.
    const [sent] = fake.requests;
    expect(sent.messages[0].content).toContain('has_sign');
    expect(sent.messages[1].content).toContain(text);
    expect(sent.messages[1].content).toContain('第一章 > 肺癌');
    expect(sent.format).toMatchObject({ type: 'object', required: ['triples'] });
    expect(JSON.stringify(sent.format)).toContain('complication_of');
    expect(sent.options).toMatchObject({ temperature: 0, num_ctx: 8192 });
  });

  it('drops and counts triples with unknown predicates, wrong types, invented quotes or mentions, and repeats', async () => {
    const text = '肺癌的CT表现常见分叶征和毛刺征。急性阑尾炎可见阑尾增粗。';
    const good = t('肺癌', 'Disease', 'has_sign', '毛刺征', 'Sign', '肺癌的CT表现常见分叶征和毛刺征。');
    fake.reply({
      json: {
        triples: [
          good,
          t('肺癌', 'Disease', 'causes', '分叶征', 'Sign', '肺癌的CT表现常见分叶征和毛刺征。'),
          t('分叶征', 'Sign', 'has_sign', '肺癌', 'Disease', '肺癌的CT表现常见分叶征和毛刺征。'),
          t('急性阑尾炎', 'Disease', 'treated_by', '阑尾增粗', 'Finding', '急性阑尾炎可见阑尾增粗。'),
          t('肺癌', 'Disease', 'has_sign', '分叶征', 'Sign', '肺癌常表现为分叶征。'),
          t('肺结核', 'Disease', 'has_sign', '分叶征', 'Sign', '肺癌的CT表现常见分叶征和毛刺征。'),
          { subject: { text: '肺癌' }, predicate: 'has_sign', object: { text: '分叶征', type: 'Sign' } },
          t('肺癌', 'Disease', 'has_sign', '分叶征', 'Sign', '肺癌的CT表现常见分叶征和毛刺征。', 'likely'),
          good,
        ],
      },
    });
    const res = await extractor().extract(chunkOf('c2', text));
    expect(res.triples.map((x) => `${x.subject.text} ${x.predicate} ${x.object.text}`)).toEqual(['肺癌 has_sign 毛刺征']);
    expect(res.dropped).toEqual({ unknown_predicate: 1, bad_type: 2, quote_not_found: 1, mention_not_in_text: 1, malformed: 2, duplicate: 1 });
  });

  it('survives <think> blocks, fences and an empty triple list', async () => {
    const text = '阑尾粪石可提示急性阑尾炎。';
    fake.reply({ think: '先找出疾病和征象……', text: `\`\`\`json\n${JSON.stringify({ triples: [t('阑尾粪石', 'Finding', 'suggests', '急性阑尾炎', 'Disease', text)] })}\n\`\`\`` });
    const res = await extractor().extract(chunkOf('c3', text));
    expect(res.triples).toHaveLength(1);
    expect(res.triples[0]).toMatchObject({ subject: { entityId: 'find.appendicolith' }, object: { entityId: 'dis.acute_appendicitis' }, quoteStart: 0, quoteEnd: text.length });
    fake.reply({ json: { triples: [] } });
    expect(await extractor().extract(chunkOf('c4', '本章介绍胸部影像检查技术的发展历史。'))).toMatchObject({ triples: [], llmCalls: 1, gleaned: false });
  });

  it('asks once more after invalid JSON (naming the error), then caches the repaired answer', async () => {
    const text = '阑尾粪石可提示急性阑尾炎。';
    fake.reply({ text: '{"triples": [{"subject": {"text": "阑尾粪石"' }, { json: { triples: [t('阑尾粪石', 'Finding', 'suggests', '急性阑尾炎', 'Disease', text)] } });
    const res = await extractor().extract(chunkOf('c5', text));
    expect(res).toMatchObject({ llmCalls: 2, triples: [{ predicate: 'suggests' }] });
    expect(res.failure).toBeUndefined();
    const repair = fake.requests[1].messages;
    expect(repair).toHaveLength(4);
    expect(repair[2]).toEqual({ role: 'assistant', content: '{"triples": [{"subject": {"text": "阑尾粪石"' });
    expect(repair[3].content).toContain('JSON is not closed');
    const again = await extractor().extract(chunkOf('c5', text));
    expect(again).toMatchObject({ llmCalls: 0, cacheHits: 1 });
    expect(again.triples).toEqual(res.triples);
  });

  it('returns zero triples and reports LLM_BAD_OUTPUT when the repaired answer is still unusable; nothing is cached', async () => {
    const text = '阑尾粪石可提示急性阑尾炎。';
    fake.reply({ text: '' }, { text: '抱歉，我无法完成。' });
    const res = await extractor().extract(chunkOf('c6', text));
    expect(res).toMatchObject({ triples: [], llmCalls: 2, failure: { code: 'LLM_BAD_OUTPUT' } });
    expect(res.failure?.message).toMatch(/no JSON object or array found/);
    expect(fake.requests[1].messages[3].content).toContain('empty answer');
    fake.reply({ json: { triples: 'none' } }, { json: { answer: [] } });
    const wrongShape = await extractor().extract(chunkOf('c6', text));
    expect(wrongShape.failure?.message).toMatch(/^triples: /);
    expect(wrongShape.llmCalls).toBe(2);
  });

  it('lets model-server failures through (the job retries later) and honours abort', async () => {
    fake.reply({ status: 500 }, { status: 500 }, { status: 500 });
    await expect(extractor().extract(chunkOf('c7', '阑尾粪石可提示急性阑尾炎。'))).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE' });
    await expect(extractor().extract(chunkOf('c7', '阑尾粪石可提示急性阑尾炎。'), AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('gleans at most once per chunk, only long chunks with unrelated lexicon entities, within the per-source budget', async () => {
    expect(visibleLength(LUNG)).toBeGreaterThanOrEqual(300);
    fake.script(knowledgeableModel);
    const x = extractor();
    const results = [];
    for (let i = 1; i <= 4; i++) results.push(await x.extract(chunkOf(`long${i}`, `${LUNG}（第${i}节）`, 'src_glean')));
    // The budget grows by 0.3 per chunk: chunks 1–3 may not glean, chunk 4 may.
    expect(results.map((r) => r.gleaned)).toEqual([false, false, false, true]);
    expect(results.map((r) => r.llmCalls)).toEqual([1, 1, 1, 2]);
    expect(results[0].triples).toHaveLength(2);
    expect(results[3].triples.map((r) => r.predicate)).toEqual(['has_sign', 'suggests', 'has_sign', 'subtype_of', 'differential_of', 'treated_by']);
    expect(results[3].dropped.duplicate).toBe(1);
    const glean = fake.requests[4].messages;
    expect(glean.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(glean[3].content).toBe(GLEAN);
    // Off by option; never for a short chunk.
    fake.reset();
    fake.script(knowledgeableModel);
    const off = extractor({ glean: false });
    for (let i = 1; i <= 5; i++) expect((await off.extract(chunkOf(`off${i}`, `${LUNG}（另${i}）`, 'src_off'))).gleaned).toBe(false);
    const short = extractor({ maxGleanShare: 1 });
    expect((await short.extract(chunkOf('short', FACTS[0].quote + FACTS[1].quote, 'src_short'))).gleaned).toBe(false);
    expect(fake.requests).toHaveLength(6);
  });

  it('keeps the average at or under 1.3 calls per chunk over a batch, and a re-run makes no call', async () => {
    fake.script(knowledgeableModel);
    const shorts = FACTS.map((f) => f.quote);
    const texts = [LUNG, shorts[0], shorts[3], APPENDIX, shorts[6], shorts[7], LUNG.replace('肺癌是', '原发性肺癌是'), shorts[8], shorts[9], `${APPENDIX} `];
    const batch = texts.map((text, i) => chunkOf(`b${i}`, text, 'src_batch'));
    expect(visibleLength(APPENDIX)).toBeGreaterThanOrEqual(300);
    const x = extractor();
    const first = [];
    for (const c of batch) first.push(await x.extract(c));
    const calls = first.reduce((n, r) => n + r.llmCalls, 0);
    expect(first.filter((r) => r.gleaned).length).toBe(3);
    expect(calls / batch.length).toBeLessThanOrEqual(1.3);
    expect(fake.requests).toHaveLength(calls);
    // Another process (new extractor, same database) re-runs the source: every answer comes from the cache.
    fake.reset();
    const rerun = extractor();
    const second = [];
    for (const c of batch) second.push(await rerun.extract(c));
    expect(second.reduce((n, r) => n + r.llmCalls, 0)).toBe(0);
    expect(fake.requests).toHaveLength(0);
    expect(second.map((r) => r.triples)).toEqual(first.map((r) => r.triples));
    expect(second.reduce((n, r) => n + r.cacheHits, 0)).toBe(batch.length + 3);
  });

  it('works the same over the OpenAI-compatible wire format (response_format json_schema)', async () => {
    fake.script(knowledgeableModel);
    const x = new LlmExtractor(new OpenAiProvider({ url: fake.url, model: 'qwen-fake', timeoutMs: 3000, backoffMs: 5 }), lexicon);
    expect(x.version).toBe('openai:qwen-fake/extract-triples@v1');
    const res = await x.extract(chunkOf('o1', FACTS[6].quote + FACTS[7].quote));
    expect(res.triples.map((r) => r.object.entityId)).toEqual(['find.appendiceal_enlargement', 'dis.acute_appendicitis']);
    expect(fake.requests[0].responseFormat).toMatchObject({ type: 'json_schema', json_schema: { name: 'extract_triples', strict: true } });
  });
});
