import type { EntityType } from '../../../core/index.ts';
import type { Predicate } from '../../model.ts';
import { type ArgSpec, type PatternRule, T } from './pattern-rule.ts';

/**
 * Chinese pattern rules, one block per predicate, following the annotation conventions of
 * evals/extraction/README.md. Triggers run over the masked sentence (entity names replaced by type
 * placeholders), so `gap()` may span names and a rule's argument sides say where its subject and
 * object are (see ArgSpec). Confidence: 0.9 for an explicit statement of the relation, 0.8 for a
 * usual but looser wording, 0.6–0.75 for wording that often means something else.
 */

const DIS: EntityType[] = ['Disease'];
const SIGN: EntityType[] = ['Sign', 'Finding'];
const DSF: EntityType[] = ['Disease', 'Sign', 'Finding'];
const ANAT: EntityType[] = ['Anatomy'];
const TX: EntityType[] = ['Treatment', 'Drug', 'Procedure'];
const MOD: EntityType[] = ['Modality', 'Exam', 'Procedure'];
const STAGE: EntityType[] = ['Stage'];

/** Placeholder class of the modalities and exams. */
const M = `[${T.M}${T.E}]`;

/** A gap inside a trigger: up to n characters within the clause (names included, as placeholders). */
const gap = (n: number) => `[^，。；;,：:！？]{0,${n}}?`;

/** Anatomy followed by 下/旁/周围 names a region next to it (胸膜下 is subpleural), and a list of patients is no site. */
const NOT_A_SITE = /^(?:下|旁|周|外)|^[^，。；]{0,12}?(?:患者|人群)/;

const left = (types: EntityType[], take: ArgSpec['take'] = 'nearest', extra: Partial<ArgSpec> = {}): ArgSpec => ({ side: 'left', types, take, ...extra });
const right = (types: EntityType[], take: ArgSpec['take'] = 'all', extra: Partial<ArgSpec> = {}): ArgSpec => ({ side: 'right', types, take, ...extra });
const inside = (types: EntityType[], extra: Partial<ArgSpec> = {}): ArgSpec => ({ side: 'inside', types, ...extra });
const clause = (types: EntityType[]): ArgSpec => ({ side: 'clause', types });
/** An argument the section topic fills when the trigger names none ("…是确诊的首选方法"). */
const topicInside = (types: EntityType[]): ArgSpec => inside(types, { topic: true });
/** Findings named among a disease's complications (休克, 出血) are complications too. */
const COMPLICATIONS = { accept: ['Finding', 'Sign'] as EntityType[], acceptKnown: true };
const site = (spec: ArgSpec): ArgSpec => ({ ...spec, notBefore: NOT_A_SITE });

function rule(id: string, predicate: Predicate, trigger: string, subject: ArgSpec, object: ArgSpec, confidence: number): PatternRule {
  return { id: `${predicate}.zh.${id}`, predicate, trigger: new RegExp(trigger, 'g'), subject, object, confidence };
}

const QUAL = '(?:典型|主要|突出|最突出|常见|特征性|特异性|直接|间接|基本|重要|最常见|最典型|最重要|较特异|特异|可靠|辅助|最可靠)';

/** Words for what a patient shows (clinical manifestations), as opposed to a sign that points to a disease. */
const CLINICAL = '(?:临床表现|临床特点|临床特征|症状|体征|皮损|首发症状|主要症状|主要表现|常见表现|早期表现|临床主要表现|共同表现|共有表现)';

/** Words for why a disease arises: "常见诱因包括…" lists causes, not what is commonly seen. */
const CAUSE = '(?:的)?(?:诱因|病因|原因|危险因素|致病因素)';

const HAS_SIGN: PatternRule[] = [
  rule('manifests', 'has_sign', `(?:可|常|多|主要|通常|一般|均|亦|也|则|往往|大多|典型|常常|还可)?表现为|${QUAL}?的?(?:影像学?|${M}+|临床)?(?:表现|征象|特征|特点|改变|标志|症状|体征|皮损|三联征|三联症)(?:主要)?(?:[^，。；]{0,6}[，,])?(?:还|也|亦|可|可概括|通常|多|常)?(?:为|是|包括|有)`, left(DIS), right(SIGN, 'all', { accept: ['Disease'], acceptKnown: true }), 0.9),
  // "烧心和反流是本病最常见的典型症状": what a disease presents with, the symptoms as grammatical subject.
  rule('is_symptom', 'has_sign', `(?:是|为)${gap(16)}的?${QUAL}?的?${CLINICAL}`, topicInside(DIS), left(SIGN, 'all', { open: true, accept: ['Disease'], acceptKnown: true }), 0.9),
  rule('seen', 'has_sign', `(?:可|常|多|亦|也|均|通常|往往|常常|可以|还可|还)?(?:见到|可见(?!于)|常见(?![于的]|${CAUSE})|多见(?![于的]|${CAUSE})|出现|发生(?!于|在|率|部位|的)|伴有|伴|呈现|呈|显示|可有|常有|多有|均有|内有|但有|而有|则有|并有|尚有|可发现|能发现|突发|突然出现|(?:可|常|多)?(?:触及|闻及|扪及|听到)|(?<=少数|部分|多数|个别|患者|患儿|病人)(?:可|仅|也|亦)?有(?![助关效时些无]))`, left(DIS), right(SIGN, 'all', { accept: ['Disease'], headed: true }), 0.8),
  // "心电图可见低电压和电交替", "胃镜下可见纵行沟、白色渗出物": what an exam shows, in a section, is the topic's finding,
  // though its head names no type (the exam vouches that it is a finding, where loose 可见 alone does not).
  { ...rule('exam_shows', 'has_sign', `(?<=[${T.M}${T.E}](?:上|下|中|检查|显像)?(?:常|多|可|亦|还|则)?)(?:可见|可显示|显示|示|见|发现)`, left(DIS), right(SIGN, 'all', { accept: ['Disease'] }), 0.75), context: 'section' },
  { ...rule('causes_sign', 'has_sign', '(?:可|常|多|亦|也|均|通常|往往|常常|可以)?(?:引起|导致|形成)|(?<=可|易|常|多|均|亦)致(?![病密死命])|(?<=患者|患儿|病人|儿|者)(?:可|常|多)?(?:诉|主诉)', left(DIS), right(SIGN, 'all', { headed: true }), 0.8), notInRelative: true },
  // "X未见Y", "X无Y": the relation is stated as absent (the negation cue sets the certainty).
  // "起病急，寒战、高热，咳嗽": the clauses after the onset list what the disease presents with.
  rule('onset', 'has_sign', '(?:急性|突然|隐匿|缓慢)?起病(?:急骤|急|较急|突然|缓慢|隐匿|隐袭|较缓)?[，,]', left(DIS), right(SIGN, 'all', { headed: true, span: 'sentence' }), 0.7),
  rule('lacks', 'has_sign', '(?:一般|通常|多|常|均)?(?:未见|未发现|没有|不伴有?|缺乏|无(?!法|论|需|须|关|创|效|菌|痛|数|限|禁忌))', left(DIS), right(SIGN), 0.8),
  rule('mainly', 'has_sign', `以${gap(15)}为(?:主|特征|特点|(?:首发|主要|突出|早期|典型)(?:表现|症状))`, left(DIS), inside(SIGN, { accept: ['Disease'] }), 0.8),
  rule('seen_in', 'has_sign', '(?:可|常|多|亦|也|主要|最常|较常|通常|尤其)?见于', right(DIS), left(SIGN), 0.85),
  rule('common_in', 'has_sign', '在[^。；]{0,30}?(?:中|内)?(?:较为|较|最|很|十分|更|也|亦)?(?:常见|多见)', inside(DIS), left(SIGN), 0.8),
  // "树芽征并非肺结核所特有": still a sign of it.
  // "…引起中线移位和脑疝，称为恶性大脑中动脉梗死": the name comes after its signs.
  rule('called', 'has_sign', `(?:称为|称之为|统称为)(?=[${T.D}])`, right(DIS, 'nearest'), left(SIGN, 'all'), 0.75),
  rule('specific_to', 'has_sign', `(?:并非|不是|是|为)${gap(16)}所?(?:特有|独有)`, inside(DIS), left(SIGN), 0.8),
  rule('causes', 'has_sign', '(?:病因|原因)[^。；]{0,8}?(?:包括|有|为|是)', right(DIS, 'all', { span: 'sentence' }), left(SIGN), 0.75),
  // "结核球（钙化、卫星灶）": signs listed in brackets after a disease.
  rule('bracket', 'has_sign', `[${T.D}]+[（(][^（）()]{0,40}[、和][^（）()]{0,40}[）)]`, inside(DIS), inside(SIGN), 0.7),
];

const SUGGESTS: PatternRule[] = [
  rule('suggests', 'suggests', '(?:高度|强烈|常|多|可|均|往往|通常|则|更|亦|也|常常)?提示|(?:应|需|要|须|可|首先)?(?:高度)?(?:考虑|怀疑|警惕)|支持|指向|(?:可|能|不能|可以)诊断为?|诊断为|符合', left(SIGN), right(DIS), 0.85),
  rule('value', 'suggests', `(?:对|是诊断|为诊断|是提示|是确诊)${gap(25)}(?:诊断价值|价值|特异性|特异|意义|依据|线索)`, left(SIGN), topicInside(DIS), 0.85),
  // The sign is the grammatical subject of "是Y的…征象/表现": suggests (README), not has_sign.
  // Not the clinical picture ("是本病的主要临床表现": has_sign, see is_symptom).
  rule('is_sign_of', 'suggests', `(?<!以[^，。；]{0,24})(?:是|为|作为)${gap(20)}的?${QUAL}?的?(?:影像学?|${M}+)?(?<!临床|主要|常见|早期|共同|共有)(?:表现|征象|特征|改变|特点|标志)`, left(SIGN, 'all'), topicInside(DIS), 0.9),
  rule('likelihood', 'suggests', `[${T.D}]+的?(?:可能性|概率)(?:增加|增大|较大|大|升高|较高)`, left(SIGN), inside(DIS), 0.7),
];

const LOCATED_AT: PatternRule[] = [
  rule('site', 'located_at', '好发于|多发于|(?:最)?好发部位(?:为|是|在)|(?:常|多|可|主要|通常|一般|最常)?(?:发生|位|分布|局限|起源|来源|(?<![继并])发|停留|嵌顿)(?:于|在)|起自|(?:最|多|常|可|较)?(?:常见|多见)于|多位于|多在|位于', left(DSF), site(right(ANAT)), 0.9),
  rule('mainly_at', 'located_at', `以${gap(12)}(?:多见|最多见|为多|最常见|常见|为主)`, left(DSF), site(inside(ANAT)), 0.75),
  rule('is_site_of', 'located_at', `(?:是|为)${gap(15)}的?(?:最)?(?:好发|常见|多见|主要)(?:发生)?的?部位`, inside(DSF), site(left(ANAT, 'all')), 0.9),
  // "肾血管平滑肌脂肪瘤是肾脏最常见的良性肿瘤", "眼眶蜂窝织炎是眶内软组织的急性化脓性炎症": a definition that places the
  // disease's kind in a site names where the disease is.
  rule('defined_at', 'located_at', `(?<=^[${T.D}]+[（(]?[^，。；（）()]{0,20}[）)]?)(?:是|系|为)(?:一种|一组|指)?(?=[${T.A}]+(?:内|区|部)?(?:最常见|最多见|常见|多见|少见|罕见|较少见)?的)`, left(DIS), site(right(ANAT, 'nearest')), 0.75),
  rule('involves', 'located_at', '累及|侵犯|侵及|侵入|穿透', left(DSF), site(right(ANAT)), 0.75),
  // Report wording: a site directly before what is found there ("右肺上叶中央型肺癌").
  rule('bracket', 'located_at', `[${T.D}${T.S}${T.F}]+[（(](?:[${T.A}、和或及与\\s]|段|部|区|侧)+[）)]`, inside(DSF), site(inside(ANAT)), 0.7),
  rule('found_in', 'located_at', `在${gap(20)}(?:见到|可见|发现|出现|发生)`, left(DSF), site(inside(ANAT)), 0.7),
  rule('seen_at', 'located_at', `[${T.A}]+(?:区|内|上|处)?(?:可|内)?见(?:到)?`, right(DSF, 'nearest'), site(inside(ANAT)), 0.7),
  rule('adjacent', 'located_at', `[${T.A}]+(?=[${T.D}${T.S}${T.F}])`, right(DSF, 'nearest'), inside(ANAT), 0.6),
];

const DIFFERENTIAL: PatternRule[] = [
  rule('versus', 'differential_of', '(?:与|和|同)[^，。；;：:！？]{1,80}?(?:相)?(?:鉴别|区别|区分)', left(DIS), inside(DIS), 0.9),
  rule('ddx_list', 'differential_of', '鉴别诊断(?:主要)?(?:包括|有|为|需考虑)|需(?:要)?鉴别的(?:疾病)?(?:包括|有)', left(DIS), right(DIS), 0.85),
  rule('is_ddx', 'differential_of', `(?:是|为)${gap(20)}的?(?:最)?(?:重要|主要|常见)?的?鉴别诊断`, left(DIS), inside(DIS), 0.9),
  rule('mistaken', 'differential_of', '(?:误诊|误认)为', left(DIS), right(DIS, 'nearest'), 0.8),
];

const TREATED_BY: PatternRule[] = [
  rule('treatment', 'treated_by', `治疗(?:上)?(?:首选|方法|方式|手段|原则|措施|药物)?(?:为|是|包括|主要包括|以|可采用|采用|可选择|选择|可选用|选用|首选|推荐)|(?:常用|首选|主要|一线)?(?:药物|药|方法|方式|手段|措施)(?:主要)?(?:包括|有|为)|(?:常用|首选|主要|一线)的?[${T.Dr}${T.Tr}]+(?:主要)?(?:包括|有)|(?:应|需|宜|须|必须)?(?:尽快|尽早|及时|立即)|首选|(?:可|应|需|宜|可以|进一步|需要)?(?:行|采用|选择(?!性)|选用|考虑)|采取|给予|予以|接受|推荐|开始|启动|(?:可|宜|应|需)?(?:使用|应用|加用|联用|联合|改用|辅以|合用|含服|口服|服用|补充|静脉(?:滴注|输注|注射)|皮下注射|肌内注射|输注|雾化吸入|外用)|可用(?!于)|(?:治疗上?|药物)?(?:常用|多用)(?![于的])`, left(DIS), right(TX), 0.9),
  // "有症状者应手术切除", "出血少者可保守治疗", "严重者需截肢": a modal verb directly before a treatment.
  rule('modal', 'treated_by', `(?:可|应|需|宜|须|必须|多需|常需|均需|需要|则需|方可|必要时)(?=[${T.Tr}${T.P}${T.Dr}])`, left(DIS), right(TX, 'nearest'), 0.75),
  // "可用X治疗", "给予X控制": the treatment is inside the trigger.
  rule('use_to_treat', 'treated_by', `(?:可|宜|应|需)?(?:用|使用|应用|采用|给予|选用)${gap(20)}(?:治疗|控制|预防|纠正|缓解)`, left(DIS), inside(TX), 0.85),
  rule('mainly', 'treated_by', `以${gap(20)}为(?:主|基础|首选|主要)(?!要?的?(?:临床)?(?:表现|症状|特征|特点|体征|病理))`, left(DIS), inside(TX), 0.85),
  rule('is_treatment', 'treated_by', `(?:是|为)(?![^，。；]{0,20}?(?:诊断|确诊|检查|筛查|评估|影像))${gap(20)}的?(?:首选|主要|标准|一线|有效|最有效|唯一有效|根治性?)?的?(?:治疗|疗法|治疗方法|治疗手段|治疗药物|药物|抗菌药物|药|方法)(?![^，。；]{1,20}?的)`, topicInside(['Disease', 'Finding']), left(TX, 'all', { open: true }), 0.9),
  // "奥司他韦应在发病48小时内尽早使用": the drug named before the verb, for the section's disease.
  // "双膦酸盐可缓解骨痛", "卧床休息可减轻疼痛": a treatment said to relieve or slow something treats the section's disease.
  rule('relieves', 'treated_by', '(?:可|能|可以|能够|有助于)(?:有效|明显|显著)?(?:缓解|延缓|减轻|改善|控制|降低|减少|预防|纠正|逆转|抑制|消除|稳定)', topicInside(DIS), left(TX, 'nearest', { open: true, topic: false }), 0.75),
  // "熊去氧胆酸疗效不确切", "化疗效果有限", "利尿剂应避免使用", "甲氨蝶呤可作为辅助": a treatment named first and then
  // judged is a treatment of the section's disease; the judgement (a cue) sets the certainty.
  rule('judged', 'treated_by', '(?:治疗)?(?:疗效|效果|作用)(?:有限|不确切|不肯定|欠佳|不佳|较差|甚微)|(?:应|需|宜)?避免使用(?=[，。；,;]|$)|(?:已)?不再推荐(?=[，。；,;]|$)|不主张(?:使用)?(?=[，。；,;]|$)|仅用于|可作为(?:辅助|补充|二线|替代|备选)', topicInside(DIS), left(TX, 'all', { open: true, topic: false }), 0.75),
  rule('use_named', 'treated_by', `(?:尽早|及时|长期|规律|足量|积极)(?:使用|应用|服用|口服|给予)(?=[，。；,;]|$)`, topicInside(DIS), left(TX, 'nearest', { open: true }), 0.75),
  rule('treats', 'treated_by', `(?:可|常|主要)?用于(?:治疗)?|治疗(?=[${T.D}])`, right(DIS), left(TX), 0.8),
  // "药物治疗无效者可行手术": a condition for the next step, not a statement about the first.
  rule('effect', 'treated_by', '(?:治疗)?(?:有效|无效)(?![者时后的])', left(DIS), left(TX, 'nearest', { topic: false }), 0.8),
  rule('cooccur', 'treated_by', `[${T.Tr}${T.Dr}${T.P}]+`, left(DIS, 'nearest', { topic: false }), inside(TX, { lexiconOnly: true }), 0.6),
  rule('contraindicated', 'treated_by', `是${gap(15)}的?(?:绝对|相对)?禁忌证?`, left(DIS), inside(TX), 0.85),
  // Advice against a treatment: the advice cue makes it absent.
  rule('avoid', 'treated_by', '(?:一般)?(?:禁用|禁止使用|慎用|不宜(?:使用|用|选用|开始使用)?|避免使用|不推荐(?:常规)?(?:使用)?|不建议(?:使用)?|不用|无需(?:使用)?)', left(DIS), right(TX), 0.85),
];

const STAGED_BY: PatternRule[] = [
  rule('staging', 'staged_by', '分期|分级|分类|分型|评分|归为|定义为|属于?|为|评估|采用|应用|参照|按', left(DIS), right(STAGE), 0.85),
  // A stage category named in a sentence about a disease.
  rule('named', 'staged_by', `[${T.St}]+`, left(DIS), inside(STAGE), 0.7),
  rule('used_for', 'staged_by', `(?:用于|用来)${gap(8)}(?:分期|分级|分型|评估|分层)`, topicInside(DIS), left(STAGE), 0.8),
];

const EXAMINED_BY: PatternRule[] = [
  rule('first_choice', 'examined_by', `(?:诊断|确诊)?(?:主要)?(?:依据|依靠|依赖|有赖于|靠)|首选|建议|推荐|(?:可|应|宜)?(?:选择|选用)|(?:可|应|需|宜|需要|进一步|均应|再)?(?:通过|采用|借助|行|进行|完成|复查|结合|做)|以(?=${M})|定期`, left(DSF), right(MOD), 0.85),
  rule('used_for', 'examined_by', '(?:诊断|评估|评价|检出|筛查|显示|发现|判断|随访|鉴别|区分|观察|检查|寻找|明确|排除|除外)', right(DSF), left(MOD), 0.8),
  // "行X排除Y", "行X明确Y": the exam is inside, the disease after it.
  rule('done_to', 'examined_by', `(?:行|进行|采用|应行|需行)${gap(15)}(?:排除|除外|明确|评估|发现|寻找|检出|筛查)`, right(DSF), inside(MOD), 0.85),
  // "头颅CT或MRI检查一般无需常规进行": advice about an exam named before it, for the section's disease.
  rule('advised', 'examined_by', '(?:一般|通常)?(?:无需|无须|不需要?|不必|不推荐|不宜|禁止)(?:常规|再)?(?:进行|行|做|使用)?', topicInside(DSF), left(MOD, 'nearest', { open: true }), 0.75),
  // "肥达试验阳性仅有辅助诊断价值": the value of a test for the section's disease.
  rule('value', 'examined_by', `(?:对${gap(20)})?(?:仅)?(?:有|具有)${gap(8)}(?:诊断|辅助诊断|鉴别诊断)?(?:价值|意义)`, topicInside(DSF), left(MOD, 'nearest', { open: true }), 0.8),
  rule('is_method', 'examined_by', `(?:是|为|作为|用于)${gap(25)}(?:方法|手段|检查|技术|序列|工具|依据|标准|金标准|指标|标志物|辅助检查|关键)`, topicInside(DSF), left(MOD, 'nearest', { open: true }), 0.85),
  // "深部多点活检对确诊至关重要", "对诊断很有帮助": the test named before it matters to diagnosing the section's disease.
  rule('matters', 'examined_by', `对${gap(6)}(?:诊断|确诊|鉴别|鉴别诊断|早期诊断)${gap(4)}(?:至关重要|十分重要|非常重要|很有帮助|有帮助|帮助较大|很有价值)`, topicInside(DSF), left(MOD, 'nearest', { open: true }), 0.8),
  // "X线早期多无特异性异常", "常规腹部超声检出率低", "等密度血肿在CT上易漏诊": an exam judged of little use for the section's
  // disease still names an exam for it; the judgement (a cue) sets the certainty.
  { ...rule('judged', 'examined_by', `(?<=${M}[^，。；]{0,10}?)(?:(?:常|多|可|可能|一般)?无(?:特异性|明显|明确)?(?:异常|改变|阳性发现)|(?:常|多)?无特异性|不敏感|易漏诊|(?:检出率|阳性率|敏感性)(?:较|很)?低|价值有限|作用有限|(?:已)?较少需要)`, topicInside(DSF), left(MOD, 'nearest'), 0.75), context: 'section' },
  // "粪便培养出志贺菌可确诊", "X检测可明确诊断": the test before it confirms the section's disease.
  rule('confirms', 'examined_by', `(?:即可|可以|方可|才能|可|能)(?:明确|确定|快速)?(?:确诊|明确诊断|确定诊断|早期诊断|诊断)(?![为是])`, topicInside(DSF), left(MOD, 'nearest', { open: true }), 0.8),
  rule('used_for_dx', 'examined_by', `(?:用于|适用于|适合|有助于)${gap(20)}的?(?:诊断|确诊|评估|评价|检出|筛查|随访|鉴别|分期|检查|定位|排除|明确)`, topicInside(DSF), left(MOD, 'nearest', { open: true }), 0.85),
  // In a lone sentence the sign an exam shows is what it examines ("CTPA可见充盈缺损"); in a textbook
  // section "可见" describes the picture, and an exam that can find something examines the section's disease.
  { ...rule('detects', 'examined_by', `(?<=${M}[^，。；上中]{0,8})(?:(?:可|能)(?:清楚|清晰|准确|早期|直接|动态|敏感地?|无创|进一步|同时|快速)?(?:地)?(?:发现|显示|检出|明确|确诊|评估|测量|判断|观察|定量|定位|区分))`, topicInside(DSF), left(MOD), 0.75), context: 'section' },
  // No rule reads "胸部X线片可见…" / "CT表现为…" in a section as "the section's disease is examined by it": the
  // sentence states a picture, not a method of examining, and none of three independently written gold sets counts
  // it as one (on dev3 it made about half the wrong examined_by guesses). The signs it names are extracted.
  { ...rule('shows', 'examined_by', `(?<=${M}[^，。；上中]{0,8})(?:可见|未见|可显示|能显示|可发现|能发现|可检出|能检出|显示)`, right(DSF), left(MOD), 0.75), context: 'sentence' },
  rule('sensitivity', 'examined_by', `对${gap(25)}的?(?:诊断|检出|显示|评估|评价)?(?:敏感|特异|价值|准确|能力|效能|作用)`, inside(DSF), clause(MOD), 0.85),
  rule('method', 'examined_by', '是(?:首选|最佳|常规|主要|基本|重要|最基本)的?(?:影像学?)?(?:检查)?(?:方法|手段|检查)', left(DSF), left(MOD), 0.85),
  // "树芽征是…的重要 CT 征象": the exam that shows the sign.
  rule('exam_sign', 'examined_by', `(?:是|为|作为)${gap(25)}(?:征象|表现|特征|标志)`, left(SIGN, 'all'), inside(MOD), 0.85),
];

const COMPLICATION_OF: PatternRule[] = [
  rule('complicated_by', 'complication_of', '(?:可|常|易|容易|多|可以)?(?:并发(?!现)|继发)(?!于|症|性)', right(DIS, 'all', COMPLICATIONS), left(DIS), 0.9),
  // "合并软组织血管瘤者称为…": a group of patients, not a statement that the topic is complicated by it.
  rule('combined_with', 'complication_of', '(?:可|常|易|同时|即使)?合并(?![^，。；]{0,20}者)', right(DIS), left(DIS), 0.7),
  // 「Y是X的并发症，表现为…」 lists Y's signs, not X's complications.
  rule('complications_are', 'complication_of', '并发症[^。；]{0,8}?(?:包括|有|(?<!表现)为)', right(DIS, 'all', { span: 'sentence', ...COMPLICATIONS }), left(DIS), 0.9),
  // "由X引起的Y" describes Y; only the statement "X引起Y" makes Y a complication.
  { ...rule('leads_to', 'complication_of', '(?<!由[^，。；]{0,20})(?:可|常|易|容易|多|可以|进而|从而|最终)?(?:导致|引起|造成|诱发|发展为|进展为|恶变为|转化为|形成|发生(?!于|在|率|部位))|(?<=可|易|常|多|均|亦)致(?![病密死命])', right(DIS, 'all', { span: 'clause' }), left(DIS), 0.75), notInRelative: true },
  rule('is_complication', 'complication_of', `(?:是|为|属于)${gap(15)}的?(?:常见|严重|主要|少见|罕见|最常见|最严重|重要|晚期|早期|特殊|致死性|最常见的致死性)?的?(?:并发症|后遗症|机会性感染)`, left(DIS, 'all', COMPLICATIONS), topicInside(DIS), 0.9),
  // "X是Y最常见的病因": Y follows from X (a cause of death is not one: "是本病死亡的首要原因").
  rule('is_cause', 'complication_of', `(?:是|为)(?![^，。；]*死亡)${gap(15)}的?(?:最常见|常见|主要|最主要|首要|重要)?的?(?:病因|原因|诱因)`, topicInside(DIS), left(DIS, 'all'), 0.85),
  // "可增加巨大儿、羊水过多和新生儿低血糖的风险", "代谢综合征的发生风险增加": what a disease makes likely follows from it.
  rule('raises_risk', 'complication_of', `(?:可|会|将|并|还)?(?:增加|增高|升高|提高)${gap(40)}的?(?:发生)?(?:风险|危险|概率|机会)`, inside(DIS, COMPLICATIONS), left(DIS), 0.8),
  rule('risk_raised', 'complication_of', `的?(?:发生)?(?:风险|危险)(?:明显|显著)?(?:增加|增高|升高)`, left(DIS, 'all', COMPLICATIONS), topicInside(DIS), 0.75),
  // "若未及时治疗，可遗留科尔萨科夫综合征", "约半数可伴发膀胱肿瘤", "可演变为慢性骨髓炎": what remains after, comes with or
  // turns out of a disease follows from it.
  rule('sequela', 'complication_of', '(?:可|常|易|多|均|亦|也|还可)(?:遗留|留下|伴发|演变为|演变成|发展成|转为|转变为|恶变成)', right(DIS, 'all', { span: 'clause', ...COMPLICATIONS }), left(DIS), 0.8),
  rule('secondary_to', 'complication_of', '(?:多|常|可)?(?:继发于|并发于)', left(DIS), right(DIS), 0.85),
  rule('caused_by', 'complication_of', `由${gap(20)}(?:引起|所致|导致|造成|发展而来|演变而来)`, left(DIS), inside(DIS), 0.85),
  rule('cause', 'complication_of', '(?:最常见|常见|主要|最主要)?的?(?:病因|原因|诱因)(?:依次)?(?:是|为|包括|有)', left(DIS), right(DIS), 0.8),
];

const SUBTYPE_OF: PatternRule[] = [
  rule('is_a', 'subtype_of', `(?:是|为|属于?)${gap(15)}的?(?:一种|一型|一类|特殊类型|特殊亚型|亚型|类型|分型|病理类型|组织学类型|组织学亚型|最常见类型|变异型|子类)`, left(DIS), inside(DIS), 0.9),
  rule('is_a_kind', 'subtype_of', '属于', left(DIS), right(DIS, 'nearest'), 0.8),
  // Membership stated as such ("与Y同属炎症性肠病", "属于Z", "是指…的肺癌") ends the clause with the class.
  // A definition by genus ("X是一种少见的先天性肺发育畸形", "X是…引起的急性脑病") describes X, it does not
  // file it under a named class: none of the blind-style gold sets counts it, and it was most of the wrong
  // subtype guesses there.
  rule('copula', 'subtype_of', '(?<!其次|依次|分|称|成|作)(?:是指|属于|属|同属)', left(DIS), right(DIS, 'last'), 0.7),
  rule('divided', 'subtype_of', '(?:可|主要|大致|通常|一般)?(?:分为|分成)|的(?:病理|组织学)?(?:类型|亚型|分型)(?:主要)?(?:包括|有|为)', right(DIS), left(DIS), 0.85),
  rule('includes', 'subtype_of', '(?<!(?:并发症|病因|诱因|原因|因素|表现|症状|体征|三联征|特点)[^，。；]{0,8}[，：:]?)包括', right(DIS), left(DIS), 0.75),
  rule('share', 'subtype_of', `(?:约|大约|仅)?占${gap(15)}的`, left(DIS), inside(DIS), 0.85),
  // "多发者称为内生软骨瘤病", "部分患者…交替出现，称为慢-快综合征": the name given to some of the topic's cases is a
  // form of it.
  rule('some_called', 'subtype_of', `(?<=(?:^|[，,])(?:其中)?(?:部分|少数|多数|个别|[^，。；]{0,12}者)[^。；]{0,40}?)(?:者)?(?:则|即)?(?:称为|称之为|被称为)(?=[${T.D}])`, right(DIS, 'nearest'), topicInside(DIS), 0.75),
  rule('among', 'subtype_of', '其中', right(DIS, 'nearest'), left(DIS), 0.7),
];

export const ZH_RULES: PatternRule[] = [
  ...HAS_SIGN, ...SUGGESTS, ...LOCATED_AT, ...DIFFERENTIAL, ...TREATED_BY, ...STAGED_BY, ...EXAMINED_BY, ...COMPLICATION_OF, ...SUBTYPE_OF,
];
