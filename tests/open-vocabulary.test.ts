import { beforeAll, describe, expect, it } from 'vitest';
import { guessEntityType, guessKind, Lexicon } from '../core/index.ts';
import { RulesExtractor } from '../knowledge/extract/rules/index.ts';
import type { ExtractedTriple } from '../knowledge/model.ts';

/**
 * Open-vocabulary extraction on authored textbook-style sentences (written for these tests, not taken
 * from either gold set): names outside the lexicon, implicit subjects, negation and hedge scope in
 * lists, certainty from advice and limited value, synonyms, compositional exam names.
 */
describe('open-vocabulary rules extraction', () => {
  let x: RulesExtractor;
  beforeAll(() => {
    x = new RulesExtractor(Lexicon.load());
  });

  const run = (text: string, headingPath: string[] = [], preceding?: string) => x.extractSection(text, { headingPath, preceding });
  const keys = (triples: ExtractedTriple[]) => triples.map((t) => `${t.subject.text} ${t.predicate} ${t.object.text} ${t.certainty}`).sort();

  it('guesses a type from the head word, and knows phrases that name no entity', () => {
    expect(guessEntityType('重症肺孢子菌感染')).toBe('Disease');
    expect(guessEntityType('反复发作的腹痛')).toBe('Finding');
    expect(guessEntityType('靶环征')).toBe('Sign');
    expect(guessEntityType('奥美拉唑')).toBe('Drug');
    expect(guessEntityType('曲妥珠单抗')).toBe('Drug');
    expect(guessEntityType('吉非替尼')).toBe('Drug');
    expect(guessEntityType('腹腔镜胆囊切除术')).toBe('Procedure');
    expect(guessEntityType('盆腔MRI检查')).toBe('Exam');
    expect(guessEntityType('脑血管造影')).toBe('Exam');
    expect(guessKind('结核分枝杆菌')).toBe('Pathogen');
    expect(guessKind('育龄期女性')).toBe('Population');
    expect(guessKind('主要病因')).toBe('Generic');
    expect(guessKind('基础检查')).toBe('Generic');
  });

  it('extracts relations between names the lexicon does not know, left unresolved with a guessed type', () => {
    const { triples } = run('布鲁菌病的主要症状为波状热、多汗和关节痛，治疗首选多西环素联合利福平。');
    expect(keys(triples)).toEqual([
      '布鲁菌病 has_sign 关节痛 present',
      '布鲁菌病 has_sign 多汗 present',
      '布鲁菌病 has_sign 波状热 present',
      '布鲁菌病 treated_by 利福平 present',
      '布鲁菌病 treated_by 多西环素 present',
    ]);
    const fever = triples.find((t) => t.object.text === '波状热');
    expect(fever?.subject).toMatchObject({ entityId: null, type: 'Disease' });
    expect(fever?.object).toMatchObject({ entityId: null, type: 'Finding' });
    // A guess about a name ranks below the same wording about known names.
    expect(fever?.confidence).toBeLessThan(0.9);
  });

  it('takes the subject a sentence leaves out from the heading, a bare heading line, 本病/其, or the text before the chunk', () => {
    expect(keys(run('典型表现为发热、咳嗽和胸痛。', ['第三节 军团菌肺炎', '临床表现']).triples)).toEqual([
      '军团菌肺炎 has_sign 发热 present',
      '军团菌肺炎 has_sign 咳嗽 present',
      '军团菌肺炎 has_sign 胸痛 present',
    ]);
    expect(keys(run('恙虫病。\n本病的特征性体征为焦痂，治疗首选多西环素。').triples)).toEqual([
      '恙虫病 has_sign 焦痂 present',
      '恙虫病 treated_by 多西环素 present',
    ]);
    expect(keys(run('其主要病因为胆石症。', ['急性胆源性胰腺炎']).triples)).toEqual(['急性胆源性胰腺炎 complication_of 胆石症 present']);
    // A plain-text book: the heading line was in the chunk before this one.
    expect(keys(run('治疗以抗病毒为主，可选用奥司他韦。', [], '……\n流行性感冒。\n').triples)).toContain('流行性感冒 treated_by 奥司他韦 present');
  });

  it('scopes negation to the list item it governs and the clause it is in', () => {
    expect(keys(run('本病表现为发热、皮疹，而无淋巴结肿大。', ['猩红热']).triples)).toEqual(
      ['猩红热 has_sign 发热 present', '猩红热 has_sign 皮疹 present', '猩红热 has_sign 淋巴结肿大 absent'].sort(),
    );
    expect(keys(run('胸部CT多表现为小叶中心结节，而非实变。', ['过敏性肺泡炎']).triples)).toContain('过敏性肺泡炎 has_sign 实变 absent');
    expect(keys(run('患者无发热、咳嗽，但有胸痛。', ['肋软骨炎']).triples)).toEqual(
      ['肋软骨炎 has_sign 发热 absent', '肋软骨炎 has_sign 咳嗽 absent', '肋软骨炎 has_sign 胸痛 present'].sort(),
    );
  });

  it('reads certainty from advice and limited value: 无需, 不推荐, 不敏感, 作用最小, 价值有限', () => {
    // Issue 13: 「一般无需再行骨扫描」 must not yield a present examined_by.
    const bone = run('低危患者一般无需再行骨扫描，高危患者应行核素骨扫描排除骨转移。', ['前列腺癌']).triples;
    expect(bone.find((t) => t.object.text === '骨扫描')).toMatchObject({ predicate: 'examined_by', certainty: 'absent' });
    expect(bone.some((t) => t.predicate === 'examined_by' && t.object.text.includes('骨扫描') && t.certainty === 'present' && t.subject.text === '前列腺癌')).toBe(false);
    expect(keys(bone)).toContain('骨转移 examined_by 核素骨扫描 present');
    expect(keys(run('头颅CT平扫在发病早期对缺血病灶不敏感。', ['急性缺血性脑病']).triples)).toEqual(['急性缺血性脑病 examined_by 头颅CT平扫 absent']);
    expect(keys(run('腹部X线平片仅能发现少数钙化结石，诊断价值有限。', ['胆总管结石病']).triples)).toContain('胆总管结石病 examined_by 腹部X线平片 possible');
    expect(keys(run('不推荐常规使用抗生素。', ['手足口病']).triples)).toEqual(['手足口病 treated_by 抗生素 absent']);
  });

  it('turns 也称/又称/简称/俗称/缩写 and bracketed abbreviations into synonym proposals, and reads later short names as the full name', () => {
    const { synonyms, triples } = run('流行性乙型脑炎简称乙脑，是由乙脑病毒引起的中枢神经系统感染。乙脑多见于儿童，临床表现为高热、意识障碍和抽搐。');
    expect(synonyms.map((s) => `${s.term.text}=${s.alias} ${s.cue}`)).toEqual(['流行性乙型脑炎=乙脑 简称']);
    expect(keys(triples)).toContain('流行性乙型脑炎 has_sign 高热 present');
    const more = run('慢性阻塞性肺疾病（COPD）也称慢阻肺。骨髓增生异常综合征，又称MDS，多见于老年人。')
      .synonyms.map((s) => `${s.term.text}=${s.alias}`)
      .sort();
    expect(more).toEqual(['慢性阻塞性肺疾病=COPD', '慢性阻塞性肺疾病=慢阻肺', '骨髓增生异常综合征=MDS']);
  });

  it('reads a site before a modality as one exam of the modality, the site as a qualifier', () => {
    const t = run('腰椎MRI检查是评估椎间盘退变的首选方法。', ['腰椎间盘突出症']).triples.find((x) => x.predicate === 'examined_by');
    expect(t?.subject.entityId).toBe('dis.lumbar_disc_herniation');
    expect(t?.object).toMatchObject({ text: '腰椎MRI检查', entityId: 'mod.mri' });
    expect(t?.qualifiers).toEqual({ location: '腰椎' });
    // No modality named: the whole phrase is a new exam name for review.
    const angio = run('肾动脉造影可明确狭窄的部位和程度。', ['肾血管性高血压']).triples;
    expect(angio.find((x) => x.object.text === '肾动脉造影')).toMatchObject({ predicate: 'examined_by', subject: { text: '肾血管性高血压' }, object: { entityId: null, type: 'Exam' } });
  });

  it('links a narrower form of a known name to it but keeps what is said of each apart', () => {
    const { triples } = run('超声可发现肝脏表面不光滑，但对早期肝硬化不敏感。', ['肝硬化']);
    const early = triples.find((t) => t.subject.text === '早期肝硬化');
    expect(early).toMatchObject({ predicate: 'examined_by', certainty: 'absent', subject: { entityId: 'dis.liver_cirrhosis' } });
    expect(triples.find((t) => t.subject.text === '肝硬化' && t.predicate === 'examined_by')?.certainty).toBe('present');
  });

  it('keeps the old behaviour on lone sentences about known names', () => {
    const k = run('肺腺癌常表现为磨玻璃结节。').triples.map((t) => `${t.subject.entityId} ${t.predicate} ${t.object.entityId}`);
    expect(k).toEqual(['dis.lung_adenocarcinoma has_sign sign.ground_glass_nodule']);
  });
});
