import type { Intent } from './question-intent.ts';
import { subjectHead, type Unit } from './answer-units.ts';

/** A query term (with synonyms) and how much it says about the topic. */
export interface TopicTerm {
  surfaces: string[];
  weight: number;
  /** A code the question names (T2, M1b, IC): a unit naming none of the question's codes is about something else. */
  code?: boolean;
  /** A word that says what is asked (临床表现, 随访, 治疗): a section or table it heads holds that. */
  asked?: boolean;
}

/**
 * Words that say what is asked rather than about what (多大, 首选, 征象, which…): they do not count when
 * judging whether a passage is on the question's topic.
 */
const CUE = new Set(
  (
    '多大 多小 多少 多长 多久 需要 应该 应 怎么 怎样 如何 什么 哪些 哪种 哪个 哪 是否 标准 是 有 有无 的 首选 表现 征象 特点 特征 鉴别 区别 区分 怎么算 如何计算 怎么办 分别 指 ' +
    '治疗 处理 定义 指 一般 通常 时候 时间 分别 主要 常见 典型 影像 影像学 提示 可以 进行 做 选 选择 方法 方案 几 意义 作用 情况 问题 标准是 ' +
    'what which how when where why who whom does do did should can could would will is are was were be been the a an of on in to for with by at as ' +
    'from after before into than that this these those there it its and or not no'
  ).split(/\s+/),
);

/** Pure question words: they never name what a section is about (征象, 标准, 治疗 can; 什么, 多大 cannot). */
const QUESTION_ONLY = new Set(
  '多大 多小 多少 多长 多久 需要 应该 应 怎么 怎样 如何 什么 哪些 哪种 哪个 哪 是否 是 有 有无 的 吗 呢 几 一般 通常 可以 进行 做 分别 主要 常见 典型 时候 什么时候 怎么算 如何计算 怎么办'
    .split(' ')
    .concat('what which how when where why who whom does do did should can could would will is are was were be been the a an of on in to for with by at as from after before into than that this these those there it its and or not no'.split(' ')),
);

export function isQuestionWord(surface: string): boolean {
  return QUESTION_ONLY.has(surface.toLowerCase()) || /^[?？!！,，.。、]+$/.test(surface);
}

export function isCue(surface: string): boolean {
  return CUE.has(surface.toLowerCase()) || /^[?？!！,，.。、]+$/.test(surface);
}

/** A prefix that makes a different concept of the word after it: 亚实性结节 is not 实性结节, 非小细胞肺癌 not 小细胞肺癌. */
const NEGATING_PREFIX = /[亚非]$/;

/**
 * Whether `lower` (lower-cased text) contains the surface as that concept: not inside 亚…/非… , and a Latin word or
 * code as a whole word (「IC」 is not in 「clinical」, 「L」 not in 「mL」).
 */
export function containsTerm(lower: string, surface: string): boolean {
  const s = surface.toLowerCase();
  if (!s) return false;
  const cjk = /[\u3400-\u9fff]/.test(s);
  for (let at = lower.indexOf(s); at >= 0; at = lower.indexOf(s, at + 1)) {
    const before = lower.slice(Math.max(0, at - 1), at);
    const after = lower.charAt(at + s.length);
    if (cjk && s.length >= 2 && NEGATING_PREFIX.test(before)) continue;
    if (!cjk && (/[a-z0-9]$/.test(before) && /^[a-z0-9]/.test(s) || (/^[a-z0-9]/.test(after) && /[a-z0-9]$/.test(s)))) continue;
    return true;
  }
  return false;
}

/** Share of the topic's weight whose terms (or a synonym) occur in `text`; 1 when the question names no topic term. */
export function topicCoverage(text: string, topic: TopicTerm[]): number {
  const total = topic.reduce((n, t) => n + t.weight, 0);
  if (!total) return 1;
  const lower = text.toLowerCase();
  return topic.filter((t) => t.surfaces.some((s) => containsTerm(lower, s))).reduce((n, t) => n + t.weight, 0) / total;
}

const MEASURE = /\d+(?:\.\d+)?\s*(?:[～~〜至到\-–]\s*[＜<＞>≤≥]?\s*\d+(?:\.\d+)?\s*)?(?:mm³|mm|cm|mL|ml|HU|%|mSv|mGy|mmHg|kV|mAs|IU\/L|cm\/s|mL\/s|包年|岁|个月|月|周|天|日|小时|h|分钟|min|秒|s\b|分|次|倍|级|组|层|年)/i;
const COMPARE = /[＜<＞>≤≥]\s*\d|(?:大于|小于|超过|不超过|不少于|不低于|低于|高于|以上|以下|以内)/;
const STAGE = /\b(?:T[0-4][a-c]?|T1mi|Tis|TX|N[0-3X]|M[01][a-c]?)\b|[ⅠⅡⅢⅣ][ABC]?\d?期|[0-4][ABX]?类|(?:[A-Z0-9ⅠⅡⅢⅣ一二三四五六两]|\d[a-c])型|型[、，和及与]|分期|分型|分级|归为|属于|分为|分成|定义为/;
const SIGN = /征|表现为|表现|呈|可见|显示|见于|提示|改变|信号|密度|强化/;
/** Words that state a differential outright (the broader CONTRAST words only compare). */
const DIFFERENTIATE = /鉴别|区别|区分|不同于|混淆|误诊|误认为|differentia|distinguish/i;
const CONTRAST = /鉴别|区别|不同|而|相比|多为|多见|支持|提示|较|则|与/;
const TREAT = /治疗|处理|手术|切除|引流|复位|抗凝|抗生素|抗感染|放化疗|化疗|放疗|疗程|推荐|介入|栓塞|分娩|终止妊娠|随访|复查/;
const EXAM = /首选|检查|推荐|敏感|准确|CT|MRI|超声|X\s*线|平片|CTA|MRCP|DWI|PET|造影|扫描|序列|成像/;
const IMAGING = /CT|MRI|MR\b|超声|X\s*线|平片|造影|DWI|T[12]WI|PET|增强|扫描|回声|信号|密度|影像/;
const SYMPTOM = /症状|体征|主诉|临床表现|出现|伴有?|(?<![声])痛|发热|咳|咯血|呕吐|恶心|腹泻|便血|血尿|黄疸|乏力|消瘦|体重下降|盗汗|头晕|抽搐|昏迷|休克|呼吸困难|胸闷|征阳性|可触及|不适|压痛/;
const DIAGNOSE = /诊断|确诊|活检|穿刺|病理|检查|首选|金标准|敏感|特异/;
const FOLLOW = /随访|复查|定期|监测|观察|每\s*\d|\d+\s*(?:个月|年|周)/;
const CAUSE = /引起|导致|所致|病因|原因|由于|多由|诱发|诱因|危险因素|相关|继发于|感染|遗传|饮酒|吸烟/;
const COMPLICATE = /并发|合并|继发|导致|引起|可致|出现/;
const PROGNOSE = /预后|生存|死亡率|病死率|复发|转归|治愈|自愈|恶化/;
const DEFINE = /是指|指的是|称为|又称|简称|定义为|定义|即|是.{1,12}(?:统称|总称)|：/;

const TABLE_ABOUT: Partial<Record<Intent, RegExp>> = {
  staging: /分期|分型|分级|分类|分组|类型|类别|标准|定义|TNM|stag|grade|class|type/i,
  signs: /征象|表现|特点|特征|征|信号|密度|回声|强化|sign|finding|feature/i,
  differential: /鉴别|区别|比较|对比|vs|differential/i,
  // A classification table defines its types (「类型｜影像表现」: 「PH2｜血肿体积超过梗死区的30%」).
  definition: /定义|含义|名称|术语|概念|类型|分型|分级|分期|分类|类别|defin|type|class/i,
};

function rowAbout(intent: Intent, u: Unit): boolean {
  const table = u.row?.table;
  const re = TABLE_ABOUT[intent];
  return !!table && !!re && re.test(`${table.caption ?? ''} ${table.header.join(' ')}`);
}

const SIZE = /\d+(?:\.\d+)?\s*(?:mm|cm)\b/i;

/**
 * A symptom sentence in a text that is not about imaging (「重症患者可出现休克…Grey-Turner征」) states a clinical
 * sign, not an imaging one; in a radiology document (its title or headings name 影像, CT…) the context says otherwise.
 */
function clinicalOnly(u: Unit): boolean {
  return SYMPTOM.test(u.text) && !IMAGING.test(u.text) && !IMAGING.test(u.context);
}

/** Whether a unit holds the kind of thing the intent asks for. */
export function slotMatches(intent: Intent, u: Unit): boolean {
  const t = u.text;
  // A row holds the kind of thing asked for when its table is about it (caption and column names: 「TNM 分期」,
  // 「鉴别要点」, 「CT 表现」), not merely because it is a row: 「上腹正中｜急性胰腺炎…」 of a pain-location table
  // is not 急性胰腺炎's differential.
  const row = u.kind === 'row' && rowAbout(intent, u);
  switch (intent) {
    case 'threshold':
      return MEASURE.test(t) || (COMPARE.test(t) && /\d/.test(t));
    case 'staging':
      // Criteria are sizes and codes (「T2：肿瘤最大径大于 3 cm」); an interval (「每2～3个月复查」) is not a stage.
      return STAGE.test(t) || SIZE.test(t) || row;
    case 'signs':
      return (SIGN.test(t) && !clinicalOnly(u)) || u.kind === 'item' || row;
    case 'differential':
      return DIFFERENTIATE.test(t) || CONTRAST.test(t) || STAGE.test(t) || row;
    case 'treatment':
      return TREAT.test(t);
    case 'clinical':
      return SYMPTOM.test(t) || (/表现为|表现/.test(t) && !IMAGING.test(t));
    case 'diagnosis':
      return DIAGNOSE.test(t) || EXAM.test(t);
    case 'followup':
      return FOLLOW.test(t);
    case 'cause':
      return CAUSE.test(t);
    case 'complication':
      return COMPLICATE.test(t);
    case 'prognosis':
      return PROGNOSE.test(t);
    case 'exam':
      return EXAM.test(t);
    case 'definition':
      return DEFINE.test(t) || row;
    default:
      return true;
  }
}

export interface Scored {
  unit: Unit;
  /** Topic coverage of the unit with its context (title, headings, caption, column names). */
  topic: number;
  /** Topic coverage of the unit's own text. */
  own: number;
  /** Topic coverage of the unit with its implicit subject (the sentences before it that name what it is about). */
  subject: number;
  slot: boolean;
  /** The unit comes from a section that introduces or wraps up the document (scope, learning goals, summary). */
  meta: boolean;
  score: number;
}

/** Sections that introduce or wrap up a document rather than state its content. */
const META_SECTION = /^(?:(?:第.{1,3}[章节]|\d{1,2}(?:\.\d{1,2})*)\s*)?(?:范围|前言|学习目标|本章小结|思考题|要点总结|编写原则|证据与推荐强度说明|objectives|summary|preface|scope)$/i;

/**
 * Score units against the question: the topic in the unit's own words and in what it sits under, whether it
 * holds what the intent asks for, whether its section's headings name the question (`sectionMatch`, from
 * section_lookup), a section's opening sentence (where a sign or a criterion is defined; more so for the
 * subsections of a matched section, `outline`), and search rank.
 */
export function scoreUnits(
  units: Unit[],
  intents: Intent[],
  topic: TopicTerm[],
  sectionMatch: ReadonlyMap<string, number> = new Map(),
  outline: ReadonlySet<string> = new Set(),
): Scored[] {
  const codes = topic.filter((t) => t.code);
  const asked = topic.filter((t) => t.asked);
  // A section is about one thing: a unit of a passage under headings inherits most of the passage's topic
  // (「受累血管的CT值通常高于43 HU」 is about the sign its section defines). A passage without headings (plain text)
  // may hold several topics, so there only the sentences before a unit lend it theirs (its antecedent).
  const passage = new Map<unknown, number>();
  for (const u of units) if (!passage.has(u.evidence) && u.evidence.headingPath?.length) passage.set(u.evidence, topicCoverage(`${u.context} ${u.evidence.text}`, topic));
  return units.map((unit) => {
    const own = topicCoverage(unit.text, topic);
    const section = unit.row ? 0 : (passage.get(unit.evidence) ?? 0);
    // The implicit subject: 「受累血管的CT值通常高于43 HU」 is about the sign the sentence before names, 「本病需与…鉴别」
    // about the disease that opened the paragraph.
    const headless = !unit.evidence.headingPath?.length;
    const inherited = unit.antecedent && headless ? Math.max(own, 0.9 * topicCoverage(`${unit.antecedent} ${unit.text}`, topic)) : own;
    // 「胆石症的临床表现从无症状到…急性胆囊炎…不等」 is about 胆石症: the topic only in the object counts half.
    const head = subjectHead(unit.text);
    const subject = head && topicCoverage(head, topic) === 0 ? inherited / 2 : inherited;
    const withContext = Math.max(topicCoverage(`${unit.context} ${unit.text}`, topic), subject, section >= 0.75 ? 0.9 * section : 0);
    // Under headings the section carries the topic; in plain text the sentence and its antecedent do.
    const stated = headless ? subject : own;
    const lower = unit.text.toLowerCase();
    const offCode = codes.length > 0 && !codes.some((t) => t.surfaces.some((x) => containsTerm(lower, x))) ? 1 : 0;
    const slot = intents.some((i) => slotMatches(i, unit));
    // What the main intent asks for counts more than what a secondary one does.
    const slotScore = slotMatches(intents[0], unit) ? (intents[0] === 'differential' && !DIFFERENTIATE.test(unit.text) && unit.kind !== 'row' ? 1 : 1.5) : slot ? 0.7 : 0;
    const named = sectionMatch.get(unit.evidence.chunkId ?? '') ?? 0;
    const isMeta = (unit.evidence.headingPath ?? []).some((h) => META_SECTION.test(h.trim())) || /^(?:学习目标|本章小结)/.test(unit.text);
    const meta = isMeta ? 1.5 : 0;
    // The opening sentence of a subsection of a section the question names (「5 平扫CT早期缺血征象」 › 「5.2 岛带征」) is an item of the answer's list.
    const lead = unit.index === 0 ? (outline.has(unit.evidence.chunkId ?? '') ? 1.5 : 0.3) : 0;
    // 「纯磨玻璃结节小于6 mm需要随访吗」: the rows of 「表 10-2 …随访建议」, a section headed 「治疗」 for 「…的治疗」.
    const lowerContext = unit.context.toLowerCase();
    const headed = asked.some((t) => t.surfaces.some((x) => containsTerm(lowerContext, x))) ? 0.5 : 0;
    const score =
      headed + 1.5 * stated + withContext + slotScore + (named >= 0.75 ? named : 0) + lead - meta - offCode + 0.3 / (1 + unit.rank) +
      (unit.kind === 'row' && intents.includes('threshold') ? 0.2 : 0);
    return { unit, topic: withContext, own, subject, slot, meta: isMeta, score };
  });
}

/**
 * How much a term says about the topic. A disease, sign or stage (entity), a code (T2, N0, M1a, 4A, PH2) and a
 * longer Chinese word outside the lexicon (烟雾病) name the topic; a modality or body part (MRI, CT, 肺) only
 * narrows it — 「烟雾病的MRI表现」 is about 烟雾病, not about any MRI.
 */
export function topicWeight(surface: string, weight: number, lexeme?: string): number {
  if (lexeme?.startsWith('#mod.') || lexeme?.startsWith('#anat.')) return 1;
  if (lexeme?.startsWith('#')) return 2;
  if (/^(?:[a-z]{1,3}\d{1,2}[a-c]?|\d[a-c])$/i.test(surface)) return Math.max(weight, 2);
  if ([...surface].length >= 3 && /^[\u3400-\u9fff]+$/.test(surface)) return Math.max(weight, 2);
  return weight;
}
