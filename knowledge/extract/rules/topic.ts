import { type EntityType, guessKind, type Lexicon, leadingName, type NameHead, nameGivenLast, nameHead, topicOpening, withinTopic } from '../../../core/index.ts';
import type { LocalMention, SentenceView } from './sentence-view.ts';

/**
 * The section topic: what a textbook section is about, and so the subject of the sentences that leave
 * it out ("典型症状为…" under 「消化性溃疡」) and what 本病/该病/其 refer to. It comes from the heading,
 * from a bare heading line in the text (「前列腺癌。」, as plain-text books print headings), or from the
 * subject of a defining sentence that opens the section ("肝硬化是…").
 */

/** Headings that name an aspect of the section topic rather than a topic (临床表现, 治疗…). */
const ASPECT = /^(?:概述|概论|定义|病因|病因学|病因与发病机制|发病机制|病理|病理生理|病理改变|流行病学|临床表现|症状|体征|临床特点|辅助检查|实验室检查|影像学检查|影像学表现|影像表现|诊断|诊断标准|鉴别诊断|诊断与鉴别诊断|治疗|治疗原则|药物治疗|手术治疗|并发症|预后|预防|护理|随访|分型|分期|分类|小结|要点|附)/;

const CONDITION_KINDS = new Set(['Disease', 'Finding', 'Sign']);

/** Numbering before a heading's words: 第三节、一、1.2、（一）、1）. */
const NUMBERING = /^\s*(?:第[一二三四五六七八九十百0-9]+[章节篇部分]\s*|[一二三四五六七八九十]+[、．.]\s*|[（(][一二三四五六七八九十0-9]+[）)]\s*|\d+(?:\.\d+)*[、.．)）]?\s+|#+\s*)/;

const TERM_TEXT = /^[\u3400-\u9fffA-Za-z0-9αβγⅠ-Ⅻ\-（）()·]{1,24}$/;

/** A topic mention for `name`: the lexicon entity when the name is one, else an open mention guessed as a disease. */
export function topicMention(lexicon: Lexicon, name: string, strict = false): LocalMention | null {
  const text = name.replace(NUMBERING, '').replace(/[。.：:\s]+$/, '').trim();
  // Chinese names only: open extraction reads Chinese text, and a Latin heading ("x", "附录A") names no disease here.
  if (!text || !TERM_TEXT.test(text) || !/[\u3400-\u9fff]/.test(text) || ASPECT.test(text)) return null;
  const entry = lexicon.lookup(text);
  if (entry) return entry.type === 'Disease' || entry.type === 'Finding' ? implicit(text, entry.type, entry) : null;
  const kind = guessKind(text);
  // A heading names a condition when its head says so (肺部孤立性结节, 重症肌无力); a short sentence only
  // when its head says it is a disease.
  // An untyped heading is more often a section name (影像检查路径, 诊断思路) than a disease.
  if (strict ? kind !== 'Disease' : !kind || !CONDITION_KINDS.has(kind)) return null;
  return implicit(text, 'Disease');
}

function implicit(text: string, type: EntityType, entry?: LocalMention['entry']): LocalMention {
  return { start: -1, end: -1, text, type, open: !entry, ...(entry ? { entry } : {}), implicit: true, clause: -1 };
}

/** The topic a heading path gives: the innermost heading that names a disease, skipping aspect headings. */
export function headingTopic(lexicon: Lexicon, headingPath: readonly string[]): LocalMention | null {
  for (let i = headingPath.length - 1; i >= 0; i--) {
    const t = topicMention(lexicon, headingPath[i]);
    if (t) return t;
  }
  return null;
}

/**
 * A heading whose head word shows no type (胆道闭锁, 结节病 is typed, 葡萄胎 is not) still names the
 * section's topic when the section opens by defining it: "胆道闭锁是…", "X又称…", "X（英文）是…".
 */
export function headingDefinedIn(headingPath: readonly string[], text: string): LocalMention | null {
  const last = headingPath.at(-1);
  if (!last) return null;
  const name = last.replace(NUMBERING, '').replace(/[。.：:\s]+$/, '').trim();
  if (!name || name.length > 12 || !TERM_TEXT.test(name) || !/^[\u3400-\u9fff]{2}/.test(name) || ASPECT.test(name)) return null;
  const kind = guessKind(name);
  if (kind && !CONDITION_KINDS.has(kind)) return null;
  const opening = text.trimStart();
  if (!opening.startsWith(name) || !/^\s*(?:[（(][^）)]{1,40}[）)])?\s*(?:是|为|系|指|又称|也称|亦称|简称|俗称)/.test(opening.slice(name.length))) return null;
  return implicit(name, 'Disease');
}

/** A sentence about some of the topic's cases: what it names is a form of the topic, not a new topic. */
const SOME_CASES = /^(?:其中|少数|部分|个别|多数|约[0-9０-９]|[^，。；]{0,12}者)|合并[^，。；]{1,20}者|者(?:称为|称之为|被称为)/;

/** Words that make a short sentence a statement rather than a heading line. */
const STATEMENT = /[是为有无见可及和与或的了呈伴示由即需应须宜者]|排除|受累|表现|出现|包括|引起|导致|[又也亦简俗]称|又名|合并|并发|继发|所致|累及|患者|患儿|病人|部分|多数|少数|^(?:常(?!染)|多(?!发|囊|形|系)|易|偶|亦|也|还|均|但|而)/;

/**
 * The name a sentence opens with: all of its text before the copula, the bracket or 的病因…, when a
 * disease mention ends there (手足口病 where the finder saw 口病, 营养性维生素D缺乏性佝偻病); else its
 * first mention when that starts the sentence.
 */
function leadName(lexicon: Lexicon, view: SentenceView): { name: LocalMention; head: NameHead } | null {
  const lead = leadingName(view.text);
  const ending = lead ? view.mentions.find((x) => x.end === lead.end && x.start >= lead.start && !x.pronoun && !x.implicit) : undefined;
  if (lead && ending && (!ending.type || CONDITION_KINDS.has(ending.type))) {
    // A known name keeps its identity where what precedes it only qualifies it (成人肺结核); a name that
    // only ends in a known one (腺淋巴瘤, 胆囊腺肌症) is a name of its own.
    if (ending.entry) {
      if (ending.type === 'Sign' || (ending.start !== lead.start && ending.type !== 'Disease')) return null;
      if (ending.start === lead.start || QUALIFIER.test(lead.name.slice(0, ending.start - lead.start))) return { name: ending, head: ending.type === 'Disease' ? 'disease' : 'condition' };
      return { name: { start: lead.start, end: ending.end, text: lead.name, type: 'Disease', open: true, clause: ending.clause }, head: 'disease' };
    }
    // The mention is the whole name (or stands for one defined before: 乙脑 for 流行性乙型脑炎).
    if (ending.start === lead.start) return ending.type === 'Sign' ? null : { name: ending, head: headOf(ending.text, ending.type) };
    // "以膝痛为主诉者…": a group of patients described by what they present with, not a name.
    if (/^以|者/.test(lead.name)) return null;
    const entry = lexicon.lookup(lead.name);
    if (entry && entry.type !== 'Disease' && entry.type !== 'Finding') return null;
    const head = entry?.type === 'Disease' || ending.type === 'Disease' ? 'disease' : headOf(lead.name, entry?.type ?? ending.type);
    if (ending.type === 'Sign' && head !== 'disease') return null;
    return { name: { start: lead.start, end: ending.end, text: lead.name, type: entry?.type ?? 'Disease', open: !entry, ...(entry ? { entry } : {}), clause: ending.clause }, head };
  }
  if (lead && (!ending || ending.type === 'Anatomy')) {
    const unaligned = unalignedName(lexicon, view, lead);
    if (unaligned) return unaligned;
  }
  const first = view.mentions[0];
  return first && first.start <= 1 && !first.pronoun && !first.implicit && first.type === 'Disease' ? { name: first, head: 'disease' } : null;
}

/** Words before a known disease that place or qualify it without naming another disease (成人, 双侧). */
const QUALIFIER = /^(?:成人|成年人|老年人?|中老年人?|青少年|孕妇|双侧|单侧|左侧|右侧|原发性|继发性)+$/;

/** Degree, frequency and reference words a phrase that is no name opens with (最常见的…, 其…, 临床上…), and groups of
 * patients (严重者可发展为…, 以膝痛为主诉者…): a description of some cases, not a name. */
const NO_NAME_START = /^(?:最|较|更|很|主要|典型|常见|多见|少见|其|本|该|此|这|临床|一般|通常|早期|晚期|目前|大多|多为|治疗|诊断|检查|患者|患儿|儿童|病人|成人|老年人|部分|多数|少数|约|半数|近半数|以)|表现|出现|发生|引起|导致|者/;

/** Types a name ending in them names no disease with (CT尿路成像, 西罗莫司). */
const NOT_A_CONDITION = new Set(['Modality', 'Exam', 'Drug', 'Treatment', 'Procedure', 'Stage']);

/**
 * A leading name the mention finder did not see whole, because the lexicon knows a site at its end
 * (马蹄肾) or glued it to the copula (…综合征系…): the name as the sentence writes it, when its head
 * does not say it is something other than a condition. Without a disease head it opens a topic only by
 * putting it in a disease genus (topicOpening), so phrases that are no names do not.
 */
function unalignedName(lexicon: Lexicon, view: SentenceView, lead: { name: string; start: number; end: number }): { name: LocalMention; head: NameHead } | null {
  if (!/[\u3400-\u9fff]{2}/.test(lead.name) || NO_NAME_START.test(lead.name)) return null;
  const inside = view.mentions.filter((m) => m.start < lead.end && m.end > lead.start);
  if (inside.some((m) => m.pronoun || m.implicit || (m.type && NOT_A_CONDITION.has(m.type)))) return null;
  // A condition's name that runs on past the copula-like character (视神经脊髓炎谱系疾病: 谱系, not 系) is the name.
  if (guessKind(lead.name) !== 'Disease' && inside.some((m) => m.start <= lead.start && m.end > lead.end && (m.type === 'Disease' || m.type === 'Finding'))) return null;
  // A disease named at the start, then words (囊腔型肺癌 + 多为…): that disease leads, not the longer phrase —
  // unless the known name is an adjective of a longer one with a disease head (肉芽肿 + 性多血管炎: 肉芽肿性多血管炎).
  if (inside.some((m) => m.start === lead.start && m.end < lead.end && m.type === 'Disease' && !(/^[性型样状]/.test(view.text.slice(m.end, lead.end)) && guessKind(lead.name) === 'Disease'))) return null;
  const entry = lexicon.lookup(lead.name);
  if (entry && entry.type !== 'Disease' && entry.type !== 'Finding') return null;
  // A name whose head is a site (马蹄肾, 海绵肾) shows no type: it opens a topic only into a disease genus.
  const head = guessKind(lead.name) === 'Anatomy' ? 'unknown' : nameHead(lead.name);
  if (!head) return null;
  const clause = inside[0]?.clause ?? 0;
  return { name: { start: lead.start, end: lead.end, text: lead.name, type: entry?.type ?? 'Disease', open: !entry, ...(entry ? { entry } : {}), clause }, head };
}

/** What a name may open (core/topic-opening.ts): a mention the finder vouches for is a name, so at least a condition. */
function headOf(text: string, type: EntityType | null | undefined): NameHead {
  if (type === 'Disease') return 'disease';
  const head = nameHead(text);
  return head === 'disease' ? 'disease' : 'condition';
}

/** A definition that names its subject last ("妊娠28周后胎盘附着于子宫下段…称为前置胎盘。"). */
function namedAtEnd(view: SentenceView): LocalMention | null {
  const last = nameGivenLast(view.text);
  if (!last) return null;
  const name = view.mentions.find((x) => x.end === last.end && x.start === last.end - last.name.length && !x.pronoun);
  return name && (name.type === 'Disease' || (!name.type && guessKind(name.text) !== 'Generic')) ? { ...name, type: 'Disease' } : null;
}

/**
 * The topic a sentence sets for the sentences after it: a bare heading line (「前列腺癌。」), or the
 * subject of a sentence that opens a topic. With no topic yet (`current` null) any sentence led by a
 * disease name followed by 是/为/，… sets it; once there is a topic only a sentence that opens another
 * replaces it (it defines its first name, or states its cause or who it strikes), so a sentence about a
 * complication ("胆红素脑病早期表现为…") or a cause ("感染是…最常见的诱因") does not.
 */
export function sentenceTopic(
  lexicon: Lexicon,
  view: SentenceView,
  current: LocalMention | null,
  opts: {
    /** With no topic, may a sentence led by a disease name and 是/，… set one (a section's start, not mid-section)? */
    loose?: boolean;
    /** Names written since the current topic opened. */
    mentioned?: ReadonlySet<string>;
  } = {},
): { topic: LocalMention; headingLine: boolean; end?: number } | null {
  const bare = view.text.replace(/[。.！!？?：:\s]+$/, '').trim();
  if (bare.length <= 16 && !/[，,；;、]/.test(bare) && !STATEMENT.test(bare)) {
    const t = topicMention(lexicon, bare, true);
    if (t) return { topic: t, headingLine: true };
  }
  const named = namedAtEnd(view);
  // Under a topic, a name given to some of its cases (「少数患者合并腹水…，称为梅格斯综合征」) opens no other.
  if (named && !(current && (sameName(named, current) || SOME_CASES.test(view.text)))) return { topic: { ...named, start: -1, end: -1, clause: -1, implicit: true }, headingLine: false };
  const lead = leadName(lexicon, view);
  if (!lead) return null;
  const first = lead.name;
  const after = view.text.slice(first.end);
  // A name whose head shows no disease (百日咳, 带状疱疹, 新生儿黄疸) opens a topic only by a definition.
  const opening = topicOpening(after, { name: lead.head, current: current?.text });
  // A topic fact about a name already written under the topic (Graves病多见于… under 甲亢) keeps the topic.
  const opens = opening !== null && !(opening === 'fact' && opts.mentioned?.has(first.text));
  if (current) {
    if (sameName(first, current) || !opens || withinTopic(first.text, current.text)) return null;
  } else if (!opens && !((opts.loose ?? true) && lead.head === 'disease' && SECTION_OPENER.test(after))) return null;
  return { topic: { ...first, start: -1, end: -1, clause: -1, implicit: true }, headingLine: false, end: first.end };
}

/**
 * What may follow a disease name that starts a section's first sentence for it to set the topic: a copula or a
 * comma, or what textbooks open a disease with besides a definition — its cause (「X多由…所致」「X主要由…引起」),
 * its usual company or site (「X常伴…」「X好发于…」), its character or kinds (「X以…为主」「X分为…」).
 */
const SECTION_OPENER = /^\s*(?:[（(][^）)]{1,40}[）)])?\s*(?:是|为|系|即|指|泛指|，|,|(?:is|are)\b|(?:绝大多数|大多数|大多|多数)(?:为|是|系)|(?:多|常|主要|大多|绝大多数|均|一般)?(?:由|因)|(?:常|多)(?:伴|合并|并发|继发)|(?:好|多|常)(?:发|见)|多为|常为|以|(?:可|常)?分为|(?:主要|多|常)?表现为)/;

function sameName(a: LocalMention, b: LocalMention): boolean {
  if (a.entry && b.entry) return a.entry.id === b.entry.id;
  return a.text === b.text || b.text.endsWith(a.text);
}
