import { bareName, boundedMemo, ENTITY_PREFIX, foldForSearch as foldUncached, gramTokens, LEAD_IN, leadingName, nameHead, openingSubject, type Tokenizer } from '../core/index.ts';
import { measureGrade, measureIntents } from './measure-cues.ts';
import { expansionLexemes, type QueryPlan } from './query-plan.ts';

/** A fused candidate with what the rerank reads. */
export interface RerankCandidate {
  id: string;
  text: string;
  headingPath: string[];
  /** Title of the source (context for the subject of the question). */
  title: string;
  /** The topic carried to the passage in a text without headings (ingest/topics.ts), if any. */
  subject?: string | null;
  /** The passage before it in the same section: a topic opened there and not closed runs on into this one. */
  previousText?: string | null;
  /** Fused first-stage score (0–1, see search.service fuse()). */
  first: number;
  /** The plain bigram-BM25 baseline's score of the passage, divided by its best score for the query (0–1). */
  plain?: number;
  evidenceLevel: string | null;
  year: number | null;
}

/** What the rerank reads of a passage, each 0–1. */
export interface RerankFeatures {
  /** Best sentence: the share of the query's literal term weight (IDF-weighted) one sentence holds. */
  sentence: number;
  /** One sentence names the subject of 「X的Y」 (or the query's entity) and states the asked attribute's cue; for threshold / interval questions scaled by how many sizes and intervals the passage states (measure-cues.ts). */
  intent: number;
  /** Share of the query's literal term weight anywhere in the passage. */
  coverage: number;
  /** Share of it in the section headings. */
  heading: number;
  /**
   * Whose passage it is: the topic carried to it in a text without headings is the question's subject — 1;
   * another subject — 0, and its sentences that mention the question's subject in passing
   * (「多囊卵巢综合征主要表现为…痤疮」) count as context, not as the subject's own. Without a carried subject: the share
   * of its sentences that follow an opening of the subject's topic in it or in the passage before (subjectSentences).
   */
  topic: number;
  /** The innermost heading names the attribute asked (「…的CT早期征象」 → 「平扫CT早期缺血征象」) and the subject is in the passage, headings or title. */
  section: number;
  /** How close together the passage's matched literal terms are. */
  proximity: number;
  /** Evidence level and recency (a small prior: guidelines, recent editions). */
  prior: number;
  /** The plain bigram-BM25 baseline's score, relative to its best hit for the query. */
  bigram: number;
}

/** A weight per feature plus the first-stage (fused BM25 + vector) score; 0 switches a stage off (the ablation). */
export interface RerankWeights extends RerankFeatures {
  first: number;
}

export const DEFAULT_RERANK: RerankWeights = { first: 1, sentence: 0.6, intent: 0.5, topic: 0.4, coverage: 0.2, heading: 0.15, section: 1.2, proximity: 0.1, prior: 0.05, bigram: 0 };

const SENTENCE_END = /(?<=[。！？；!?;\n])/;

/**
 * Memos of pure functions of a passage's text (folding, its last topic, a sentence's bigram set): the candidates of a
 * query share headings, titles and neighbouring passages, and the passages of related queries recur. The profile put
 * ~60 % of the rerank's CPU here (OpenCC's t→cn folding alone ~20 %). Results are the functions' own, so rankings do not
 * change; each memo is emptied when it reaches its bound (memory stays a few MB).
 */
const foldForSearch = boundedMemo(4096, foldUncached);
/** Evidence levels (ingest/evidence-level.ts) as a 0–1 prior. */
const LEVEL_PRIOR: Record<string, number> = {
  guideline: 1, systematic_review: 0.9, meta_analysis: 0.9, rct: 0.8, textbook: 0.75, cohort: 0.6, case_control: 0.55, case_series: 0.45,
  review: 0.5, case_report: 0.35, expert_opinion: 0.4, other: 0.4,
};

/**
 * Second stage over the fused candidates: features a bag-of-terms score cannot see — whether one
 * sentence (not the passage at large) holds the question's terms, whether it names the question's
 * subject together with a cue of the attribute asked (「川崎病的临床表现」: 川崎病 + 出现/表现为…), heading
 * match, proximity, and a small evidence/recency prior. Returns the candidates re-scored, best first.
 */
export function rerank(
  plan: QueryPlan,
  idf: ReadonlyMap<string, number>,
  candidates: RerankCandidate[],
  tokenizer: Tokenizer,
  weights: RerankWeights = DEFAULT_RERANK,
): Array<RerankCandidate & { score: number; features: RerankFeatures }> {
  // Terms of the question's subject (「急性脑梗死」 of 「急性脑梗死的CT早期征象」): a passage that names the subject
  // by an equivalent (急性缺血性脑卒中), or sits in a document or section about it, is credited with them.
  const subjectLexemes = new Set(plan.subject ? [plan.subject, ...gramTokens(plan.subject).map((t) => t.lexeme), ...tokenizer.queryTokens(plan.subject).map((t) => t.lexeme)] : []);
  const literal = plan.terms
    .filter((t) => (t.literal || subjectLexemes.has(t.lexeme)) && idf.has(t.lexeme))
    .map((t) => ({ lexeme: t.lexeme, mass: t.weight * (idf.get(t.lexeme) ?? 0), subject: subjectLexemes.has(t.lexeme) }));
  const total = literal.reduce((s, t) => s + t.mass, 0) || 1;
  const subjectForms = plan.subjectForms.map((f) => new Set(gramTokens(f).map((t) => t.lexeme))).filter((g) => g.size > 0);
  // Compiled once per query, not per sentence of every candidate: a clause giving the subject as another name (「…简称肺癌」).
  const aliasOf = plan.subjectForms.map((n) => new RegExp(`(?:又称|也称|亦称|简称|俗称|旧称|曾称|习称|又名|即|[（(])${escapeRegExp(n)}(?![\u3400-\u9fff])`));
  const attributeTerms = plan.attribute ? [...new Set(gramTokens(plan.attribute).map((t) => t.lexeme))] : [];
  // An entity is present when any of its names is: the rerank reads text, not segmented lexemes.
  const entityNames = new Map(
    plan.terms.filter((t) => t.lexeme.startsWith(ENTITY_PREFIX)).map((t) => [t.lexeme, tokenizer.lexicon.surfaces(t.lexeme.slice(1)).map(foldForSearch).filter((n) => n.length > 1)]),
  );
  const subjectEntities = plan.subject ? tokenizer.queryTokens(plan.subject).map((t) => t.lexeme).filter((l) => entityNames.has(l)) : [];
  const cueTerms = new Set(plan.cues.flatMap((c) => expansionLexemes(tokenizer, c)));
  const measures = measureIntents(plan.intents, tokenizer);
  const years = candidates.map((c) => c.year ?? 0).filter((y) => y > 0);
  const newest = years.length ? Math.max(...years) : 0;

  const scored = candidates.map((c) => {
    // Folded once per passage (the costly part), then cut into sentences.
    const sentences = foldForSearch(c.text).split(SENTENCE_END).filter((s) => s.trim());
    const sets = sentences.map((s) => termsIn(s, entityNames));
    const passage: Terms = { set: new Set(sets.flatMap((s) => [...s.set])), folded: sets.map((s) => s.folded).join('\n') };
    const heading = termsIn(foldForSearch(c.headingPath.join(' ')), entityNames);
    /** Share of the literal term mass in `t`; subject terms count as present at `subjectCredit` when the subject is named otherwise. */
    const share = (t: Terms, subjectCredit: number) =>
      literal.reduce((s, l) => s + (has(t, l.lexeme) ? l.mass : l.subject ? l.mass * subjectCredit : 0), 0) / total;
    const namesSubject = (t: Terms) =>
      subjectForms.length
        ? subjectForms.some((f) => [...f].filter((g) => t.set.has(g)).length / f.size >= 0.6)
          || subjectEntities.some((e) => t.set.has(e))
        : [...entityNames.keys()].some((e) => t.set.has(e));
    const hasCue = (t: Terms) => [...cueTerms].some((l) => has(t, l));
    // Which sentences are the subject's own: after an opening that names it, up to the next topic (see subjectSentences).
    const owned = subjectForms.length
      ? subjectSentences(sentences, c.subject ? foldForSearch(c.subject) : lastTopic(c.previousText), subjectForms, plan.subjectForms, aliasOf)
      : sentences.map(() => false);
    let sentence = 0;
    let intent = 0;
    const subjectInPassage = namesSubject(passage) || namesSubject(heading);
    const inner = termsIn(foldForSearch(c.headingPath.at(-1) ?? ''), entityNames);
    const title = termsIn(foldForSearch(c.title), entityNames);
    // The attribute may be named by any heading of the path (「12.2 病理类型与影像学特点 › 12.2.3 小细胞癌」).
    const attributeInPath = attributeTerms.length
      ? Math.max(0, ...c.headingPath.map((h) => termsIn(foldForSearch(h), entityNames)).map((h) => attributeTerms.filter((g) => h.set.has(g)).length / attributeTerms.length))
      : 0;
    // The passage's own topic: how closely its carried subject is the question's (儿童缺铁性贫血 is not 缺铁性贫血); a
    // carried subject that is another's marks it as theirs. (Headings and the title weigh in through `section`:
    // crediting every passage of a document whose title names the subject would flatten its ranking — measured.)
    const carriedMatch = c.subject ? sameName(subjectForms, c.subject) : 0;
    const ownTopic = subjectForms.length > 0 && carriedMatch >= 0.8;
    const otherTopic = !ownTopic && Boolean(c.subject) && subjectForms.length > 0;
    const ownSentences = owned.filter(Boolean).length;
    const subjectInContext = subjectInPassage || namesSubject(title) || Boolean(ownTopic);
    // Whose section: the innermost heading or the document's title naming the subject is strong; a passage that merely mentions it, weaker.
    const sectionSubject = namesSubject(inner) || namesSubject(title) ? 1 : subjectInPassage ? 0.5 : 0.25;
    const contextCredit = subjectInContext ? 1 : 0;
    // In the subject's own topic every sentence is about it (「本病…」, or no subject at all); in another's, a
    // sentence naming the subject mentions it in passing.
    const own = (set: Terms, i: number) => (owned[i] || ownTopic || (namesSubject(set) && !otherTopic) ? 1 : namesSubject(set) || subjectInContext ? 0.5 : 0);
    sets.forEach((set, i) => {
      sentence = Math.max(sentence, share(set, ownTopic || owned[i] || namesSubject(set) ? 1 : contextCredit * 0.5));
      if (cueTerms.size && hasCue(set)) intent = Math.max(intent, own(set, i));
    });
    // A threshold / interval question: the cue evidence is graded by how many sizes and intervals the passage states.
    if (measures.length) intent *= measureGrade(measures, passage.folded, (l) => has(passage, l));
    const features: RerankFeatures = {
      sentence,
      intent,
      // The carried subject's match, or the share of the passage's sentences that are the subject's own.
      topic: Math.max(ownTopic ? carriedMatch : carriedMatch * 0.5, ownSentences / Math.max(1, sets.length)),
      coverage: share(passage, contextCredit),
      heading: share(heading, namesSubject(heading) ? 1 : 0),
      section: attributeTerms.length >= 2 && attributeInPath >= 0.5 ? attributeInPath * sectionSubject : 0,
      proximity: proximity(c.text, literal.map((t) => t.lexeme)),
      prior: (LEVEL_PRIOR[c.evidenceLevel ?? ''] ?? 0.5) * 0.5 + (newest && c.year ? 0.5 * Math.max(0, 1 - (newest - c.year) / 10) : 0),
      bigram: c.plain ?? 0,
    };
    const score =
      weights.first * c.first +
      weights.sentence * features.sentence +
      weights.intent * features.intent +
      weights.topic * features.topic +
      weights.coverage * features.coverage +
      weights.heading * features.heading +
      weights.section * features.section +
      weights.proximity * features.proximity +
      weights.prior * features.prior +
      weights.bigram * features.bigram;
    return { ...c, score, features };
  });
  return scored.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

/**
 * Which sentences of a passage are the question subject's own, read from the topic openings in it (core/topic-opening.ts,
 * the rules the chunker cuts by). From a sentence that opens the subject's topic (「胰腺癌主要指胰腺导管腺癌…」, or one
 * whose first clause gives the subject as another name: 「原发性支气管肺癌简称肺癌，…」) the sentences are the subject's,
 * though few of them name it, until another condition's opening or a sentence that leads with another condition's name
 * (lines out of order, a list of diseases). The passage starts in `carried`: its carried subject, or the topic the passage
 * before it ended in. A sentence that leads with the subject's name is its own anywhere (「大动脉炎好发于…」).
 */
function subjectSentences(sentences: string[], carried: string | null, forms: Array<Set<string>>, names: string[], aliasOf: RegExp[]): boolean[] {
  const isSubject = (name: string, sentence: string) => {
    if (sameName(forms, bareName(name)) >= 0.8) return true;
    const clause = sentence.split(/[，。；,;]/)[0];
    return aliasOf.some((re) => re.test(clause));
  };
  let name = carried;
  let own = carried !== null && isSubject(carried, carried);
  return sentences.map((s) => {
    const rest = s.trim().replace(LEAD_IN, '');
    const leading = names.some((n) => rest.startsWith(n));
    const opening = openingSubject(s, name);
    if (opening) {
      name = opening.subject;
      // 「胰腺癌主要指…」 opens 「胰腺癌主要」 by form: leading with the subject's name makes it the subject's.
      own = leading || isSubject(opening.subject, s);
    } else if (name !== null && !leading) {
      const lead = leadingName(s);
      const head = lead && nameHead(lead.name);
      if (head && head !== 'unknown' && !isSubject(lead.name, s)) {
        name = null;
        own = false;
      }
    }
    return own || leading;
  });
}

/** The topic a passage ends in: the name its last opening sentence opens (null when none opens one). */
function lastTopic(text: string | null | undefined): string | null {
  return text ? lastTopicOf(text) : null;
}
const lastTopicOf = boundedMemo(2048, (text: string) => {
  let name: string | null = null;
  for (const s of foldForSearch(text).split(SENTENCE_END)) if (s.trim()) name = openingSubject(s, name)?.subject ?? name;
  return name;
});

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How much two names are one (Jaccard of their character bigrams, best over the question subject's forms). */
function sameName(forms: Array<Set<string>>, name: string): number {
  const other = new Set(gramTokens(foldForSearch(name)).map((t) => t.lexeme));
  if (other.size === 0) return 0;
  return Math.max(0, ...forms.map((f) => [...f].filter((g) => other.has(g)).length / new Set([...f, ...other]).size));
}

/**
 * The query-relevant lexemes of a text without segmenting it: its character bigrams and ASCII words, plus
 * the entities whose names occur in it. Words of three or more characters are found by their bigrams
 * (see has()) — jieba over fifty passages per query would cost more than the whole first stage.
 */
function termsIn(folded: string, entityNames: ReadonlyMap<string, string[]>): Terms {
  const base = textTerms(folded);
  let set: Set<string> | null = null;
  for (const [id, names] of entityNames) {
    if (base.has(id) || !names.some((n) => folded.includes(n))) continue;
    set ??= new Set(base);
    set.add(id);
  }
  // The memoised set is shared: copied before an entity is added, never changed in place.
  return { set: set ?? base, folded };
}

/** A text's bigrams and ASCII words (memoised: read-only, see termsIn). */
const textTerms = boundedMemo(8192, (folded: string): ReadonlySet<string> => {
  const set = new Set(gramTokens(folded).map((t) => t.lexeme));
  for (const w of folded.match(/[a-z0-9]+(?:-[a-z0-9]+)*/g) ?? []) set.add(w);
  return set;
});

interface Terms {
  set: ReadonlySet<string>;
  folded: string;
}

/** A lexeme occurs: a bigram, code or entity by set membership, a longer word by substring. */
function has(t: Terms, lexeme: string): boolean {
  return t.set.has(lexeme) || ([...lexeme].length >= 3 && !lexeme.startsWith(ENTITY_PREFIX) && t.folded.includes(lexeme));
}

/**
 * 1 when the passage's matched literal bigrams/words sit in a window no longer than the query needs,
 * falling towards 0 as they spread (the smallest window holding one occurrence of each, in characters).
 */
export function proximity(text: string, lexemes: string[]): number {
  const folded = text.toLowerCase();
  const present = lexemes.filter((l) => !l.startsWith('#') && folded.includes(l));
  if (present.length < 2) return present.length ? 1 : 0;
  const events: Array<{ at: number; term: number }> = [];
  present.forEach((l, term) => {
    for (let at = folded.indexOf(l); at >= 0; at = folded.indexOf(l, at + 1)) events.push({ at, term });
  });
  events.sort((a, b) => a.at - b.at);
  const need = present.length;
  const count = new Map<number, number>();
  let best = Number.POSITIVE_INFINITY;
  let have = 0;
  let lo = 0;
  for (let hi = 0; hi < events.length; hi++) {
    const t = events[hi].term;
    count.set(t, (count.get(t) ?? 0) + 1);
    if (count.get(t) === 1) have++;
    while (have === need) {
      best = Math.min(best, events[hi].at - events[lo].at);
      const lt = events[lo].term;
      count.set(lt, (count.get(lt) ?? 0) - 1);
      if (count.get(lt) === 0) have--;
      lo++;
    }
  }
  const span = present.reduce((s, l) => s + l.length, 0);
  return Math.min(1, span / Math.max(span, best + 2));
}
