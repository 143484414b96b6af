import { beforeAll, describe, expect, it } from 'vitest';
import { Lexicon } from '../core/index.ts';
import { RulesExtractor } from '../knowledge/extract/rules/index.ts';
import type { ExtractedTriple } from '../knowledge/model.ts';

/**
 * Rules extraction on headless textbook text: one sentence a line, no headings, several diseases in a
 * row, as books are often extracted to plain text. The sentence that opens a topic sets the subject of
 * the lines after it until another topic opens; objects outside the lexicon are still found; advice and
 * evidence about a test or treatment set its certainty and nothing else's. Sentences authored for these
 * tests (from neither textbook gold set nor the textbook proxy).
 */
describe('rules extraction on headless one-sentence-per-line text (rules-v4 and later)', () => {
  let x: RulesExtractor;
  beforeAll(() => {
    x = new RulesExtractor(Lexicon.load());
  });

  const run = (lines: string[]) => x.extractSection(lines.join('\n')).triples;
  const keys = (triples: ExtractedTriple[]) => triples.map((t) => `${t.subject.text} ${t.predicate} ${t.object.text} ${t.certainty}`).sort();
  const objectsOf = (triples: ExtractedTriple[], subject: string, predicate: string) =>
    triples.filter((t) => t.subject.text === subject && t.predicate === predicate).map((t) => t.object.text).sort();

  it('each disease keeps its own signs and treatments when a new definition opens the next topic', () => {
    const t = run([
      '鹦鹉热是由鹦鹉热衣原体引起的急性传染病。',
      '患者多有鸟类接触史。',
      '患者表现为高热、头痛和干咳。',
      '可选用多西环素治疗。',
      '恙虫病是由恙虫病东方体引起的急性自然疫源性疾病。',
      '患者可出现皮疹、淋巴结肿大和肝脾肿大。',
      '氯霉素也可用于治疗本病。',
    ]);
    expect(objectsOf(t, '鹦鹉热', 'has_sign')).toEqual(expect.arrayContaining(['高热', '头痛', '干咳']));
    expect(objectsOf(t, '鹦鹉热', 'has_sign')).not.toContain('皮疹');
    expect(objectsOf(t, '鹦鹉热', 'treated_by')).toEqual(['多西环素']);
    expect(objectsOf(t, '恙虫病', 'has_sign')).toEqual(expect.arrayContaining(['皮疹', '淋巴结肿大']));
    expect(objectsOf(t, '恙虫病', 'treated_by')).toEqual(['氯霉素']);
  });

  it('a sentence naming a complication, a cause or a lab result first does not take over the topic', () => {
    const t = run([
      '猫抓病是由汉赛巴尔通体感染引起的自限性疾病。',
      '脑病是猫抓病少见而严重的并发症。',
      '血清抗体滴度升高是本病重要的诊断依据。',
      '患者常有局部淋巴结肿大和低热。',
      '多数患者无需使用抗生素。',
    ]);
    expect(objectsOf(t, '猫抓病', 'has_sign')).toEqual(expect.arrayContaining(['淋巴结肿大', '低热']));
    expect(t.filter((r) => r.subject.text === '脑病' || r.subject.text.startsWith('血清抗体')).map((r) => r.predicate)).not.toContain('has_sign');
    expect(keys(t)).toContain('猫抓病 treated_by 抗生素 absent');
  });

  it('the whole name before the copula is the topic, though the finder reads only its tail as a name', () => {
    const t = run(['手足口病是儿童常见的病毒性传染病，夏季多见。', '患儿急性起病，可有发热和口腔疱疹。']);
    expect(objectsOf(t, '手足口病', 'has_sign')).toEqual(expect.arrayContaining(['发热', '口腔疱疹']));
    expect(t.map((r) => r.subject.text)).not.toContain('患儿急性起病');
  });

  it('a name whose head shows no disease opens a topic only by a definition that puts it in a disease genus', () => {
    const t = run([
      '顿挫型肺炎是一种病程短暂的肺部感染。',
      '登革热是由登革病毒引起的急性传染病。',
      '最早出现的症状是高热和剧烈头痛。',
      '皮疹是本病的突出症状。',
    ]);
    expect(objectsOf(t, '登革热', 'has_sign')).toEqual(expect.arrayContaining(['高热', '头痛', '皮疹']));
    expect(objectsOf(t, '顿挫型肺炎', 'has_sign')).toEqual([]);
  });

  it('a test before 可确诊 / 可明确诊断 examines the topic', () => {
    const t = run(['鼠疫是由鼠疫耶尔森菌引起的烈性传染病。', '淋巴结穿刺液培养分离出鼠疫耶尔森菌可确诊。']);
    expect(objectsOf(t, '鼠疫', 'examined_by')).toContain('淋巴结穿刺液培养');
  });

  it('而非 negates only what follows it, and 价值有限 / 敏感性较低 judge the test they are said of', () => {
    const t = run([
      '布鲁菌病是由布鲁菌引起的人畜共患传染病。',
      '本病应使用多西环素联合利福平而非单用青霉素。',
      '患者表现为波状热、多汗和关节痛，而非咯血。',
      '超声对本病的诊断价值有限，首选血培养。',
      '骨髓培养敏感性较低，一般无需常规进行淋巴结活检。',
    ]);
    const k = keys(t);
    expect(k).toContain('布鲁菌病 treated_by 多西环素 present');
    expect(k).toContain('布鲁菌病 treated_by 利福平 present');
    expect(k.filter((s) => s.includes('青霉素'))).toEqual(['布鲁菌病 treated_by 单用青霉素 absent']);
    expect(k).toContain('布鲁菌病 has_sign 咯血 absent');
    expect(k).toContain('布鲁菌病 has_sign 多汗 present');
    expect(k).toContain('布鲁菌病 examined_by 超声 possible');
    expect(k).toContain('布鲁菌病 examined_by 血培养 present');
    expect(k).toContain('布鲁菌病 examined_by 骨髓培养 possible');
    expect(k).toContain('布鲁菌病 examined_by 淋巴结活检 absent');
  });

  it('reads onset lists, risks, pictures and drugs named before their verb, and takes no change word for a name', () => {
    // A picture ("胸部X线片可见…") gives its signs, not "examined by" that film (see rules-zh.ts).
    const t = run([
      '钩端螺旋体病是由致病性钩端螺旋体引起的急性动物源性传染病。',
      '患者急性起病，寒战、高热，腓肠肌压痛。',
      '本病可增加肺出血和急性肾损伤的风险。',
      '胸部X线片可见双肺散在斑片状阴影。',
      '青霉素应在发病早期尽早使用。',
      '部分患者尿量显著减少甚至消失。',
      '规范抗生素治疗无效者可行血液透析。',
    ]);
    const k = keys(t);
    expect(objectsOf(t, '钩端螺旋体病', 'has_sign')).toEqual(expect.arrayContaining(['寒战', '高热']));
    expect(k).toContain('肺出血 complication_of 钩端螺旋体病 present');
    expect(k).toContain('急性肾损伤 complication_of 钩端螺旋体病 present');
    expect(objectsOf(t, '钩端螺旋体病', 'examined_by')).not.toContain('胸部X线片');
    expect(objectsOf(t, '钩端螺旋体病', 'has_sign').some((o) => o.includes('斑片'))).toBe(true);
    expect(objectsOf(t, '钩端螺旋体病', 'treated_by')).toContain('青霉素');
    expect(t.map((r) => r.object.text)).not.toContain('消失');
    expect(k.filter((s) => s.includes('抗生素') && s.includes('absent'))).toEqual([]);
  });

  it('a definition that names its subject last (…称为X) opens X, and 是治疗Y的首选药物 treats Y, not the topic', () => {
    const t = run([
      '胸膜腔内积聚大量脓性渗出液称为脓胸。',
      '患者常有高热、胸痛和呼吸困难。',
      '利福平是治疗结核性胸膜炎的主要药物。',
    ]);
    expect(objectsOf(t, '脓胸', 'has_sign')).toEqual(expect.arrayContaining(['高热', '胸痛', '呼吸困难']));
    expect(objectsOf(t, '结核性胸膜炎', 'treated_by')).toEqual(['利福平']);
    expect(objectsOf(t, '脓胸', 'treated_by')).toEqual([]);
  });

  it('laboratory results listed with no verb are findings of the topic, also where the sentence says they help diagnosis (rules-v8)', () => {
    // dev3 and fresh2 annotate 「血清VEGF-D升高有助于诊断」 as has_sign; a result that points elsewhere (提示) is not the topic's.
    const t = run([
      '钩端螺旋体病是由致病性钩端螺旋体引起的急性动物源性传染病。',
      '外周血中性粒细胞增多，肌酸激酶明显升高。',
      '显凝试验阳性有助于诊断。',
      '尿蛋白阳性提示肾损害。',
    ]);
    expect(objectsOf(t, '钩端螺旋体病', 'has_sign')).toEqual(expect.arrayContaining(['外周血中性粒细胞增多', '肌酸激酶升高', '显凝试验阳性']));
    expect(objectsOf(t, '钩端螺旋体病', 'has_sign')).not.toContain('尿蛋白阳性');
  });

  it('a name put in relation to the topic, or a topic fact about a name already mentioned under it, keeps the topic', () => {
    const t = run([
      '原发性甲状旁腺功能亢进症是甲状旁腺分泌过多甲状旁腺激素引起的钙磷代谢紊乱。',
      '甲状旁腺腺瘤是原发性甲状旁腺功能亢进症最常见的病理类型。',
      '甲状旁腺腺瘤多见于中老年女性。',
      '肾结石是原发性甲状旁腺功能亢进症常见的泌尿系统损害。',
      '患者可有骨痛和多尿。',
    ]);
    expect(objectsOf(t, '原发性甲状旁腺功能亢进症', 'has_sign')).toEqual(expect.arrayContaining(['骨痛', '多尿']));
    expect(t.filter((r) => r.predicate === 'has_sign' && (r.subject.text === '甲状旁腺腺瘤' || r.subject.text === '肾结石'))).toEqual([]);
  });
});
