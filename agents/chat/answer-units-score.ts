import type { Intent } from './question-intent.ts';
import type { Unit } from './answer-units.ts';

/** A query term (with synonyms) and how much it says about the topic. */
export interface TopicTerm {
  surfaces: string[];
  weight: number;
}

/**
 * Words that say what is asked rather than about what (多大, 首选, 征象, which…): they do not count when
 * judging whether a passage is on the question's topic.
 */
const CUE = new Set(
  (
    '多大 多小 多少 多长 多久 需要 应该 应 怎么 怎样 如何 什么 哪些 哪种 哪个 哪 是否 标准 是 有 有无 的 首选 表现 征象 特点 特征 鉴别 区别 区分 ' +
    '治疗 处理 定义 指 一般 通常 时候 时间 分别 主要 常见 典型 影像 影像学 提示 可以 进行 做 选 选择 方法 方案 几 意义 作用 情况 问题 标准是 ' +
    'what which how when where why who whom does do did should can could would will is are was were be been the a an of on in to for with by at as ' +
    'from after before into than that this these those there it its and or not no'
  ).split(/\s+/),
);

/** Pure question words: they never name what a section is about (征象, 标准, 治疗 can; 什么, 多大 cannot). */
const QUESTION_ONLY = new Set(
  '多大 多小 多少 多长 多久 需要 应该 应 怎么 怎样 如何 什么 哪些 哪种 哪个 哪 是否 是 有 有无 的 吗 呢 几 一般 通常 可以 进行 做 分别 主要 常见 典型'
    .split(' ')
    .concat('what which how when where why who whom does do did should can could would will is are was were be been the a an of on in to for with by at as from after before into than that this these those there it its and or not no'.split(' ')),
);

export function isQuestionWord(surface: string): boolean {
  return QUESTION_ONLY.has(surface.toLowerCase()) || /^[?？!！,，.。、]+$/.test(surface);
}

export function isCue(surface: string): boolean {
  return CUE.has(surface.toLowerCase()) || /^[?？!！,，.。、]+$/.test(surface);
}

/** Share of the topic's weight whose terms (or a synonym) occur in `text`; 1 when the question names no topic term. */
export function topicCoverage(text: string, topic: TopicTerm[]): number {
  const total = topic.reduce((n, t) => n + t.weight, 0);
  if (!total) return 1;
  const lower = text.toLowerCase();
  return topic.filter((t) => t.surfaces.some((s) => s && lower.includes(s.toLowerCase()))).reduce((n, t) => n + t.weight, 0) / total;
}

const MEASURE = /\d+(?:\.\d+)?\s*(?:[～~〜至到\-–]\s*[＜<＞>≤≥]?\s*\d+(?:\.\d+)?\s*)?(?:mm³|mm|cm|mL|ml|HU|%|mSv|mGy|mmHg|kV|mAs|IU\/L|cm\/s|mL\/s|包年|岁|个月|月|周|天|日|小时|h|分钟|min|秒|s\b|分|次|倍|级|组|层|年)/i;
const COMPARE = /[＜<＞>≤≥]\s*\d|(?:大于|小于|超过|不超过|不少于|不低于|低于|高于|以上|以下|以内)/;
const STAGE = /\b(?:T[0-4][a-c]?|T1mi|Tis|TX|N[0-3X]|M[01][a-c]?)\b|[ⅠⅡⅢⅣ][ABC]?\d?期|[0-4][ABX]?类|[A-Z]?\d?型|分期|归为|属于|分为|定义为/;
const SIGN = /征|表现为|表现|呈|可见|显示|见于|提示|改变|信号|密度|强化/;
const CONTRAST = /鉴别|区别|不同|而|相比|多为|多见|支持|提示|较|则|与/;
const TREAT = /治疗|处理|手术|切除|引流|复位|抗凝|抗生素|抗感染|放化疗|化疗|放疗|疗程|首选|推荐|介入|栓塞|分娩|终止妊娠|随访|复查/;
const EXAM = /首选|检查|推荐|敏感|准确|CT|MRI|超声|X\s*线|平片|CTA|MRCP|DWI|PET|造影|扫描|序列|成像/;
const DEFINE = /是指|指的是|称为|又称|简称|定义为|定义|即|是.{1,12}(?:统称|总称)|：/;

/** Whether a unit holds the kind of thing the intent asks for. */
export function slotMatches(intent: Intent, u: Unit): boolean {
  const t = u.text;
  switch (intent) {
    case 'threshold':
      return MEASURE.test(t) || (COMPARE.test(t) && /\d/.test(t));
    case 'staging':
      return STAGE.test(t) || MEASURE.test(t);
    case 'signs':
      return SIGN.test(t) || u.kind === 'item' || u.kind === 'row';
    case 'differential':
      return CONTRAST.test(t);
    case 'treatment':
      return TREAT.test(t);
    case 'exam':
      return EXAM.test(t);
    case 'definition':
      return DEFINE.test(t);
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
  slot: boolean;
  score: number;
}

/** Sections that introduce or wrap up a document rather than state its content. */
const META_SECTION = /学习目标|前言|本章小结|思考题|要点总结|编写原则|\b(?:objectives|summary|preface)\b/i;

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
  return units.map((unit) => {
    const own = topicCoverage(unit.text, topic);
    const withContext = topicCoverage(`${unit.context} ${unit.text}`, topic);
    const slot = intents.some((i) => slotMatches(i, unit));
    const section = sectionMatch.get(unit.evidence.chunkId ?? '') ?? 0;
    const meta = META_SECTION.test((unit.evidence.headingPath ?? []).join(' ')) ? 0.8 : 0;
    // The opening sentence of a subsection of a section the question names (「5 平扫CT早期缺血征象」 › 「5.2 岛带征」) is an item of the answer's list.
    const lead = unit.index === 0 ? (outline.has(unit.evidence.chunkId ?? '') ? 1.5 : 0.3) : 0;
    const score =
      1.5 * own + withContext + (slot ? 1 : 0) + (section >= 0.75 ? section : 0) + lead - meta + 0.3 / (1 + unit.rank) +
      (unit.kind === 'row' && intents.includes('threshold') ? 0.2 : 0);
    return { unit, topic: withContext, own, slot, score };
  });
}

/** Codes weigh like entities: T2, N0, M1a, 4A, PH2 name exactly what is asked. */
export function topicWeight(surface: string, weight: number): number {
  return /^(?:[a-z]{1,3}\d{1,2}[a-c]?|\d[a-c])$/i.test(surface) ? Math.max(weight, 2) : weight;
}
