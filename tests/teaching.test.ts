import JSZip from 'jszip';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.ts';
import { deidentifyProvider, OllamaProvider } from '../llm/index.ts';
import {
  analyseItems, checkItem, creditFor, DuplicateIndex, exportMoodleXml, exportQtiPackage, exportXlsx, type Fact, FactGraph, generateItems, LlmEngine, parseMoodleXml, parseXlsx, pointBiserial,
  type QuestionDraft, TemplateEngine,
} from '../teaching/index.ts';
import { type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';

/**
 * Question generation on a small synthetic approved graph (not the demo corpus: the engine must work on
 * any graph): template items and their checks, too few facts, duplicate options, a model answer not
 * among its options (the llm engine against the protocol-level fake model server), scoring and item analysis.
 */
const E = (id: string, type: string, nameZh: string) => ({ id, type, nameZh, nameEn: id });
const ent = {
  a: E('d_a', 'Disease', '甲型结节病'), b: E('d_b', 'Disease', '乙型肺炎'), c: E('d_c', 'Disease', '丙型脓肿'), d: E('d_d', 'Disease', '丁型囊肿'), few: E('d_few', 'Disease', '戊型少见病'),
  s1: E('s1', 'Sign', '分叶征'), s2: E('s2', 'Sign', '毛刺征'), s3: E('s3', 'Sign', '胸膜凹陷'), s4: E('s4', 'Sign', '空泡征'),
  s5: E('s5', 'Sign', '支气管充气征'), s6: E('s6', 'Sign', '气液平面'), s7: E('s7', 'Sign', '环形强化'), s8: E('s8', 'Sign', '薄壁囊腔'), s9: E('s9', 'Sign', '晕征'),
  ct: E('m_ct', 'Modality', 'CT'), mr: E('m_mr', 'Modality', 'MRI'), us: E('m_us', 'Modality', '超声'), pet: E('m_pet', 'Modality', 'PET-CT'), dsa: E('m_dsa', 'Modality', 'DSA'),
};
let n = 0;
const nameOf = (e: { id: string }) => Object.values(ent).find((x) => x.id === e.id)?.nameZh ?? e.id;
// A passage that states the fact (the evidence checks want the subject or the object named in it).
const fact = (s: { id: string }, predicate: string, o: { id: string }, certainty: Fact['certainty'] = 'present', quote = `${nameOf(s)}：${nameOf(o)}。`): Fact => ({
  id: `rel_${++n}`, subject: Object.values(ent).find((e) => e.id === s.id) as Fact['subject'], predicate, object: Object.values(ent).find((e) => e.id === o.id) as Fact['object'], certainty, qualifiers: {},
  evidence: [{ candidateId: `c${n}`, sourceId: 'src_1', sourceTitle: '合成教学指南（测试）', version: '2025版', year: 2025, superseded: false, retracted: false, page: 3, chunkId: null, quote, extractor: 'rules', extractorVersion: 't' }],
});
const facts: Fact[] = [
  fact(ent.a, 'has_sign', ent.s1), fact(ent.a, 'has_sign', ent.s2), fact(ent.a, 'has_sign', ent.s3), fact(ent.a, 'has_sign', ent.s4),
  fact(ent.a, 'has_sign', ent.s9, 'possible'), fact(ent.a, 'has_sign', ent.s6, 'absent', '甲型结节病不出现气液平面。'),
  fact(ent.a, 'examined_by', ent.ct, 'present', '甲型结节病首选CT检查。'), fact(ent.a, 'differential_of', ent.b),
  fact(ent.b, 'has_sign', ent.s5), fact(ent.b, 'has_sign', ent.s9), fact(ent.b, 'examined_by', ent.mr),
  fact(ent.c, 'has_sign', ent.s6), fact(ent.c, 'has_sign', ent.s7), fact(ent.c, 'examined_by', ent.us),
  fact(ent.d, 'has_sign', ent.s8), fact(ent.d, 'examined_by', ent.pet), fact(ent.c, 'examined_by', ent.dsa), fact(ent.few, 'has_sign', ent.s8),
];
const graph = new FactGraph(facts);
const engine = new TemplateEngine();

describe('template engine on any approved graph', () => {
  it('writes single, multiple and "which is NOT" items whose keys are approved facts and whose distractors are not', () => {
    const { items } = engine.draftSync({ subject: ent.a, graph, count: 50 });
    const bank = new DuplicateIndex();
    const problems = items.map((d) => { const p = checkItem(d, graph, bank); if (!p) bank.add(d.stem + d.key.join(), d); return p; });
    expect(problems.filter(Boolean)).toEqual([]);
    const ok = items;
    expect(ok.length).toBe(items.length);
    const sign = ok.find((d) => d.template === 'typical_sign' && d.stem === '以下哪项是甲型结节病的典型影像征象？');
    expect(sign).toBeTruthy();
    const texts = (d: QuestionDraft, keyed: boolean) => d.options.filter((o) => d.key.includes(o.label) === keyed).map((o) => o.text);
    for (const d of ok.filter((x) => x.template === 'typical_sign')) {
      expect(['分叶征', '毛刺征', '胸膜凹陷', '空泡征']).toContain(texts(d, true)[0]);
      // 晕征 is only "possible" for 甲型结节病: never a distractor. 支气管充气征 (the differential's sign) comes first.
      expect(texts(d, false)).not.toContain('晕征');
      expect(texts(d, false)).toContain('支气管充气征');
      expect(d.citations.relationIds.length).toBe(1);
      expect(d.explanation).toContain('《合成教学指南（测试）》 2025版（2025） 第3页');
      expect(d.tags).toContain('d_a');
    }
    const preferred = ok.find((d) => d.template === 'preferred_exam');
    expect(preferred?.stem).toBe('甲型结节病首选的影像学检查是：');
    expect(texts(preferred as QuestionDraft, true)).toEqual(['CT']);
    // The explicit negative (气液平面 is stated absent) is the key of the NOT item, cited with its relation.
    const not = ok.find((d) => d.template === 'typical_sign.not');
    expect(texts(not as QuestionDraft, true)).toEqual(['气液平面']);
    expect(not?.explanation).toContain('明确不属于');
    const multi = ok.filter((d) => d.type === 'multiple');
    expect(multi.length).toBeGreaterThan(0);
    for (const m of multi) expect(m.key.length).toBeGreaterThanOrEqual(2);
    expect(ok.find((d) => d.template === 'differential')?.options.some((o) => o.text === '乙型肺炎' && d_key(d_find(ok, 'differential'), o.label))).toBe(true);
    const levels = new Set(ok.map((d) => d.level));
    expect(levels.size).toBeGreaterThan(1);
  });

  it('too few facts: says how many it could make and why', async () => {
    const err = await generateItems(engine, { subject: ent.few, graph, count: 5, bank: new DuplicateIndex() }).catch((e) => e);
    expect(isAppError(err) && err.code).toBe('TOO_FEW_FACTS');
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/只能生成 \d+ 道合格题目，要求 5 道/);
    expect(err.message).toContain('影像表现 1 条');
    expect(err.details).toMatchObject({ asked: 5, facts: { has_sign: 1 } });
    const fewer = await generateItems(engine, { subject: ent.few, graph, count: 5, allowFewer: true, bank: new DuplicateIndex() });
    expect(fewer.items.length).toBe(err.details.possible);
  });

  it('rejects duplicate options, a key not among the options, a true distractor and a bank duplicate', () => {
    const [base] = engine.draftSync({ subject: ent.a, graph, count: 1, type: 'single' }).items;
    const opts = base.options;
    const dup = { ...base, options: opts.map((o, i) => (i === 1 ? { ...o, text: `${opts[0].text} `, entityId: null } : o)) };
    expect(checkItem(dup, graph)?.code).toBe('DUPLICATE_OPTIONS');
    expect(checkItem({ ...base, key: ['H'] }, graph)?.code).toBe('KEY_NOT_IN_OPTIONS');
    const keyText = opts.find((o) => base.key.includes(o.label))?.text as string;
    expect(checkItem({ ...base, stem: `甲型结节病常见${keyText}。以下哪项是甲型结节病的征象？` }, graph)?.code).toBe('KEY_IN_STEM');
    const wrongKey = { ...base, key: [opts.find((o) => !base.key.includes(o.label))?.label as string] };
    expect(['KEY_NOT_SUPPORTED', 'DISTRACTOR_TRUE']).toContain(checkItem(wrongKey, graph)?.code);
    const trueDistractor = { ...base, options: opts.map((o) => (base.key.includes(o.label) ? o : o === opts.find((x) => !base.key.includes(x.label)) ? { ...o, text: '晕征', entityId: 's9' } : o)) };
    expect(checkItem(trueDistractor, graph)?.code).toBe('DISTRACTOR_TRUE');
    const bank = new DuplicateIndex();
    bank.add('q_1', base);
    expect(checkItem({ ...base, options: [...opts].reverse() }, graph, bank)?.code).toBe('DUPLICATE_OF_BANK');
  });
});

function d_find(items: QuestionDraft[], t: string) {
  return items.find((d) => d.template === t) as QuestionDraft;
}
function d_key(d: QuestionDraft, label: string) {
  return d.key.includes(label);
}

describe('llm engine (protocol-level fake model server)', () => {
  let fake: FakeLlmServer;
  let reply: unknown;
  beforeAll(async () => {
    fake = await startFakeLlmServer({ models: ['fake-model'], script: () => ({ json: reply }) });
  });
  afterAll(() => fake?.close());
  const llm = () => new LlmEngine({
    provider: deidentifyProvider(new OllamaProvider({ url: fake.url, model: 'fake-model', timeoutMs: 5000, numCtx: 4096 })),
    retrieve: async () => [{ sourceId: 'src_1', title: '合成教学指南（测试）', version: '2025版', year: 2025, page: 3, quote: '甲型结节病常见分叶征和毛刺征。' }],
  });

  it('grounded JSON items pass the same checks; an answer not among the options, a true distractor and a malformed item are rejected with reasons', async () => {
    reply = {
      questions: [
        { type: 'single', stem: '以下哪项是甲型结节病的典型CT征象？', options: ['分叶征', '环形强化', '薄壁囊腔', '支气管充气征'], answer: ['分叶征'], explanation: '见R1。', relationIds: ['R1'], passageIds: ['P1'] },
        { type: 'single', stem: '甲型结节病首选哪种检查？', options: ['CT', 'MRI', '超声', 'PET-CT'], answer: ['X线平片'], explanation: '', relationIds: ['R1'], passageIds: [] },
        { type: 'single', stem: '以下哪项是甲型结节病的征象？', options: ['毛刺征', '晕征', '环形强化', '薄壁囊腔'], answer: ['毛刺征'], explanation: '', relationIds: ['R2'], passageIds: [] },
        { type: 'single', stem: '缺选项' },
      ],
    };
    const out = await generateItems(llm(), { subject: ent.a, graph, count: 1, bank: new DuplicateIndex() });
    expect(out.items).toHaveLength(1);
    expect(out.items[0]).toMatchObject({ engine: 'llm', key: ['A'], diseaseId: 'd_a' });
    expect(out.items[0].citations.relationIds).toHaveLength(1);
    expect(out.items[0].citations.passages.some((p) => p.page === 3)).toBe(true);
    const codes = out.rejected.map((r) => r.code).sort();
    expect(codes).toEqual(['DISTRACTOR_TRUE', 'KEY_NOT_IN_OPTIONS', 'MODEL_ITEM_INVALID']);
    expect(out.rejected.find((r) => r.code === 'KEY_NOT_IN_OPTIONS')?.message).toContain('X线平片');
    const req = fake.requests.at(-1);
    expect(req?.format).toBeTruthy(); // JSON schema sent (Ollama `format`)
    expect(req?.messages[1].content).toContain('甲型结节病—影像表现—分叶征');
  });

  it('asks for one item per target fact with distractor candidates the graph has cleared; one unusable answer does not sink the others', async () => {
    // A model that follows the prompt: the key is the target fact's object, the distractors the first candidates.
    let call = 0;
    fake.script((req) => {
      call++;
      if (call === 2 || call === 3) return { json: 'not json' }; // the second target's call and its repair
      const user = req.messages[1].content;
      const key = /R1：[^—\n]+—[^—\n]+—([^\n]+)/.exec(user)?.[1] ?? '';
      const candidates = (/候选干扰项[^\n]*\n([^\n]+)/.exec(user)?.[1] ?? '').split('、').slice(0, 3);
      const aspect = /考查：([^\n]+)/.exec(user)?.[1] ?? '';
      return { json: { questions: [{ type: 'single', stem: `下列哪项属于甲型结节病的${aspect}？`, options: [key, ...candidates], answer: [key], explanation: '见R1、P1。', relationIds: ['R1'], passageIds: ['P1'] }] } };
    });
    try {
      fake.requests.length = 0;
      const out = await generateItems(llm(), { subject: ent.a, graph, count: 3, type: 'single', allowFewer: true, bank: new DuplicateIndex() });
      expect(fake.requests).toHaveLength(4);
      const firstCalls = [fake.requests[0], fake.requests[1], fake.requests[3]].map((r) => r.messages[1].content);
      const trueSigns = ['分叶征', '毛刺征', '胸膜凹陷', '空泡征', '晕征'];
      for (const u of firstCalls) {
        expect(u).toContain('R1：甲型结节病—');
        expect(u).not.toContain('R2：');
        const candidates = /候选干扰项[^\n]*\n([^\n]+)/.exec(u)?.[1] ?? '';
        for (const s of trueSigns) expect(candidates.split('、')).not.toContain(s);
      }
      // Three different aspects: a sign, the first-choice examination, a differential.
      expect(firstCalls[0]).toContain('甲型结节病—影像表现—分叶征');
      expect(firstCalls.some((u) => u.includes('—CT'))).toBe(true);
      expect(out.items).toHaveLength(2);
      expect(new Set(out.items.map((d) => d.citations.relationIds[0])).size).toBe(2);
      expect(out.rejected.map((r) => r.code)).toEqual(['MODEL_OUTPUT_INVALID']);
    } finally {
      fake.script(() => ({ json: reply }));
    }
  });

  it('malformed JSON twice: LLM_BAD_OUTPUT naming the model', async () => {
    reply = 'not json at all';
    const err = await generateItems(llm(), { subject: ent.a, graph, count: 1, bank: new DuplicateIndex() }).catch((e) => e);
    expect(err.code).toBe('LLM_BAD_OUTPUT');
    expect(err.message).toContain('fake-model');
  });
});

describe('scoring and item analysis', () => {
  it('single, all-or-nothing and partial credit', () => {
    expect(creditFor('single', ['A'], ['A'], 'partial')).toBe(1);
    expect(creditFor('multiple', ['A', 'C'], ['A'], 'all_or_nothing')).toBe(0);
    expect(creditFor('multiple', ['A', 'C'], ['A'], 'partial')).toBe(0.5);
    expect(creditFor('multiple', ['A', 'C'], ['A', 'B'], 'partial')).toBe(0);
    expect(creditFor('multiple', ['A', 'C'], ['C', 'A'], 'all_or_nothing')).toBe(1);
  });

  it('p-value, corrected point-biserial (flag < 0.2) and distractor counts', () => {
    // q1 separates strong from weak residents; q2 everyone gets wrong in the same way except one weak resident.
    const mk = (id: string, q1: boolean, q2: boolean, rest: number) => ({
      attemptId: id, username: id,
      items: [
        { questionId: 'q1', chosen: [q1 ? 'A' : 'B'], credit: q1 ? 1 : 0 },
        { questionId: 'q2', chosen: [q2 ? 'A' : 'C'], credit: q2 ? 1 : 0 },
        ...Array.from({ length: 4 }, (_, i) => ({ questionId: `f${i}`, chosen: ['A'], credit: i < rest ? 1 : 0 })),
      ],
    });
    const attempts = [mk('r1', true, false, 4), mk('r2', true, false, 3), mk('r3', true, false, 3), mk('r4', false, true, 1), mk('r5', false, false, 0)];
    const stats = analyseItems(attempts, [{ questionId: 'q1', labels: ['A', 'B', 'C', 'D'], key: ['A'] }, { questionId: 'q2', labels: ['A', 'B', 'C', 'D'], key: ['A'] }]);
    expect(stats[0]).toMatchObject({ n: 5, p: 0.6, flagged: false });
    expect(stats[0].discrimination).toBeGreaterThan(0.7);
    expect(stats[1].p).toBe(0.2);
    expect(stats[1].discrimination).toBeLessThan(0.2);
    expect(stats[1].flagged).toBe(true);
    expect(stats[1].options.find((o) => o.label === 'C')).toMatchObject({ chosen: 4, share: 0.8, key: false });
    expect(stats[0].options.find((o) => o.label === 'A')).toMatchObject({ chosen: 3, upper: 1, lower: 0, key: true });
    expect(pointBiserial([1, 1], [2, 3])).toBeNull();
  });
});

describe('exchange formats', () => {
  const rows = [
    { type: 'single' as const, stem: '以下哪项是甲型结节病的典型CT征象？', options: ['分叶征', '环形强化', '薄壁囊腔', '支气管充气征'], key: ['A'], explanation: '依据《合成教学指南》第3页。\n<注意> & 引号"', tags: ['d_a'], level: 'easy' as const },
    { type: 'multiple' as const, stem: '甲型结节病的影像表现包括（多选）：', options: ['分叶征', '毛刺征', '环形强化', '胸膜凹陷', '薄壁囊腔'], key: ['A', 'B', 'D'], explanation: '', tags: ['d_a', 's1'], level: 'hard' as const },
  ];

  it('xlsx and Moodle XML round-trip; the QTI 2.1 package is well-formed with a manifest and correct responses', async () => {
    expect((await parseXlsx(await exportXlsx(rows))).rows).toEqual(rows);
    const xml = exportMoodleXml(rows);
    expect(xml).toContain('<answer fraction="33.33333"');
    expect(parseMoodleXml(xml)).toEqual({ rows, numbers: [1, 2], errors: [] });
    const zip = await JSZip.loadAsync(await exportQtiPackage(rows));
    const manifest = await zip.file('imsmanifest.xml')?.async('string');
    expect(manifest).toContain('imsqti_item_xmlv2p1');
    const item = (await zip.file('items/YZ0002.xml')?.async('string')) as string;
    new SaxesParser({ xmlns: true }).write(item).close(); // throws when not well-formed
    expect(item).toContain('<correctResponse><value>A</value><value>B</value><value>D</value></correctResponse>');
    expect(item).toContain('cardinality="multiple"');
  });

  it('malformed files and bad rows are reported by row and field', async () => {
    await expect(parseXlsx(Buffer.from('not a zip at all'))).rejects.toMatchObject({ code: 'IMPORT_INVALID' });
    expect(() => parseMoodleXml('<quiz><question type="multichoice"><questiontext>')).toThrow(/malformed Moodle XML/);
    const bad = parseMoodleXml('<quiz><question type="truefalse"/><question type="multichoice"><questiontext><text>题干太短</text></questiontext><answer fraction="0"><text>甲</text></answer><answer fraction="0"><text>乙</text></answer></question></quiz>');
    expect(bad.errors).toEqual([
      { row: 1, field: 'type', message: expect.stringContaining('truefalse') },
      { row: 2, field: 'key', message: '缺少答案' },
    ]);
  });
});
