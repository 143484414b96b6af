import type { EntityType, Lexicon } from '../../../core/index.ts';
import type { LocalMention, SentenceView } from './sentence-view.ts';
import { guessKind } from './term-types.ts';

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

/** Words that make a short sentence a statement rather than a heading line. */
const STATEMENT = /[是为有无见可及和与或的了呈伴示由即]|表现|出现|包括|引起|导致|[又也亦简俗]称|又名/;

/**
 * A sentence that opens a new topic in text with no headings (one sentence a line, as books are often
 * extracted): it defines its first name ("X是一种…", "X是由…引起的…病", "X（英文）是…", "X又称…", "X是指…")
 * or states what only a topic has (its cause, pathogen, who it strikes: "X的病因…", "X多见于…").
 */
const OPENS_TOPIC = new RegExp(
  '^\\s*(?:[（(][^）)]{1,40}[）)])?\\s*(?:' +
    [
      '又称', '也称', '亦称', '简称', '俗称', '又名', '是指', '系指', '指的是',
      '(?:是|为|系)(?:一种|一组|一类|由|以|指)',
      '(?:是|为|系)[^，。；,;]{0,30}?(?:疾病|病|综合征|综合症|肿瘤|癌|瘤|炎|感染|传染病|畸形|疾患|损伤|障碍|急症|急腹症)[，。；,;]',
      '的(?:病因|病原体|病原|致病菌|发病机制|发病|基本病理|主要病理|病理特点)',
      '(?:多|好|常)(?:见|发)于', '多发生于', '常发生于',
    ].join('|') +
    ')',
);

/**
 * The topic a sentence sets for the sentences after it: a bare heading line (「前列腺癌。」), or the
 * subject of a sentence that opens a topic. With no topic yet (`current` null) any sentence led by a
 * disease name followed by 是/为/，… sets it; once there is a topic only a sentence that opens another
 * (OPENS_TOPIC) replaces it, so a sentence about a complication ("胆红素脑病早期表现为…") does not.
 */
export function sentenceTopic(lexicon: Lexicon, view: SentenceView, current: LocalMention | null): { topic: LocalMention; headingLine: boolean } | null {
  const bare = view.text.replace(/[。.！!？?：:\s]+$/, '').trim();
  if (bare.length <= 16 && !/[，,；;、]/.test(bare) && !STATEMENT.test(bare)) {
    const t = topicMention(lexicon, bare, true);
    if (t) return { topic: t, headingLine: true };
  }
  const first = view.mentions[0];
  if (!first || first.start > 1 || first.pronoun || first.implicit || first.type !== 'Disease') return null;
  const after = view.masked.slice(first.end);
  if (current) {
    if (sameName(first, current) || !OPENS_TOPIC.test(after)) return null;
  } else if (!/^\s*(?:[（(][^）)]{1,40}[）)])?\s*(?:是|为|系|即|指|又称|也称|亦称|简称|俗称|，|,)/.test(after) && !OPENS_TOPIC.test(after)) return null;
  return { topic: { ...first, start: -1, end: -1, clause: -1, implicit: true }, headingLine: false };
}

function sameName(a: LocalMention, b: LocalMention): boolean {
  if (a.entry && b.entry) return a.entry.id === b.entry.id;
  return a.text === b.text || b.text.endsWith(a.text);
}
