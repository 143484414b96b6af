import { describe, expect, it } from 'vitest';
import { planExtractive } from '../agents/chat/answer-extractive.ts';
import { classifyQuestion } from '../agents/chat/question-intent.ts';
import type { ToolEvidence } from '../agents/tools/tool.ts';

type Chunk = Extract<ToolEvidence, { kind: 'chunk' }>;
type Relation = Extract<ToolEvidence, { kind: 'relation' }>;

const chunk = (id: string, text: string, headingPath: string[]): Chunk => ({
  kind: 'chunk', chunkId: id, sourceId: 'src_a', title: '腹部影像诊断（授权演示内容）', version: null, year: 2024, page: 3, text,
  superseded: false, retracted: false, headingPath,
});

const fact = (id: string, object: string, quote: string): Relation => ({
  kind: 'relation', relationId: id, triple: { subject: '肝血管瘤', predicate: '影像表现', object }, quote, sourceId: 'src_a', title: null,
  version: null, year: null, page: 3, chunkId: null, superseded: false, retracted: false, predicateKey: 'has_sign', subjectId: 'dis.x', objectId: `sign.${id}`,
});

const quoted = (plan: ReturnType<typeof planExtractive>) => [...plan.units.map((u) => u.unit.text), ...plan.facts.map((f) => `${f.triple.object} ${f.quote}`)].join('\n');

describe('extractive answers state no fact about something else (forbidden facts)', () => {
  it('a question after one category quotes the item that answers it, not the neighbouring categories of the list', () => {
    const q = '同侧不同肺叶的单独结节归为什么分期？';
    const passages = [
      chunk('c1', '肺内单独结节的分期如下：\n• T3：同一肺叶内的单独结节。\n• T4：同侧不同肺叶内的单独结节。\n• M1a：对侧肺叶内的单独结节，或胸膜结节。\n• M1b：胸腔外单一器官的单个转移灶。\n• M1c：胸腔外多个器官转移。', ['5 分期', '5.5 单独肿瘤结节']),
    ];
    const terms = [
      { surfaces: ['同侧'], weight: 1 }, { surfaces: ['不同'], weight: 1 }, { surfaces: ['肺叶'], weight: 1 }, { surfaces: ['单独'], weight: 1 },
      { surfaces: ['结节'], weight: 1 }, { surfaces: ['分期'], weight: 1 },
    ];
    const plan = planExtractive({ question: q, intent: classifyQuestion(q), terms, passages, facts: [], entities: [] });
    const text = quoted(plan);
    expect(plan.kind).toBe('answer');
    expect(text).toContain('T4：同侧不同肺叶');
    expect(text).not.toContain('M1b');
    expect(text).not.toContain('M1c');
  });

  it('a question naming a modality quotes no sentence and no graph fact that names only another modality', () => {
    const q = '肝血管瘤的超声表现有哪些？';
    const passages = [
      chunk('c1', '肝血管瘤超声表现为边界清楚的高回声结节，内部可见网格状回声。较大者回声不均匀。', ['3 肝血管瘤', '3.2 超声表现']),
      chunk('c2', '肝血管瘤MRI表现为T2WI明显高信号，呈灯泡征。增强扫描呈周边结节状强化并向心性填充。', ['3 肝血管瘤', '3.3 MRI表现']),
    ];
    const terms = [{ surfaces: ['肝血管瘤'], weight: 2, lexeme: '#dis.x' }, { surfaces: ['超声'], weight: 1, lexeme: '#mod.us' }, { surfaces: ['表现'], weight: 1 }];
    const facts = [fact('r1', '灯泡征', 'MRI T2WI 呈明显高信号，称灯泡征。'), fact('r2', '高回声结节', '超声表现为边界清楚的高回声结节。')];
    const plan = planExtractive({ question: q, intent: classifyQuestion(q), terms, passages, facts, entities: [{ id: 'dis.x', type: 'Disease' }] });
    const text = quoted(plan);
    expect(text).toContain('高回声');
    expect(text).not.toContain('灯泡征');
    expect(text).not.toContain('T2WI');
    expect(plan.facts.map((f) => f.relationId)).toEqual(['r2']);
  });
});
