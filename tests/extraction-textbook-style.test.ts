import { beforeAll, describe, expect, it } from 'vitest';
import { Lexicon } from '../core/index.ts';
import { RulesExtractor } from '../knowledge/extract/rules/index.ts';
import type { ExtractedTriple } from '../knowledge/model.ts';

/**
 * Rules extraction on text written the way real textbooks are (issue 13, item 5; the dev3 style):
 * headless sections whose topic is only the first sentence's subject, lists of symptoms the lexicon does
 * not know, lists announced by a colon or carried on by verbless clauses, names the mention finder sees
 * only in part, and English synonyms. Sentences authored for these tests (from no gold set or proxy).
 */
describe('rules extraction on textbook-style text (rules-v6)', () => {
  let x: RulesExtractor;
  beforeAll(() => {
    x = new RulesExtractor(Lexicon.load());
  });

  const run = (text: string) => x.extractSection(text);
  const keys = (triples: ExtractedTriple[]) => triples.map((t) => `${t.subject.text} ${t.predicate} ${t.object.text} ${t.certainty}`);
  const objectsOf = (triples: ExtractedTriple[], subject: string, predicate: string) =>
    triples.filter((t) => t.subject.text === subject && t.predicate === predicate).map((t) => t.object.text).sort();

  it('list items the lexicon does not know take the kind of their typed neighbours, or of the verb before a headless list', () => {
    const { triples } = run('瑞氏综合征是儿童病毒感染后出现的急性脑病。患儿可出现呕吐、嗜睡、惊厥。部分患儿还可出现谵妄、去大脑强直、呼吸困难。');
    expect(objectsOf(triples, '瑞氏综合征', 'has_sign')).toEqual(expect.arrayContaining(['呕吐', '嗜睡', '惊厥', '谵妄', '去大脑强直', '呼吸困难']));
    const headless = run('肝性脊髓病是慢性肝病少见的神经系统并发症。患者可出现嗜睡、抽搐。');
    expect(objectsOf(headless.triples, '肝性脊髓病', 'has_sign')).toEqual(expect.arrayContaining(['嗜睡', '抽搐']));
  });

  it('a list announced by a colon and verbless clauses after 可见 are the same list', () => {
    const { triples } = run('急性心包炎是心包脏层和壁层的急性炎症。典型表现为三联征：胸痛、心包摩擦音和心电图改变。CT可见心包增厚，心包积液，心包钙化。');
    expect(objectsOf(triples, '急性心包炎', 'has_sign')).toEqual(expect.arrayContaining(['胸痛', '心包摩擦音', '心包积液', '心包钙化']));
  });

  it('the leading name is the topic where the finder saw only its parts (a site at its end, 系 glued to it, a known name at its end)', () => {
    const site = run('游走肾是肾脏活动度超出正常范围的一种先天性畸形，多见于瘦长体型女性。部分患者出现腰痛、血尿。');
    expect(objectsOf(site.triples, '游走肾', 'has_sign')).toEqual(expect.arrayContaining(['腰痛', '血尿']));
    const glued = run('肝肺综合征系慢性肝病时肺内血管扩张引起的低氧血症。主要表现为呼吸困难、发绀和杵状指。');
    expect(objectsOf(glued.triples, '肝肺综合征', 'has_sign')).toEqual(expect.arrayContaining(['呼吸困难', '发绀', '杵状指']));
    const longer = run('腺淋巴瘤（Warthin瘤）是一种好发于腮腺的良性肿瘤。表现为缓慢增大的无痛性肿块。');
    expect(longer.triples.map((t) => t.subject.text)).toContain('腺淋巴瘤');
    expect(longer.triples.map((t) => t.subject.text)).not.toContain('淋巴瘤');
    expect(longer.synonyms.map((s) => `${s.term.text}=${s.alias}`)).toContain('腺淋巴瘤=Warthin瘤');
  });

  it('患儿生后即出现…, 常合并… and …者称为X do not take over the topic', () => {
    const { triples } = run(
      '胎粪性肠梗阻是胎粪异常黏稠阻塞回肠末端所致的新生儿肠梗阻。患儿生后即出现腹胀、呕吐。常合并囊性纤维化。少数患儿发生肠穿孔并形成钙化，称为胎粪性腹膜炎。治疗可先行灌肠。',
    );
    const subjects = new Set(triples.map((t) => t.subject.text));
    expect(subjects).not.toContain('患儿生后');
    expect(subjects).not.toContain('常合并囊性纤维化');
    expect(objectsOf(triples, '胎粪性肠梗阻', 'has_sign')).toEqual(expect.arrayContaining(['腹胀', '呕吐']));
    expect(objectsOf(triples, '胎粪性肠梗阻', 'treated_by')).toContain('灌肠');
  });

  it('causes listed with 包括 are no subtypes, and 三联征包括 lists manifestations', () => {
    const { triples } = run('急性间歇性卟啉病是血红素合成障碍所致的遗传性代谢病。常见诱因包括饥饿、感染和巴比妥类药物。典型三联征包括腹痛、精神症状和周围神经病变。');
    expect(triples.filter((t) => t.predicate === 'subtype_of').map((t) => t.subject.text)).not.toContain('感染');
    expect(objectsOf(triples, '急性间歇性卟啉病', 'has_sign')).toEqual(expect.arrayContaining(['腹痛', '精神症状']));
  });

  it('行/用 and a count are no part of a name; a headless phrase is no exam where the sentence names its exam', () => {
    const { triples } = run('布加综合征是肝静脉或下腔静脉阻塞所致的肝后性门静脉高压症。体检可触及肝大、脾大。彩色多普勒超声可测量肝静脉内径，是筛查的首选方法。病情严重者行肝移植，局限性狭窄可用球囊扩张。');
    expect(objectsOf(triples, '布加综合征', 'has_sign')).toEqual(expect.arrayContaining(['肝大', '脾大']));
    expect(objectsOf(triples, '布加综合征', 'treated_by')).toEqual(expect.arrayContaining(['肝移植']));
    expect(triples.flatMap((t) => [t.subject.text, t.object.text]).some((s) => /^[行用]/.test(s))).toBe(false);
    expect(objectsOf(triples, '布加综合征', 'examined_by')).not.toContain('肝静脉内径');
    const quantity = run('神经纤维瘤病1型是常染色体显性遗传病。皮肤可见多个牛奶咖啡斑。');
    expect(objectsOf(quantity.triples, '神经纤维瘤病1型', 'has_sign')).toContain('牛奶咖啡斑');
  });

  it('English: a capitalised sentence glued to a full stop is a new sentence, -iasis heads a disease, "also known as A or B" proposes both', () => {
    const { triples, synonyms } = run(
      'Pulmonary alveolar proteinosis, also known as alveolar lipoproteinosis or PAP, is a rare lung disease.It presents with progressive dyspnoea and cough.Schistosomiasis is a parasitic infection.It presents with haematuria.',
    );
    expect(synonyms.map((s) => `${s.term.text}=${s.alias}`)).toEqual(expect.arrayContaining(['Pulmonary alveolar proteinosis=alveolar lipoproteinosis', 'Pulmonary alveolar proteinosis=PAP']));
    expect(keys(triples)).toEqual(expect.arrayContaining(['Pulmonary alveolar proteinosis has_sign progressive dyspnoea present', 'Schistosomiasis has_sign haematuria present']));
    expect(keys(triples).some((k) => k.startsWith('Pulmonary alveolar proteinosis has_sign haematuria'))).toBe(false);
  });

  it('a finding the lexicon knows can be a complication (并发肾积水)', () => {
    const { triples } = run('海绵肾是以肾髓质集合管囊状扩张为特征的先天性肾脏病。本病易并发肾积水、肾结石和尿路感染。');
    expect(keys(triples)).toContain('肾积水 complication_of 海绵肾 present');
  });

  it('a phrase the text abbreviates is a name however long, and the abbreviation is its synonym', () => {
    const { triples, synonyms } = run('肥厚型心肌病是以心室肌肥厚为特征的遗传性心肌病。治疗包括β受体阻滞剂和植入型心律转复除颤器（ICD）。');
    expect(synonyms.map((s) => `${s.term.text}=${s.alias}`)).toContain('植入型心律转复除颤器=ICD');
    expect(triples.some((t) => t.predicate === 'treated_by' && (t.object.text === '植入型心律转复除颤器' || t.object.text === 'ICD'))).toBe(true);
  });

  const subtypes = (triples: ExtractedTriple[]) => triples.filter((t) => t.predicate === 'subtype_of').map((t) => `${t.subject.text}<${t.object.text}`).sort();

  it('a definition by genus (X是一种…的Y, X是…的Y) files X under no subtype; membership (属于) still does', () => {
    expect(subtypes(run('亨廷顿病是一种常染色体显性遗传的神经系统变性病。').triples)).toEqual([]);
    expect(subtypes(run('皮肌炎是以皮肤和横纹肌炎症为特征的特发性炎性肌病，可伴发恶性肿瘤。').triples)).toEqual([]);
    expect(subtypes(run('结节性多动脉炎属于系统性血管炎，好发于中年男性。').triples)).toEqual(['结节性多动脉炎<系统性血管炎']);
  });

  it('the kinds a division names by their differentia alone (分为透明血管型和浆细胞型两类) are subtypes of what is divided', () => {
    const { triples } = run('卡斯尔曼病是一种少见的淋巴组织增生性疾病，可分为透明血管型和浆细胞型两类。');
    expect(subtypes(triples)).toEqual(['浆细胞型<卡斯尔曼病', '透明血管型<卡斯尔曼病']);
  });

  it('a clause giving a cause (由于血栓栓塞，…) is no subject: what follows is said of the section topic', () => {
    const { triples } = run('颈动脉夹层是颈动脉壁内膜撕裂形成的壁内血肿。由于血栓栓塞，可发生脑梗死和视网膜动脉阻塞。');
    expect(keys(triples)).toContain('脑梗死 complication_of 颈动脉夹层 present');
    expect(triples.some((t) => t.object.text === '血栓栓塞')).toBe(false);
  });

  it('尤以 is no part of the site it introduces (尤以胫骨多见)', () => {
    const { triples } = run('软骨黏液样纤维瘤是一种少见的良性软骨源性肿瘤，好发于下肢长骨干骺端，尤以胫骨多见。');
    expect(objectsOf(triples, '软骨黏液样纤维瘤', 'located_at')).toContain('胫骨');
  });

  it('常见诱因包括… lists causes (the disease follows from them), not signs seen or treatments given', () => {
    const { triples } = run('短暂性全面遗忘症是以突发顺行性遗忘为特征的临床综合征。常见诱因包括偏头痛、高血压及使用免疫抑制剂如环孢素。');
    expect(keys(triples)).toEqual(expect.arrayContaining(['短暂性全面遗忘症 complication_of 偏头痛 present', '短暂性全面遗忘症 complication_of 高血压 present']));
    expect(objectsOf(triples, '短暂性全面遗忘症', 'has_sign')).not.toContain('偏头痛');
    expect(triples.some((t) => t.predicate === 'treated_by')).toBe(false);
  });

  it('a short clause that says what brings an attack on (常由…诱发) ends the list of signs before it', () => {
    const { triples } = run('周期性呕吐综合征是以反复发作的剧烈呕吐为特征的功能性胃肠病。发作时表现为恶心、呕吐和腹痛，常由情绪激动、劳累诱发。');
    const signs = objectsOf(triples, '周期性呕吐综合征', 'has_sign');
    expect(signs).toEqual(expect.arrayContaining(['恶心', '腹痛']));
    expect(signs.some((s) => /情绪|劳累/.test(s))).toBe(false);
  });

  it('a condition (继发感染时) ends what its trigger names: the signs of the main clause are no complications', () => {
    const { triples } = run('腱鞘囊肿是关节囊或腱鞘附近的囊性肿物。囊肿继发感染时可有局部红肿、疼痛。');
    const complications = triples.filter((t) => t.predicate === 'complication_of').map((t) => t.subject.text);
    expect(complications).toContain('感染');
    expect(complications).not.toContain('疼痛');
    expect(complications).not.toContain('局部红肿');
  });
});
