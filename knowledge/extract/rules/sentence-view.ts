import type { EntityType, LexiconEntry } from '../../../core/index.ts';
import type { EntityMention, PositionedWord } from './mentions.ts';
import { divisionKinds } from './division-kinds.ts';
import { coordinateTypes, distributeListHeads } from './list-heads.ts';
import { findEnglishOpenSpans } from './open-mentions-en.ts';
import { findOpenSpans, type OpenMentionTools } from './open-mentions.ts';
import { type Clause, type Span, splitClauses } from './sentences.ts';

/**
 * Each entity type's placeholder character (Unicode private use area). Patterns run over the
 * sentence with every mention's characters replaced by its type's placeholder, so a trigger never
 * matches inside an entity name (可见 in a name stays a name) and a pattern can ask for "a disease
 * here" by character class. Replacement is one-for-one, so offsets are unchanged. A mention outside
 * the lexicon whose head shows no type gets `MASK_OPEN`.
 */
export const MASK: Record<EntityType, string> = {
  Disease: '\uE001',
  Sign: '\uE002',
  Finding: '\uE003',
  Anatomy: '\uE004',
  Modality: '\uE005',
  Exam: '\uE006',
  Treatment: '\uE007',
  Drug: '\uE008',
  Procedure: '\uE009',
  Stage: '\uE00A',
};
export const MASK_OPEN = '\uE00B';

/**
 * A mention with offsets relative to its sentence. `entry` is set for a lexicon name; otherwise the
 * mention is open (unresolved, for review) and `type` is a guess from its head word, null when none.
 * A pronoun (本病, 其) stands for the section topic.
 */
export interface LocalMention {
  start: number;
  end: number;
  text: string;
  entry?: LexiconEntry;
  type: EntityType | null;
  open: boolean;
  pronoun?: boolean;
  /** The section topic standing in for a subject the sentence leaves out (no offsets in the sentence). */
  implicit?: boolean;
  /** The site a compositional exam examines (盆腔 in 盆腔MRI检查, which is the modality MRI). */
  site?: string;
  /** `text` names a narrower form of `entry` (重症急性胰腺炎 of 急性胰腺炎): same entity, its own statements. */
  narrower?: boolean;
  clause: number;
}

/** One sentence prepared for the pattern rules. */
export interface SentenceView {
  /** Offset of the sentence in the chunk. */
  offset: number;
  text: string;
  /** `text` with mentions masked (see MASK). */
  masked: string;
  mentions: LocalMention[];
  clauses: Clause[];
  /** Entity types present (open mentions of unknown type add none), for skipping rules that cannot apply. */
  types: Set<EntityType>;
  /** Some mention has no known type: rules whose arguments may be open cannot be skipped by type. */
  hasUntyped: boolean;
  lang: 'zh' | 'en';
  /** What the section is about: the implicit subject and what pronouns refer to. */
  topic: LocalMention | null;
}

const CJK = /[\u3400-\u9fff]/;

/** Known names that take English modifiers into the phrase (a finding described, a disease qualified). */
const GLUES_MODIFIERS: ReadonlySet<EntityType> = new Set(['Sign', 'Finding', 'Disease']);

/** English words that refer back to the topic in progress. */
const EN_PRONOUN = /^(?:it|(?:this|the)(?: (?:severe|mild|advanced|early|acute|chronic))? (?:disease|condition|disorder|infection|entity)|(?:severe|mild|advanced|early|untreated) disease)\b|\b(?:this|the)(?: (?:severe|mild|advanced|early|acute|chronic))? (?:disease|condition|disorder|infection)\b/gi;

/**
 * Build the view of `sentence` from the chunk's lexicon mentions that fall inside it, adding open
 * mentions from the sentence's words (Chinese) or noun phrases (English).
 */
export function viewSentence(
  sentence: Span,
  chunkMentions: readonly EntityMention[],
  tools?: OpenMentionTools & { words: (text: string) => string[] },
  topic: LocalMention | null = null,
  chunkWords?: readonly PositionedWord[],
): SentenceView {
  const clauses = splitClauses(sentence.text);
  const lang = CJK.test(sentence.text) ? 'zh' : 'en';
  const known: LocalMention[] = [];
  for (const m of chunkMentions) {
    if (m.start < sentence.start || m.end > sentence.end) continue;
    const start = m.start - sentence.start;
    known.push({ start, end: m.end - sentence.start, text: m.text, entry: m.entry, type: m.entry.type, open: false, clause: clauseIndex(clauses, start) });
  }
  let mentions = known;
  if (lang === 'zh' && tools) {
    const spans = known.map((k) => ({ start: k.start, end: k.end, entry: k.entry as LexiconEntry }));
    // The chunk's segmentation, cut to the sentence, when the caller has it (jieba runs once per chunk).
    const words = chunkWords ? chunkWords.filter((w) => w.start >= sentence.start && w.start + w.word.length <= sentence.end).map((w) => w.word) : tools.words(sentence.text);
    const open = findOpenSpans(sentence.text, mask(sentence.text, known), spans, words, { ...tools, topic: topic?.text });
    const merged = known.filter((k) => !open.some((o) => o.start <= k.start && k.end <= o.end));
    for (const o of open) {
      const clause = clauseIndex(clauses, o.start);
      if ((o.known || o.narrower) && o.head) {
        merged.push({ start: o.start, end: o.end, text: o.text, entry: o.head, type: o.head.type, open: false, clause, ...(o.site ? { site: o.site } : {}), ...(o.narrower ? { narrower: true } : {}) });
      }
      // The topic named again is the topic, whatever its head suggests (重症肌无力 is a disease, not a symptom).
      else if (topic && o.text === topic.text) merged.push({ ...topic, start: o.start, end: o.end, implicit: false, clause });
      // The topic's head noun alone (脓肿 in a section on 肺脓肿) refers to the topic.
      else if (topic && !o.pronoun && o.type === topic.type && o.text.length >= 2 && topic.text.length > o.text.length && topic.text.endsWith(o.text)) {
        merged.push({ start: o.start, end: o.end, text: o.text, type: o.type, open: true, pronoun: true, clause });
      }
      // A phrase with no head before 的 and a name is that name's modifier (大片浓密模糊的炎性浸润阴影), not a name.
      else if ((!o.type || o.type === 'Finding' || o.type === 'Sign') && !o.pronoun && !o.head && /^的/.test(sentence.text.slice(o.end)) && [...known, ...open].some((x) => x !== o && x.start === o.end + 1 && (!o.type || x.type === 'Sign' || x.type === 'Finding'))) continue;
      else merged.push({ start: o.start, end: o.end, text: o.text, type: o.type, open: !o.pronoun, pronoun: o.pronoun, clause });
    }
    mentions = divisionKinds(sentence.text, coordinateTypes(sentence.text, distributeListHeads(sentence.text, merged.sort((a, b) => a.start - b.start), tools)), (at) => clauseIndex(clauses, at));
  } else if (lang === 'en' && tools) {
    const open = findEnglishOpenSpans(sentence.text, known).map((o): LocalMention => {
      const clause = clauseIndex(clauses, o.start);
      // The topic named again is the topic.
      return topic && o.text.toLowerCase() === topic.text.toLowerCase() ? { ...topic, start: o.start, end: o.end, implicit: false, clause } : { ...o, open: true, clause };
    });
    // "It is treated with…", "The disease is diagnosed by…": the topic in progress.
    const pronouns: LocalMention[] = topic
      ? [...sentence.text.matchAll(EN_PRONOUN)].map((m) => ({ start: m.index ?? 0, end: (m.index ?? 0) + m[0].length, text: m[0], type: 'Disease', open: false, pronoun: true, clause: clauseIndex(clauses, m.index ?? 0) }))
      : [];
    const free = (o: LocalMention) => !pronouns.some((p) => o.start < p.end && o.end > p.start);
    // "an asymptomatic abdominal mass": untyped modifiers right before a known finding or disease make one phrase with it,
    // typed by it. Before an exam, drug or treatment they are no mention at all: "routine MRI" is MRI, done routinely.
    const glued = new Set<LocalMention>();
    const phrases = open.flatMap((o) => {
      const k = o.type || o.pronoun ? undefined : known.find((x) => x.start === o.end + 1 && sentence.text[o.end] === ' ' && x.type && x.type !== 'Anatomy' && !glued.has(x));
      if (!k) return [o];
      if (!GLUES_MODIFIERS.has(k.type as EntityType)) return [];
      glued.add(k);
      return [{ start: o.start, end: k.end, text: sentence.text.slice(o.start, k.end), type: k.type, open: true, clause: o.clause }];
    });
    mentions = [...known.filter((k) => !glued.has(k)), ...phrases.filter(free), ...pronouns].sort((a, b) => a.start - b.start);
  }
  const types = new Set<EntityType>();
  let hasUntyped = false;
  for (const m of mentions) {
    if (m.type) types.add(m.type);
    else hasUntyped = true;
  }
  return { offset: sentence.start, text: sentence.text, masked: mask(sentence.text, mentions), mentions, clauses, types, hasUntyped, lang, topic };
}

function mask(text: string, mentions: ReadonlyArray<{ start: number; end: number; type: EntityType | null }>): string {
  if (!mentions.length) return text;
  const parts: string[] = [];
  let at = 0;
  for (const m of mentions) {
    if (m.start < at) continue;
    parts.push(text.slice(at, m.start), (m.type ? MASK[m.type] : MASK_OPEN).repeat(m.end - m.start));
    at = m.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** Index of the clause containing sentence offset `at` (a boundary character counts with the clause it ends). */
export function clauseIndex(clauses: readonly Clause[], at: number): number {
  for (let i = 0; i < clauses.length - 1; i++) if (at <= clauses[i].end) return i;
  return clauses.length - 1;
}
