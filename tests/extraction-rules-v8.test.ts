import { beforeAll, describe, expect, it } from 'vitest';
import type { ExtractedTriple } from '../knowledge/model.ts';
import { objectsOf, rulesSection, subjectsOf } from './helpers/rules-triples.ts';

/**
 * rules-v8 (issue 13, item 5): laboratory results written once for a list of tests, treatments named by what they
 * relieve, procedures through a scope, complications after 并发症为/可致/恶变为, and name boundaries (预防性, 口服, 重者).
 * Sentences authored for these tests; no disease here is a topic of an extraction gold set.
 */
describe('rules extraction on textbook-style text (rules-v8)', () => {
  let run: (text: string) => ExtractedTriple[];
  beforeAll(() => {
    run = rulesSection();
  });


  it('a result word written once after a list of tests is a finding of the topic for each test', () => {
    const t = run('布鲁菌病是布鲁菌引起的人畜共患传染病。血清C反应蛋白和降钙素原常升高。腺苷脱氨酶（ADA）明显升高。表现为血钾明显降低。');
    // Named as test + result, without the specimen (血清) or the adverb (常, 明显), as the gold sets name findings.
    expect(objectsOf(t, '布鲁菌病', 'has_sign')).toEqual(expect.arrayContaining(['C反应蛋白升高', '降钙素原升高', '腺苷脱氨酶升高', '血钾降低']));
    expect(objectsOf(t, '布鲁菌病', 'has_sign')).not.toContain('血钾');
  });

  it('a result glued to the last test of a list is shared by the tests before it, not by symptoms', () => {
    const t = run('布鲁菌病是布鲁菌引起的人畜共患传染病。白细胞计数及中性粒细胞比例增高。');
    expect(objectsOf(t, '布鲁菌病', 'has_sign')).toEqual(expect.arrayContaining(['白细胞计数增高', '中性粒细胞比例增高']));
    const s = run('莱姆病是伯氏疏螺旋体引起的感染。发绀、红细胞增多。');
    expect(objectsOf(s, '莱姆病', 'has_sign')).not.toContain('发绀增多');
  });

  it('a treatment said to relieve or slow the disease treats the section topic', () => {
    const t = run('骨软骨瘤是最常见的良性骨肿瘤之一。非甾体抗炎药可缓解疼痛，卧床休息可减轻症状。');
    expect(objectsOf(t, '骨软骨瘤', 'treated_by')).toEqual(expect.arrayContaining(['非甾体抗炎药', '卧床休息']));
    expect(objectsOf(t, '骨软骨瘤', 'has_sign')).not.toContain('缓解疼痛');
  });

  it('a procedure done through a scope is the procedure after 镜下, and the scope is neither treatment nor exam', () => {
    const t = run('胸腺囊肿是前纵隔的先天性囊肿。有症状者可行胸腔镜下囊肿切除。');
    expect(objectsOf(t, '胸腺囊肿', 'treated_by')).toContain('囊肿切除');
    expect(objectsOf(t, '胸腺囊肿', 'treated_by').some((o) => o.startsWith('下') || o === '胸腔镜')).toBe(false);
    expect(objectsOf(t, '胸腺囊肿', 'examined_by')).not.toContain('胸腔镜');
  });

  it('complications after 并发症为, 可致 and 恶变为 are named whole', () => {
    const t = run('骨软骨瘤是最常见的良性骨肿瘤之一。最常见的并发症为病理性骨折。肿瘤压迫可致血管损伤，少数可恶变为软骨肉瘤。');
    expect(subjectsOf(t, 'complication_of', '骨软骨瘤')).toEqual(expect.arrayContaining(['病理性骨折', '软骨肉瘤']));
    expect(subjectsOf(t, 'complication_of', '骨软骨瘤').some((s) => s.startsWith('症'))).toBe(false);
  });

  it('name boundaries: 预防性 opens a name, 口服 and 重者 do not', () => {
    const t = run('结节性多动脉炎是累及中小动脉的坏死性血管炎。可行预防性抗凝治疗，发作时口服泼尼松，重者静脉注射环磷酰胺。患者常有发热和体重减轻。');
    expect(objectsOf(t, '结节性多动脉炎', 'treated_by')).toEqual(expect.arrayContaining(['预防性抗凝治疗', '泼尼松']));
    expect(objectsOf(t, '结节性多动脉炎', 'treated_by').some((o) => o.startsWith('性') || o.startsWith('重者'))).toBe(false);
    expect(objectsOf(t, '结节性多动脉炎', 'has_sign')).toContain('体重减轻');
  });

  it('what an exam shows in a section is a finding of the topic, though its head names no type; a phrase that goes on is not', () => {
    const t = run('骨软骨瘤是最常见的良性骨肿瘤之一。X线片可见背离关节生长的骨性突起，MRI可见软骨帽和滑囊。超声可见腘窝下方有一肿块。');
    expect(objectsOf(t, '骨软骨瘤', 'has_sign')).toEqual(expect.arrayContaining(['骨性突起', '软骨帽']));
    expect(objectsOf(t, '骨软骨瘤', 'has_sign').some((o) => o.startsWith('腘窝'))).toBe(false);
  });

  it('a treatment named first and then judged treats the topic, with the judgement as its certainty', () => {
    const t = run('腱鞘囊肿是关节或腱鞘附近的囊性肿物。非甾体抗炎药疗效不确切，理疗效果有限，激素注射应避免使用，手术切除可作为备选。');
    const cert = (o: string) => t.find((y) => y.subject.text === '腱鞘囊肿' && y.predicate === 'treated_by' && y.object.text === o)?.certainty;
    expect(cert('非甾体抗炎药')).toBe('possible');
    expect(cert('理疗')).toBe('possible');
    expect(cert('激素注射')).toBe('absent');
    expect(cert('手术切除')).toBe('present');
  });

  it('a name given to some of the topic\'s cases (多发者称为…) is a subtype of it; 合并X者 is a group, not a complication', () => {
    const t = run('骨软骨瘤是最常见的良性骨肿瘤之一。多发者称为遗传性多发性骨软骨瘤，合并软骨肉瘤者称为继发性软骨肉瘤。');
    expect(subjectsOf(t, 'subtype_of', '骨软骨瘤')).toContain('遗传性多发性骨软骨瘤');
    expect(t.filter((y) => y.predicate === 'complication_of' && y.subject.text === '软骨肉瘤')).toEqual([]);
  });

  it('English: sites named by bone and organ heads, what relieves a complaint, a relative clause ends a list, "is now the treatment of choice"', () => {
    const t = run('Chondroblastoma is a benign cartilage tumour, most common in the humerus and femur of adolescents. It presents with joint pain that is relieved by ibuprofen. Curettage is now the treatment of choice.');
    expect(objectsOf(t, 'Chondroblastoma', 'located_at')).toEqual(expect.arrayContaining(['humerus', 'femur']));
    expect(objectsOf(t, 'Chondroblastoma', 'treated_by')).toEqual(expect.arrayContaining(['ibuprofen', 'Curettage']));
    expect(objectsOf(t, 'Chondroblastoma', 'has_sign')).not.toContain('ibuprofen');
  });

  it('后者 is the disease named last before it, and what it shows is that disease\'s sign', () => {
    const t = run('腱鞘囊肿是关节或腱鞘附近的囊性肿物。需与滑膜肉瘤鉴别，后者MRI呈不均匀强化。');
    expect(objectsOf(t, '滑膜肉瘤', 'has_sign')).toContain('不均匀强化');
    expect(objectsOf(t, '腱鞘囊肿', 'has_sign')).not.toContain('不均匀强化');
  });
});
