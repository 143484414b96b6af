import { beforeAll, describe, expect, it } from 'vitest';
import type { ExtractedTriple } from '../knowledge/model.ts';
import { objectsOf, rulesSection, subjectsOf } from './helpers/rules-triples.ts';

/**
 * rules-v9 (issue 13, item 5): who a treatment is for. A complication named in a condition clause (形成X时, 出现X者)
 * is the subject of the treatment advised for it; a group of the topic's patients (X者) and the topic's own lesion
 * qualified (局限性病变) stand for the topic; a sentence about a group of patients opens no topic.
 * Sentences authored for these tests; no disease here is a topic of an extraction gold set.
 */
describe('rules extraction on textbook-style text (rules-v9)', () => {
  let run: (text: string) => ExtractedTriple[];
  beforeAll(() => {
    run = rulesSection();
  });


  it('a complication named in a condition clause is the subject of its treatment and a complication of the topic', () => {
    const t = run('急性乳突炎是乳突气房的急性化脓性炎症。治疗以静脉抗生素为主，形成骨膜下脓肿时需切开引流。');
    expect(objectsOf(t, '骨膜下脓肿', 'treated_by')).toContain('切开引流');
    expect(objectsOf(t, '急性乳突炎', 'treated_by')).not.toContain('切开引流');
    expect(objectsOf(t, '骨膜下脓肿', 'complication_of')).toContain('急性乳突炎');
    const s = run('急性乳突炎是乳突气房的急性化脓性炎症。治疗以静脉抗生素为主，出现乙状窦血栓者需抗凝治疗。');
    expect(subjectsOf(s, 'treated_by')).toEqual(expect.arrayContaining(['急性乳突炎', '乙状窦血栓']));
    expect(objectsOf(s, '乙状窦血栓', 'complication_of')).toContain('急性乳突炎');
  });

  it('a group of the topic’s patients and the topic’s qualified lesion stand for the topic', () => {
    const t = run('软骨母细胞瘤是好发于骨骺的良性肿瘤。局限性病变首选病灶刮除植骨术，多发或复发者使用射频消融治疗。');
    expect(subjectsOf(t, 'treated_by')).toEqual(['软骨母细胞瘤']);
    expect(objectsOf(t, '软骨母细胞瘤', 'treated_by')).toEqual(expect.arrayContaining(['病灶刮除植骨术', '射频消融']));
  });

  it('a sentence about a group of patients opens no topic: later treatments stay with the section’s disease', () => {
    const t = run('软骨母细胞瘤是好发于骨骺的良性肿瘤。严重者可发展为病理性骨折。以关节痛为主诉者易被误诊为关节炎。治疗以手术刮除为主。');
    expect(subjectsOf(t, 'treated_by')).toEqual(['软骨母细胞瘤']);
    expect(objectsOf(t, '软骨母细胞瘤', 'treated_by')).toContain('手术刮除');
  });

  it('红细胞沉降率 is a name: its result is a finding of the topic', () => {
    const t = run('软骨母细胞瘤是好发于骨骺的良性肿瘤。少数患者红细胞沉降率增快。');
    expect(t.map((r) => r.object.text).join(' ')).toContain('红细胞沉降率');
  });
});
