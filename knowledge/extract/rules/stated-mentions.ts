import type { EntityType, Lexicon, LexiconEntry, Tokenizer } from '../../../core/index.ts';
import type { Certainty } from '../../model.ts';
import { certaintyOf, findBreakers, findCues } from './cues.ts';
import { type EntityMention, MentionFinder } from './mentions.ts';
import { type SentenceView, viewSentence } from './sentence-view.ts';
import { splitSentences } from './sentences.ts';

/** A lexicon entity named in a text, with the certainty the text states it with. */
export interface StatedMention {
  entry: LexiconEntry;
  text: string;
  start: number;
  end: number;
  certainty: Certainty;
  /** The sentence and clause it is stated in (offsets into the whole text). */
  clause: { start: number; end: number; text: string };
}

/**
 * Findings as a report states them: every lexicon mention of the wanted types with its certainty from the
 * extractor's own negation and hedge cues (未见…、无…、排除…、不除外…、no…、without…). Mixed Chinese and
 * English sentences are read with both cue sets, an English "no" in a Chinese sentence counting too;
 * a negation wins over a hedge. Deterministic; no model.
 */
export class StatedMentionReader {
  private readonly finder: MentionFinder;

  constructor(lexicon: Lexicon, tokenizer: Tokenizer) {
    this.finder = new MentionFinder(lexicon, tokenizer);
  }

  /**
   * `extra`: mentions of names outside the lexicon (a caller's unresolved finding words), given the lexicon
   * mentions; those overlapping a lexicon mention are dropped, the rest get the same negation and hedge cues.
   */
  read(text: string, types?: ReadonlySet<EntityType>, extra?: (text: string, known: readonly EntityMention[]) => EntityMention[]): StatedMention[] {
    const known = this.finder.find(text);
    const added = extra ? extra(text, known).filter((x) => !known.some((k) => k.start < x.end && x.start < k.end)) : [];
    const mentions = added.length ? [...known, ...added].sort((a, b) => a.start - b.start) : known;
    const out: StatedMention[] = [];
    for (const sentence of splitSentences(text)) {
      const view = viewSentence(sentence, mentions);
      const views: SentenceView[] = [view];
      if (view.lang === 'zh' && /[A-Za-z]{2,}/.test(view.text)) views.push({ ...view, lang: 'en' });
      const cued = views.map((v) => ({ v, cues: findCues(v), breakers: findBreakers(v) }));
      for (const m of view.mentions) {
        if (!m.entry || (types && !types.has(m.entry.type))) continue;
        const span = [{ start: m.start, end: m.end }];
        const stated = cued.map((c) => certaintyOf(c.v, c.cues, c.breakers, span, 'has_sign'));
        const certainty: Certainty = stated.includes('absent') ? 'absent' : stated.includes('possible') ? 'possible' : 'present';
        const c = view.clauses[m.clause];
        out.push({
          entry: m.entry, text: m.text, start: sentence.start + m.start, end: sentence.start + m.end, certainty,
          clause: { start: sentence.start + c.start, end: sentence.start + c.end, text: view.text.slice(c.start, c.end) },
        });
      }
    }
    return out;
  }
}
