import { type Lexicon, Tokenizer } from '../../../core/index.ts';
import type { ChunkForExtraction, ExtractedTriple, ExtractionResult, Extractor, Mention, Qualifiers } from '../../model.ts';
import { orient, typesFit } from '../../predicates.ts';
import { certaintyOf, findBreakers, findCues } from './cues.ts';
import { type EntityMention, MentionFinder } from './mentions.ts';
import { applyRule, type PatternRule, type Proposal } from './pattern-rule.ts';
import { EN_RULES } from './rules-en.ts';
import { ZH_RULES } from './rules-zh.ts';
import { type SentenceView, viewSentence } from './sentence-view.ts';
import { splitSentences } from './sentences.ts';

/** Bump when rules, cues or mention finding change what is extracted: candidates record it. */
export const RULES_VERSION = 'rules-v1';

/** Procedures that examine rather than treat: named as treatment only when the trigger says 治疗/treat. */
const DIAGNOSTIC_PROCEDURE = /活检|检查|造影|镜检|biopsy|scopy|graphy/i;

/**
 * The deterministic extraction engine (`rules`, no LLM): lexicon mentions, sentence and clause
 * splitting, pattern rules per predicate, and clause-scoped negation/hedge cues. A triple is proposed
 * only when both entities are named in the sentence that states it; the quote is that sentence.
 */
export class RulesExtractor implements Extractor {
  readonly engine = 'rules' as const;
  readonly version = RULES_VERSION;
  private readonly finder: MentionFinder;

  /** `tokenizer` defaults to a new one over `lexicon` (pass the search tokenizer to share its jieba). */
  constructor(lexicon: Lexicon, tokenizer: Tokenizer = new Tokenizer(lexicon)) {
    this.finder = new MentionFinder(lexicon, tokenizer);
  }

  async extract(chunk: ChunkForExtraction, signal?: AbortSignal): Promise<ExtractionResult> {
    signal?.throwIfAborted();
    return { triples: this.extractText(chunk.text), llmCalls: 0 };
  }

  /** Triples of one text, in text order; same text, same triples. */
  extractText(text: string): ExtractedTriple[] {
    const mentions = this.finder.find(text);
    if (mentions.length < 2) return [];
    const out: ExtractedTriple[] = [];
    for (const sentence of splitSentences(text)) {
      const view = viewSentence(sentence, mentions);
      if (view.mentions.length < 2) continue;
      out.push(...this.sentenceTriples(view));
    }
    return out;
  }

  /** Mentions the engine sees in `text` (for debugging rules and for tests). */
  mentions(text: string): EntityMention[] {
    return this.finder.find(text);
  }

  private sentenceTriples(view: SentenceView): ExtractedTriple[] {
    const rules: PatternRule[] = view.lang === 'zh' ? ZH_RULES : EN_RULES;
    const cues = findCues(view);
    const breakers = findBreakers(view);
    const best = new Map<string, { p: Proposal; certainty: ExtractedTriple['certainty'] }>();
    for (const rule of rules) {
      for (const p of applyRule(rule, view)) {
        if (!this.acceptable(p, view)) continue;
        const key = `${p.rule.predicate}|${p.subject.entry.id}|${p.object.entry.id}`;
        const prev = best.get(key);
        if (prev && prev.p.rule.confidence >= p.rule.confidence) continue;
        best.set(key, { p, certainty: certaintyOf(view, cues, breakers, [p.subject, p.object], p.rule.predicate) });
      }
    }
    const triples: ExtractedTriple[] = [];
    for (const { p, certainty } of best.values()) {
      let [s, o] = [p.subject, p.object];
      const [first] = orient(p.rule.predicate, s.entry.id, o.entry.id);
      if (first !== s.entry.id) [s, o] = [o, s];
      triples.push({
        subject: mention(s),
        predicate: p.rule.predicate,
        object: mention(o),
        certainty,
        qualifiers: this.qualifiers(view, p),
        quote: view.text,
        quoteStart: view.offset,
        quoteEnd: view.offset + view.text.length,
        confidence: p.rule.confidence,
      });
    }
    return triples.sort(
      (a, b) => a.predicate.localeCompare(b.predicate) || cmp(a.subject.entityId, b.subject.entityId) || cmp(a.object.entityId, b.object.entityId),
    );
  }

  private acceptable(p: Proposal, view: SentenceView): boolean {
    const { subject: s, object: o, rule } = p;
    if (s.entry.id === o.entry.id || !typesFit(rule.predicate, s.entry.type, o.entry.type)) return false;
    if (rule.predicate === 'treated_by' && o.entry.type === 'Procedure' && DIAGNOSTIC_PROCEDURE.test(o.entry.zh + o.entry.en)) {
      return /治疗|treat/i.test(view.masked.slice(p.trigger.start, p.trigger.end));
    }
    return true;
  }

  /** The imaging modality named in the trigger's clause, when there is exactly one. */
  private qualifiers(view: SentenceView, p: Proposal): Qualifiers {
    if (p.rule.predicate !== 'has_sign' && p.rule.predicate !== 'suggests') return {};
    const clause = view.clauses.findIndex((c) => p.trigger.start >= c.start && p.trigger.start <= c.end);
    const mods = new Set(view.mentions.filter((m) => m.clause === clause && m.entry.type === 'Modality').map((m) => m.entry.zh));
    return mods.size === 1 ? { modality: [...mods][0].slice(0, 40) } : {};
  }
}

function mention(m: EntityMention): Mention {
  return { text: m.text.slice(0, 80), entityId: m.entry.id, type: m.entry.type };
}

function cmp(a: string | null, b: string | null): number {
  return (a ?? '').localeCompare(b ?? '');
}
