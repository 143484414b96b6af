import type { EntityType } from '../../../core/index.ts';
import type { EntityMention } from './mentions.ts';
import { type Clause, type Span, splitClauses } from './sentences.ts';

/**
 * Each entity type's placeholder character (Unicode private use area). Patterns run over the
 * sentence with every mention's characters replaced by its type's placeholder, so a trigger never
 * matches inside an entity name (可见 in a name stays a name) and a pattern can ask for "a disease
 * here" by character class. Replacement is one-for-one, so offsets are unchanged.
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

/** A mention with offsets relative to its sentence, and the index of the clause it is in. */
export interface LocalMention extends EntityMention {
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
  /** Entity types present, for skipping rules that cannot apply. */
  types: Set<EntityType>;
  lang: 'zh' | 'en';
}

const CJK = /[\u3400-\u9fff]/;

/** Build the view of `sentence` from the chunk's mentions (chunk offsets) that fall inside it. */
export function viewSentence(sentence: Span, chunkMentions: readonly EntityMention[]): SentenceView {
  const clauses = splitClauses(sentence.text);
  let masked = sentence.text;
  const mentions: LocalMention[] = [];
  const types = new Set<EntityType>();
  for (const m of chunkMentions) {
    if (m.start < sentence.start || m.end > sentence.end) continue;
    const start = m.start - sentence.start;
    const end = m.end - sentence.start;
    mentions.push({ ...m, start, end, clause: clauseIndex(clauses, start) });
    types.add(m.entry.type);
  }
  if (mentions.length) {
    const parts: string[] = [];
    let at = 0;
    for (const m of mentions) {
      parts.push(sentence.text.slice(at, m.start), MASK[m.entry.type].repeat(m.end - m.start));
      at = m.end;
    }
    parts.push(sentence.text.slice(at));
    masked = parts.join('');
  }
  return { offset: sentence.start, text: sentence.text, masked, mentions, clauses, types, lang: CJK.test(sentence.text) ? 'zh' : 'en' };
}

/** Index of the clause containing sentence offset `at` (a boundary character counts with the clause it ends). */
export function clauseIndex(clauses: readonly Clause[], at: number): number {
  for (let i = 0; i < clauses.length - 1; i++) if (at <= clauses[i].end) return i;
  return clauses.length - 1;
}
