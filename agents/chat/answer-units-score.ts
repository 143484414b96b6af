import type { Intent } from './question-intent.ts';
import type { Unit } from './answer-units.ts';

/** A query term (with synonyms) and how much it says about the topic. */
export interface TopicTerm {
  surfaces: string[];
  weight: number;
  /** A code the question names (T2, M1b, IC): a unit naming none of the question's codes is about something else. */
  code?: boolean;
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
      return STAGE.test(t) || MEASURE.test(t) || u.kind === 'row';
    case 'signs':
      return SIGN.test(t) || u.kind === 'item' || u.kind === 'row';
    case 'differential':
      return CONTRAST.test(t) || STAGE.test(t) || u.kind === 'row';
    case 'treatment':
      return TREAT.test(t);
    case 'exam':
      return EXAM.test(t);
    case 'definition':
      return DEFINE.test(t) || u.kind === 'row';
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
  // A unit inherits most of a passage's topic when the passage is clearly about it: 「受累血管的CT值通常高于43 HU」 is
  // about the 大脑中动脉高密度征 its section defines, though it does not repeat the name.
  const passage = new Map<unknown, number>();
  for (const u of units) if (!passage.has(u.evidence)) passage.set(u.evidence, topicCoverage(`${u.context} ${u.evidence.text}`, topic));
  return units.map((unit) => {
    const own = topicCoverage(unit.text, topic);
    const inherited = unit.row ? 0 : (passage.get(unit.evidence) ?? 0);
    const withContext = Math.max(topicCoverage(`${unit.context} ${unit.text}`, topic), inherited >= 0.75 ? 0.9 * inherited : 0);
    const lower = unit.text.toLowerCase();
    const offCode = codes.length > 0 && !codes.some((t) => t.surfaces.some((x) => containsTerm(lower, x))) ? 1 : 0;
    const slot = intents.some((i) => slotMatches(i, unit));
    // What the main intent asks for counts more than what a secondary one does.
    const slotScore = slotMatches(intents[0], unit) ? 1.5 : slot ? 0.7 : 0;
    const section = sectionMatch.get(unit.evidence.chunkId ?? '') ?? 0;
    const isMeta = (unit.evidence.headingPath ?? []).some((h) => META_SECTION.test(h.trim())) || /^(?:学习目标|本章小结)/.test(unit.text);
    const meta = isMeta ? 1.5 : 0;
    // The opening sentence of a subsection of a section the question names (「5 平扫CT早期缺血征象」 › 「5.2 岛带征」) is an item of the answer's list.
    const lead = unit.index === 0 ? (outline.has(unit.evidence.chunkId ?? '') ? 1.5 : 0.3) : 0;
    const score =
      1.5 * own + withContext + slotScore + (section >= 0.75 ? section : 0) + lead - meta - offCode + 0.3 / (1 + unit.rank) +
      (unit.kind === 'row' && intents.includes('threshold') ? 0.2 : 0);
    return { unit, topic: withContext, own, slot, meta: isMeta, score };
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
