import { beforeAll, describe, expect, it } from 'vitest';
import type { ExtractedTriple } from '../knowledge/model.ts';
import { objectsOf, rulesSection, subjectsOf } from './helpers/rules-triples.ts';

/**
 * rules-v10 (issue 13, item 5): what an exam examines, and name boundaries. In a section an exam examines the topic,
 * not the finding, rival or spread it goes on to name; wordings of purpose (是诊断的关键, 对确诊至关重要, 可清楚显示) and
 * of little use (多无特异性异常, 检出率低, 易漏诊) name exams, the latter with their certainty.
 * Sentences authored for these tests; no disease here is a topic of an extraction gold set.
 */
describe('rules extraction on textbook-style text (rules-v10)', () => {
  let run: (text: string) => ExtractedTriple[];
  beforeAll(() => {
    run = rulesSection();
  });

  const certainty = (t: ExtractedTriple[], subject: string, object: string) =>
    t.find((x) => x.subject.text === subject && x.predicate === 'examined_by' && x.object.text === object)?.certainty;

  it('an exam examines the section’s disease, not the findings, rivals or spread it names after it', () => {
    const t = run('肾母细胞瘤是儿童最常见的肾脏恶性肿瘤。超声可发现肾积水和腹水。MRI有助于与神经母细胞瘤鉴别。CT和MRI用于评估腹膜转移及淋巴结转移。');
    expect(subjectsOf(t, 'examined_by')).toEqual(['肾母细胞瘤']);
    expect(objectsOf(t, '肾母细胞瘤', 'examined_by')).toEqual(expect.arrayContaining(['超声', 'MRI', 'CT']));
  });

  it('是诊断的关键, 对确诊至关重要 and 可清楚显示 name the exam for the topic', () => {
    const t = run('结节病是原因不明的多系统肉芽肿性疾病。高分辨率CT是诊断的关键。经支气管肺活检对确诊至关重要。MRI可清楚显示心脏受累范围。');
    expect(objectsOf(t, '结节病', 'examined_by')).toEqual(expect.arrayContaining(['高分辨率CT', '支气管肺活检', 'MRI']));
  });

  it('an exam judged of little use is an exam of the topic, possible or absent', () => {
    const t = run('骨髓炎是骨的化脓性感染。X线早期多无特异性异常。早期病灶在超声上易漏诊。');
    expect(certainty(t, '骨髓炎', 'X线')).toBe('possible');
    expect(certainty(t, '骨髓炎', '超声')).toBe('possible');
    const later = run('骨髓炎是骨的化脓性感染。发病2周内X线片常无明显异常，对早期诊断不敏感。');
    expect(certainty(later, '骨髓炎', 'X线')).toBe('absent');
  });

  it('names keep their inside: 非达霉素, 1,3-β-D葡聚糖, 气管切开, 刮除植骨, 西那卡塞', () => {
    const cdi = run('艰难梭菌结肠炎是抗生素相关的结肠感染。治疗首选口服万古霉素或非达霉素。');
    expect(objectsOf(cdi, '艰难梭菌结肠炎', 'treated_by')).toEqual(expect.arrayContaining(['万古霉素', '非达霉素']));
    expect(objectsOf(cdi, '艰难梭菌结肠炎', 'treated_by')).not.toContain('霉素');
    const fungal = run('肺毛霉病是毛霉引起的侵袭性真菌感染。血清1,3-β-D葡聚糖试验有助于诊断。');
    expect(objectsOf(fungal, '肺毛霉病', 'examined_by').some((o) => o.includes('1,3-β-D葡聚糖'))).toBe(true);
    const larynx = run('喉软骨软化症是婴儿喉鸣的常见原因。出现喉阻塞时应行气管切开。');
    expect(objectsOf(larynx, '喉阻塞', 'treated_by')).toContain('气管切开');
    const cyst = run('骨嗜酸性肉芽肿是朗格汉斯细胞增生的骨病变。治疗以刮除植骨为主。');
    expect(objectsOf(cyst, '骨嗜酸性肉芽肿', 'treated_by')).toContain('刮除植骨');
    expect(cyst.filter((x) => x.predicate === 'located_at').map((x) => x.object.text)).not.toContain('刮除植骨');
    const pth = run('三发性甲状旁腺功能亢进症多见于肾移植后。不能手术者可用西那卡塞控制血钙。');
    expect(objectsOf(pth, '三发性甲状旁腺功能亢进症', 'treated_by')).toContain('西那卡塞');
  });

  it('可/不可切除 describes patients: no treatment named 切除', () => {
    const t = run('胆管癌是起源于胆管上皮的恶性肿瘤。可切除者首选根治性切除术，不可切除或转移者以化疗为主。');
    expect(objectsOf(t, '胆管癌', 'treated_by')).toEqual(expect.arrayContaining(['根治性切除', '化疗']));
    expect(objectsOf(t, '胆管癌', 'treated_by')).not.toContain('切除');
  });
});
