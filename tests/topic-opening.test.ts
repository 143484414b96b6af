import { beforeAll, describe, expect, it } from 'vitest';
import { Lexicon } from '../core/index.ts';
import { openingSubject, sentenceTopics } from '../ingest/topics.ts';
import { RulesExtractor } from '../knowledge/extract/rules/index.ts';
import type { ExtractedTriple } from '../knowledge/model.ts';

/**
 * One topic finder (core/topic-opening.ts) for search's topic-bounded chunks and for extraction's implicit
 * subjects. Every sentence here was written for this test (authored, from neither gold set nor the proxy).
 */

let x: RulesExtractor;
beforeAll(() => {
  x = new RulesExtractor(Lexicon.load());
});

const facts = (text: string) => x.extractText(text).map((t: ExtractedTriple) => `${t.subject.text}|${t.predicate}|${t.object.text}|${t.certainty}`);
const opens = (lines: string[]) => sentenceTopics(lines).flatMap((t, i) => (t.opens ? [`${i}:${t.subject}`] : []));

describe('the sentence that opens a topic, for search and extraction alike', () => {
  it('opens where a definition names its subject last, though an alias follows (…称为X，习称Y)', () => {
    const text = ['胎盘在胎儿娩出前部分或全部从子宫壁剥离称为胎盘早剥，俗称胎盘早期剥离。', '胎盘早剥典型症状为突发持续性腹痛和阴道流血。', '胎盘早剥可并发弥散性血管内凝血。'];
    expect(opens(['肾盂肾炎是细菌直接侵袭肾盂和肾实质引起的炎症。', '肾盂肾炎多见于育龄女性。', '本病常有腰痛。', ...text])).toContain('3:胎盘早剥');
    // The subject-less third line is about the topic the first line opened, not the one before it.
    expect(facts(`肾盂肾炎是细菌直接侵袭肾盂和肾实质引起的炎症。${text[0]}常伴子宫压痛。`)).toContain('胎盘早剥|has_sign|子宫压痛|present');
  });

  it('a definition by 以…为特征 opens a narrower disease in search, and a phrase that is no name never opens one', () => {
    const lines = [
      '糖尿病肾病是指由糖尿病引起的慢性肾脏病。',
      '糖尿病肾病早期表现为微量白蛋白尿。',
      '本病晚期可进展为终末期肾病。',
      '1型糖尿病以胰岛β细胞破坏导致胰岛素绝对缺乏为主要特征。',
      '1型糖尿病多见于儿童和青少年，起病较急。',
      '1型糖尿病患者需终身胰岛素治疗。',
      '典型1型糖尿病根据临床表现和胰岛自身抗体即可诊断，血糖明显升高。',
      '按病因与发病机制可分为免疫介导性和特发性两种亚型。',
      '1型糖尿病易发生酮症酸中毒。',
    ];
    expect(opens(lines)).toEqual(['0:糖尿病肾病', '3:1型糖尿病']);
  });

  it('a name that begins with the topic (高血压危象 under 高血压) stays within it, and a fact about a subtype does not split a topic in search', () => {
    const text = '高血压是以体循环动脉压升高为主要特征的临床综合征。高血压危象是指血压在短时间内急剧升高并伴有靶器官损害的一种急症。血压长期控制不佳者可出现左心室肥厚和蛋白尿。';
    const found = facts(text);
    expect(found.some((f) => /^高血压\|has_sign\|左心室肥厚/.test(f))).toBe(true);
    expect(found.some((f) => f.startsWith('高血压危象|has_sign|左心室肥厚'))).toBe(false);
    const lines = ['小儿肺炎是婴幼儿时期最常见的感染性疾病之一。', '小儿肺炎多由病毒或细菌感染引起。', '支原体肺炎多见于学龄儿童，以刺激性干咳为突出表现。', '小儿肺炎重症者可出现心力衰竭。'];
    expect(opens(lines)).toEqual(['0:小儿肺炎']);
  });

  it('defines by 指 and 旧称 as textbooks do, but 指标 / 指南 and 「多数…起源于」 define nothing', () => {
    expect(openingSubject('颈动脉体瘤指起源于颈动脉分叉处化学感受器的副神经节瘤。')).toMatchObject({ subject: '颈动脉体瘤', strong: true });
    expect(openingSubject('原发性醛固酮增多症旧称Conn综合征，是肾上腺皮质分泌过多醛固酮所致的疾病。')).toMatchObject({ subject: '原发性醛固酮增多症', strong: true });
    expect(openingSubject('随访指标包括血压、血钾和肾功能。')).toBeNull();
    expect(openingSubject('诊疗指南推荐首选腹腔镜手术。')).toBeNull();
    expect(openingSubject('多数起源于黏膜下层，少数来自肌层。')).toBeNull();
  });
});

describe('rules-v5 objects and subjects on real textbook wording', () => {
  it('gives the signs of a complication sentence to the complication, not to the disease it complicates', () => {
    const found = facts('水痘是由水痘-带状疱疹病毒引起的急性传染病。瑞氏综合征是水痘的严重并发症，表现为频繁呕吐、嗜睡和惊厥。');
    expect(found).toContain('瑞氏综合征|complication_of|水痘|present');
    expect(found).toContain('瑞氏综合征|has_sign|频繁呕吐|present');
    expect(found.filter((f) => /\|complication_of\|/.test(f) && !f.startsWith('瑞氏综合征'))).toEqual([]);
  });

  it('keeps findings whose head is a spot, a line or a ring after loose wording (…斑, …线, …圈)', () => {
    const found = facts('神经纤维瘤病是一种常染色体显性遗传病。患儿皮肤可见牛奶咖啡斑。长骨X线片可见生长障碍线。');
    expect(found).toContain('神经纤维瘤病|has_sign|牛奶咖啡斑|present');
    expect(found.some((f) => f.startsWith('神经纤维瘤病|has_sign|生长障碍线'))).toBe(true);
  });

  it('reads English textbook sentences outside the lexicon: presents with, is treated with, is confirmed by, is not recommended', () => {
    const found = facts('Psittacosis typically presents with high fever, severe headache and a dry cough. It is treated with doxycycline. The diagnosis is confirmed by serology. Routine MRI is not recommended.');
    expect(found).toEqual(
      expect.arrayContaining([
        'Psittacosis|has_sign|high fever|present',
        'Psittacosis|has_sign|severe headache|present',
        'Psittacosis|has_sign|dry cough|present',
        'Psittacosis|treated_by|doxycycline|present',
        'Psittacosis|examined_by|serology|present',
      ]),
    );
    expect(found.find((f) => /^Psittacosis\|examined_by\|MRI/.test(f))).toMatch(/\|absent$/);
    // "Routine" says how MRI is used: neither part of the exam's name nor a mention of its own.
    expect(found.filter((f) => f.includes('Routine'))).toEqual([]);
  });
});
