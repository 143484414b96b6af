import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTRACTIVE_LABEL } from '../agents/index.ts';
import { quote, renderAnswer } from '../agents/chat/answer-render.ts';
import { requiredCodes } from '../agents/chat/answer-extractive.ts';
import { classifyQuestion } from '../agents/chat/question-intent.ts';
import type { ToolEvidence } from '../agents/tools/tool.ts';
import type { Runtime } from '../runtime/index.ts';
import { DEMO, ingestFiles, testRuntime } from './helpers/runtime.ts';

const FILES = ['lung-nodule-guideline.md', 'lung-cancer-tnm-guideline.md', 'stroke-guideline.md', 'stroke-textbook.md', 'abdomen-textbook.md', 'acute-abdomen-guideline.md'].map((f) =>
  path.join(DEMO, f),
);
const MARKER = /\[(\d+)\]/g;
const numbers = (s: string) => [...s.normalize('NFKC').replace(MARKER, ' ').matchAll(/\d+(?:\.\d+)?/g)].map((m) => String(Number(m[0])));

let rt: Runtime;
beforeAll(async () => {
  rt = await testRuntime();
  await ingestFiles(rt, FILES, { demo: true });
  // Every candidate approved, so the graph is full of facts a careless answer could wander into.
  const { approvable } = await rt.knowledge.review.bulkPreview({}, 0);
  await rt.knowledge.review.bulk('approve', { filter: {}, confirmCount: approvable }, { actor: 'test' });
  await rt.knowledge.projector.catchUp();
}, 300_000);
afterAll(async () => rt?.close());

async function ask(message: string) {
  const res = await rt.chat.ask({ message, actor: 'resident' });
  const ids = res.citations.flatMap((c) => (c.chunkId && c.kind === 'chunk' ? [c.chunkId] : []));
  const { rows } = await rt.db.query<{ id: string; text: string }>('SELECT id, text FROM chunks WHERE id = ANY($1::text[])', [ids]);
  const text = new Map(rows.map((r) => [r.id, r.text]));
  const evidence = (n: number) => {
    const c = res.citations.find((x) => x.n === n);
    if (!c) return undefined;
    return c.kind === 'relation' ? `${c.triple?.subject} ${c.triple?.object} ${c.quote}` : text.get(c.chunkId ?? '');
  };
  return { res, evidence };
}

/** Citations numbered 1…k with no gap, every one used in the text, no marker pointing at nothing. */
function expectContiguous(answer: string, citations: Array<{ n: number }>) {
  expect(citations.map((c) => c.n)).toEqual(citations.map((_, i) => i + 1));
  const used = new Set([...answer.matchAll(MARKER)].map((m) => Number(m[1])));
  expect([...used].sort((a, b) => a - b)).toEqual(citations.map((c) => c.n));
}

/** Every number in every cited line is copied from the passage that line cites. */
function expectNumbersFromEvidence(answer: string, evidence: (n: number) => string | undefined) {
  for (const line of answer.split('\n')) {
    const cites = [...line.matchAll(MARKER)].map((m) => Number(m[1]));
    if (!cites.length) continue;
    const known = new Set(cites.flatMap((n) => numbers(evidence(n) ?? '')));
    for (const x of numbers(line)) expect(known.has(x), `${x} in 「${line}」`).toBe(true);
  }
}

describe('extractive answers that answer (YZ_LLM=none)', () => {
  it('肺结节多大需要随访？ — the size thresholds with their intervals, from the follow-up table, as a table', async () => {
    const { res, evidence } = await ask('肺结节多大需要随访？');
    expect(res.engine).toBe('extractive');
    expect(res.refused).toBe(false);
    expect(res.answer.startsWith(EXTRACTIVE_LABEL.zh)).toBe(true);
    expect(res.answer).toContain('表 10-1 偶发实性结节随访建议');
    expect(res.answer).toContain('| 结节大小（平均直径） | 单发·低风险 | 单发·高风险 | 多发 |');
    for (const row of ['| ＜6 mm | 无需常规随访 |', '| 6～8 mm | 6～12 个月复查 CT', '| ＞8 mm | 3 个月复查 CT，或行 PET-CT，或活检 |']) expect(res.answer).toContain(row);
    expectContiguous(res.answer, res.citations);
    expectNumbersFromEvidence(res.answer, evidence);
    expect(res.sentences.every((s) => s.supported)).toBe(true);
  }, 60_000);

  it('非小细胞肺癌T2期的标准是什么 — opens with the T2 definition of section 5.3 and lists its criteria', async () => {
    const { res, evidence } = await ask('非小细胞肺癌T2期的标准是什么');
    const lines = res.answer.split('\n');
    expect(lines[1]).toBe('根据《非小细胞肺癌影像诊断与TNM分期指南（演示版）》：');
    // The T2 definition of section 5.3 is among the opening lines (a T2 reading note may precede it).
    expect(lines.slice(2, 4).some((l) => /^T2 是指肿瘤最大径大于 3 cm 但不超过 5 cm/.test(l))).toBe(true);
    for (const fact of ['侵犯主支气管', '侵犯脏层胸膜', '延伸至肺门区的肺不张或阻塞性肺炎', 'T2a：肿瘤最大径大于 3 cm 但不超过 4 cm', 'T2b：肿瘤最大径大于 4 cm 但不超过 5 cm']) {
      expect(res.answer).toContain(fact);
    }
    const first = res.citations.find((c) => c.n === 1);
    expect(first).toMatchObject({ kind: 'chunk', title: '非小细胞肺癌影像诊断与TNM分期指南（演示版）', page: 5 });
    expect(res.answer).not.toContain('侵犯膈肌');
    expectContiguous(res.answer, res.citations);
    expectNumbersFromEvidence(res.answer, evidence);
  }, 60_000);

  it('急性脑梗死的CT早期征象有哪些？ — opens with the early CT signs of the stroke guideline, section 5, and no unrelated graph facts', async () => {
    const { res, evidence } = await ask('急性脑梗死的CT早期征象有哪些？');
    const lines = res.answer.split('\n');
    expect(lines[1]).toBe('根据《急性缺血性脑卒中影像学评估指南（演示版）》：');
    // Opens with section 5 of the guideline (its early-sign definitions), whichever of them ranks first.
    expect(lines[2]).toMatch(/^(?:致密动脉征|早期缺血征象|岛带征|豆状核模糊|脑沟消失|脑实质低密度)/);
    for (const sign of ['岛带征', '豆状核模糊', '脑沟消失', '脑实质低密度']) expect(res.answer).toContain(sign);
    const first = res.citations.find((c) => c.n === 1);
    expect(first?.title).toBe('急性缺血性脑卒中影像学评估指南（演示版）');
    expect([5, 6]).toContain(first?.page);
    for (const off of ['胆囊结石', '腹腔脓肿', '肝脓肿', '肺结节']) expect(res.answer).not.toContain(off);
    // A graph fact, if any, is about the question's disease and says what its signs are.
    for (const c of res.citations.filter((x) => x.kind === 'relation')) expect(['影像表现', '提示']).toContain(c.triple?.predicate);
    expectContiguous(res.answer, res.citations);
    expectNumbersFromEvidence(res.answer, evidence);
  }, 60_000);

  it('says plainly when the knowledge base lacks the answer: codes it never mentions, topics it does not hold', async () => {
    for (const q of ['甲状腺结节TI-RADS分类的标准是什么？', '乳腺BI-RADS 4类病变的恶性概率是多少？', '膝关节半月板撕裂的MRI分级标准？']) {
      const { res } = await ask(q);
      expect(res.refused, q).toBe(true);
      expect(res.answer).toMatch(/^知识库中未找到/);
      expect(res.citations).toEqual([]);
    }
  }, 120_000);

  it('answers an English question in English around the quoted (Chinese) passages', async () => {
    const { res } = await ask('What are the T2 criteria for non-small cell lung cancer?');
    expect(res.refused).toBe(false);
    expect(res.answer.startsWith(EXTRACTIVE_LABEL.en)).toBe(true);
    expect(res.answer).toMatch(/From 《[^》]+》 \(quoted in the source language\):/);
    expect(res.answer).toContain('3 cm');
    expectContiguous(res.answer, res.citations);
  }, 60_000);
});

describe('extractive answer parts', () => {
  it('classifies what a question asks for, including 「X的Y」 and English', () => {
    expect(classifyQuestion('肺结节多大需要随访？').intent).toBe('threshold');
    expect(classifyQuestion('非小细胞肺癌T2期的标准是什么').intent).toBe('staging');
    expect(classifyQuestion('急性脑梗死的CT早期征象有哪些？').intent).toBe('signs');
    expect(classifyQuestion('结核球和周围型肺癌怎么鉴别？').intent).toBe('differential');
    expect(classifyQuestion('怀疑社区获得性肺炎首选什么影像检查？').intent).toBe('exam');
    expect(classifyQuestion('大叶性肺炎的治疗首选什么？').intent).toBe('treatment');
    expect(classifyQuestion('什么是树芽征？').intent).toBe('definition');
    expect(classifyQuestion('小细胞肺癌的影像学特点')).toMatchObject({ intent: 'signs', attribute: { subject: '小细胞肺癌', attribute: '影像学特点' } });
    expect(classifyQuestion('Which imaging test is first choice for brain metastases?').intent).toBe('exam');
  });

  it('quotes with a citation before every clause end, a term\'s colon and list numbers untouched', () => {
    expect(quote('低风险患者无需进行常规随访；高风险患者可于 12 个月复查。', '[1]')).toBe('低风险患者无需进行常规随访[1]；高风险患者可于 12 个月复查[1]。');
    expect(quote('1. 侵犯主支气管：无论肿瘤距隆突多远，均属 T2。', '[2]')).toBe('1. 侵犯主支气管：无论肿瘤距隆突多远，均属 T2[2]。');
    expect(quote('Nodules of 6–8 mm are seen at 6–12 months. Larger ones at 3 months (0.6%).', '[3]')).toBe('Nodules of 6–8 mm are seen at 6–12 months[3]. Larger ones at 3 months (0.6%)[3].');
  });

  it('finds the codes a question depends on (refused when the knowledge base never mentions them)', () => {
    expect(requiredCodes('甲状腺结节TI-RADS分类的标准是什么？')).toEqual(['TI-RADS']);
    expect(requiredCodes('CT angiogram sign 见于什么疾病？')).toEqual(['CT angiogram sign']);
    expect(requiredCodes('How is a renal cyst classified with the Bosniak system?')).toEqual(['Bosniak']);
    expect(requiredCodes('肺结节多大需要随访？')).toEqual([]);
  });

  it('renders units grouped by source with citations numbered in order of first use', () => {
    const chunk = (id: string, sourceId: string, title: string, text: string): Extract<ToolEvidence, { kind: 'chunk' }> => ({
      kind: 'chunk', chunkId: id, sourceId, title, version: null, year: null, page: 1, text, superseded: false, retracted: false,
    });
    const a = chunk('a:1', 'a', '甲指南', '甲句子一。');
    const b = chunk('b:1', 'b', '乙教材', '乙句子一。');
    const c = chunk('a:2', 'a', '甲指南', '甲句子二。');
    const unit = (e: typeof a, score: number) => ({ unit: { rank: 0, index: 0, kind: 'sentence' as const, text: e.text, context: '', intro: false, antecedent: '', evidence: e }, topic: 1, own: 1, subject: 1, slot: true, meta: false, score });
    const { text, cited } = renderAnswer({ kind: 'answer', units: [unit(b, 3), unit(a, 2), unit(c, 1)], facts: [], expand: [] }, 'zh');
    expect(text.split('\n')).toEqual([EXTRACTIVE_LABEL.zh, '根据《乙教材》：', '乙句子一[1]。', '根据《甲指南》：', '甲句子一[2]。', '甲句子二[3]。']);
    expect(cited).toEqual([b, a, c]);
  });
});
