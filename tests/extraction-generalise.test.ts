import { beforeAll, describe, expect, it } from 'vitest';
import { Lexicon } from '../core/index.ts';
import { RulesExtractor } from '../knowledge/extract/rules/index.ts';
import type { ExtractedTriple } from '../knowledge/model.ts';

/**
 * Rules extraction on textbook wording it was not tuned on (sentences authored for these tests, not taken
 * from either textbook gold set): what a reader of the extracted candidates relies on — the right subject,
 * no treatment that is really a test, no fragment of a phrase as a sign, lists read item by item, and the
 * certainty a sentence states.
 */
describe('rules extraction that generalises (rules-v3)', () => {
  let x: RulesExtractor;
  beforeAll(() => {
    x = new RulesExtractor(Lexicon.load());
  });

  const run = (text: string, headingPath: string[] = []) => x.extractSection(text, { headingPath }).triples;
  const keys = (triples: ExtractedTriple[]) => triples.map((t) => `${t.subject.text} ${t.predicate} ${t.object.text} ${t.certainty}`).sort();
  const has = (triples: ExtractedTriple[], key: string) => keys(triples).includes(key);
  const about = (triples: ExtractedTriple[], predicate: string) => triples.filter((t) => t.predicate === predicate).map((t) => `${t.subject.text} ${t.object.text}`).sort();

  it('a line that states a synonym is no heading: its subject stays the name, not the whole line', () => {
    const t = run('胆总管结石又称肝外胆管结石。典型表现为腹痛、寒战高热和黄疸。', ['胆总管结石']);
    expect(t.length).toBeGreaterThanOrEqual(3);
    expect(new Set(t.map((r) => r.subject.text))).toEqual(new Set(['胆总管结石']));
  });

  it('a heading whose head word shows no type is the topic when the section opens by defining it', () => {
    const t = run('胆道闭锁是婴儿期梗阻性黄疸的常见原因。确诊需行术中胆道造影。葛西手术是主要治疗方法。', ['胆道闭锁']);
    expect(has(t, '胆道闭锁 treated_by 葛西手术 present')).toBe(true);
    expect(has(t, '胆道闭锁 examined_by 胆道造影 present')).toBe(true);
  });

  it('a diagnostic method is never a treatment, and a therapeutic procedure never an exam', () => {
    const dx = run('诊断性刮宫是确诊的方法。', ['子宫内膜癌']);
    expect(about(dx, 'treated_by')).toEqual([]);
    const screen = run('血浆醛固酮/肾素活性比值是首选的筛查指标。醛固酮瘤首选腹腔镜肾上腺切除术。', ['原发性醛固酮增多症']);
    expect(about(screen, 'treated_by')).toEqual(['醛固酮瘤 腹腔镜肾上腺切除术']);
    expect(about(screen, 'examined_by')).not.toContain('醛固酮瘤 腹腔镜肾上腺切除术');
  });

  it('以…为主要表现 lists signs, never treatments; a phrase of how a disease is classified is no stage', () => {
    const t = run('按病原学分类，目前已确定的有甲型和乙型肝炎。临床上以食欲减退、肝功能异常为主要表现。', ['病毒性肝炎']);
    expect(about(t, 'treated_by')).toEqual([]);
    expect(about(t, 'staged_by')).toEqual([]);
    expect(has(t, '病毒性肝炎 has_sign 食欲减退 present')).toBe(true);
  });

  it('a phrase with no head word is no sign after loose wording (可发现), nor a modifier before 的', () => {
    const t = run('肾上腺CT可发现直径较小的腺瘤。胸部X线片早期表现为大片浓密模糊的炎性浸润阴影。', ['肺脓肿']);
    const signs = about(t, 'has_sign').map((k) => k.split(' ')[1]);
    expect(signs).not.toContain('直径');
    expect(signs).not.toContain('大片浓密模糊');
    expect(signs).toContain('炎性浸润阴影');
  });

  it('并发现 states no complication, and the head noun of the topic alone refers to the topic (脓肿 in a section on 肺脓肿)', () => {
    const t = run('胸部CT能更准确地定位并发现体积较小的脓肿。', ['肺脓肿']);
    expect(t.filter((r) => r.predicate === 'complication_of' || r.subject.text === '脓肿' || r.object.text === '脓肿')).toEqual([]);
  });

  it('reads lists that share a head (机械性、动力性和血运性肠梗阻) or a result word (A试验、B试验阳性) item by item', () => {
    const types = run('肠梗阻按梗阻原因分为机械性、动力性和血运性肠梗阻。', ['肠梗阻']);
    expect(about(types, 'subtype_of')).toEqual(expect.arrayContaining(['机械性肠梗阻 肠梗阻', '动力性肠梗阻 肠梗阻', '血运性肠梗阻 肠梗阻']));
    const mentions = x.sentenceMentions('结肠充气试验、腰大肌试验和闭孔内肌试验阳性有助于诊断。')[0].map((m) => `${m.text}:${m.type}`);
    expect(mentions).toEqual(['结肠充气试验阳性:Finding', '腰大肌试验阳性:Finding', '闭孔内肌试验阳性:Finding']);
  });

  it('splits names at 对 after a known name and at 加/并 between a test and a biopsy', () => {
    const dwi = run('DWI对超急性期脑梗死最敏感。', ['急性脑梗死']);
    expect(has(dwi, '超急性期脑梗死 examined_by DWI present')).toBe(true);
    const gi = run('胃镜检查加活检是确诊胃癌的首选方法。', ['胃癌']);
    expect(about(gi, 'examined_by')).toEqual(['胃癌 活检', '胃癌 胃镜检查']);
  });

  it('keeps 痰中带血 and 对症治疗 whole, and reads 突发 as the onset of a sign', () => {
    const t = run('中央型肺癌常表现为刺激性干咳和痰中带血。', ['肺癌']);
    expect(has(t, '中央型肺癌 has_sign 痰中带血 present')).toBe(true);
    const ich = run('患者常突发头痛、呕吐和偏瘫。', ['脑出血']);
    expect(about(ich, 'has_sign')).toEqual(expect.arrayContaining(['脑出血 头痛', '脑出血 呕吐', '脑出血 偏瘫']));
    const rest = run('本病多为自限性，治疗以休息和对症治疗为主。', ['急性肾小球肾炎']);
    expect(about(rest, 'has_sign')).toEqual([]);
  });

  it('certainty from 不能直接显示, 不如…敏感 and 常无明显异常 for the exam they judge', () => {
    const xray = run('X线平片不能直接显示椎间盘突出，仅用于排除其他病变。', ['腰椎间盘突出症']);
    expect(xray.filter((r) => r.object.text === 'X线平片').map((r) => r.certainty)).toEqual(['absent']);
    const mri = run('MRI对急性期出血的显示不如CT敏感。', ['脑出血']);
    expect(mri.find((r) => r.predicate === 'examined_by' && r.object.text === 'MRI')?.certainty).toBe('possible');
    const ct = run('发病6小时内头颅CT常无明显异常。', ['急性脑梗死']);
    expect(ct.find((r) => r.predicate === 'examined_by')?.certainty ?? 'absent').toBe('absent');
  });

  it('a question states nothing, and a disease a disease causes is its complication, not its sign', () => {
    expect(run('为什么肺癌患者常出现咯血？', ['肺癌'])).toEqual([]);
    const t = run('本病长期可导致慢性肾脏病和脑卒中。', ['原发性高血压']);
    expect(about(t, 'has_sign')).toEqual([]);
    expect(about(t, 'complication_of')).toEqual(expect.arrayContaining(['慢性肾脏病 原发性高血压', '脑卒中 原发性高血压']));
  });

  it('a triple stated of a bracketed abbreviation and of its full name is proposed once', () => {
    const t = run('首选内镜下鼻胆管引流术（ENBD）。', ['急性胆管炎']);
    expect(about(t, 'treated_by')).toEqual(['急性胆管炎 鼻胆管引流术']);
  });
});
