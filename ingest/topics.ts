import { BACK_REFERENCE, bareName as bare, openingSubject, withinTopic } from '../core/index.ts';

export { openingSubject };

/**
 * Implicit topics of a text without headings. A textbook exported one sentence per line names a
 * disease in the sentence that opens its topic (「麻疹是由麻疹病毒引起的急性呼吸道传染病」) and then
 * says 「本病…」「患儿…」 or nothing. Which sentence opens a topic is decided by the rules extraction uses
 * too (core/topic-opening.ts); here the leading name is taken by its form (search has no mentions), and
 * a subject is carried to the sentences after it while the text stays on that topic.
 */

/** How many following sentences may carry a subject before the text must name it again (or say 本病). */
const CONFIRM_WITHIN = 6;

export interface SentenceTopic {
  /** This sentence opens a topic the text goes on with (a soft section boundary in a text without headings). */
  opens: boolean;
  /** The subject the sentence is about, named or implicit; null when the text gives no evidence. */
  subject: string | null;
  /**
   * A passage ends before this sentence even though the text does not confirm the topic it opens: it defines a
   * condition (「X又称…」「X是指…」「…称为X」). Most textbook sentences never name their disease, so confirmation
   * is rare; a definition still says that what came before is another topic's. Set only when true.
   */
  breaks?: true;
  /** The sentence opens a topic by its form (any opening, confirmed or not): no passage should end with it. Set only when true. */
  leads?: true;
}

/**
 * A subtype of the topic in progress: its head noun — last two characters — occurs in the topic's name
 * (左心衰竭 under 心力衰竭), or it is the topic's name with a modifier before its head (腹股沟斜疝 under 腹股沟疝).
 */
function subtopicOf(candidate: string, current: string): boolean {
  const [c, t] = [bare(candidate), bare(current)];
  return t.includes(c.slice(-2)) || (c.startsWith(t.slice(0, -1)) && c.at(-1) === t.at(-1));
}


/**
 * Topics of consecutive sentences. A sentence opens a topic when it defines a condition that is not the
 * topic in progress (and does not mention it: 「冠状动脉瘤是川崎病最严重的并发症」 stays with 川崎病). The
 * subject is carried forward only while the text keeps confirming it — it is named again, or a sentence
 * refers back with 本病/该病 — within CONFIRM_WITHIN sentences; an unconfirmed opening (a list of unrelated
 * sentences, shuffled lines) carries nothing, though an unconfirmed definition still breaks (see `breaks`):
 * in real textbook text few sentences name their disease, so most openings are never confirmed.
 */
export function sentenceTopics(sentences: string[]): SentenceTopic[] {
  const out: SentenceTopic[] = sentences.map(() => ({ opens: false, subject: null }));
  let current: string | null = null;
  const strong: boolean[] = [];
  for (let i = 0; i < sentences.length; i++) {
    const s = sentences[i];
    const opening = openingSubject(s, current);
    if (opening) out[i].leads = true;
    // A topic fact (「X多见于…」) starts a topic where none is in progress but never splits one: a textbook
    // says it of subtypes too (「轮状病毒肠炎好发于秋冬季」 under 小儿腹泻病), and a chunk boundary costs search more
    // than a subject costs extraction, which keeps it unless X was written under the topic.
    const candidate: string | undefined = opening && !(opening.fact && current) ? opening.subject : undefined;
    const isNew = candidate && (!current || (bare(candidate) !== bare(current) && !withinTopic(candidate, current) && (opening?.strong || (!subtopicOf(candidate, current) && !s.includes(bare(current))))));
    if (candidate && isNew) {
      current = candidate;
      out[i] = { opens: true, subject: candidate, leads: true };
      strong[i] = opening?.strong === true;
      continue;
    }
    out[i] = { ...out[i], opens: false, subject: current && s.includes(bare(current)) ? current : null };
  }
  // Carry each subject over the sentences that follow its opening, as far as the text confirms it.
  let subject: string | null = null;
  let lastSeen = -1;
  for (let i = 0; i < sentences.length; i++) {
    const t = out[i];
    if (t.opens) {
      // An opening the text does not go on with (a list of unrelated sentences, shuffled lines) carries
      // nothing; only a definition still ends the passage before it (`breaks`).
      t.opens = confirmed(sentences, out, i);
      if (!t.opens && strong[i]) t.breaks = true;
      subject = t.opens ? t.subject : null;
      if (!subject) t.subject = null;
      lastSeen = i;
      continue;
    }
    if (!subject) {
      t.subject = null;
      continue;
    }
    if (t.subject === subject || BACK_REFERENCE.test(sentences[i])) lastSeen = i;
    if (i - lastSeen > CONFIRM_WITHIN && !confirmedAhead(sentences, subject, i)) {
      subject = null;
      continue;
    }
    t.subject = subject;
  }
  return out;
}

/**
 * An opening is confirmed when two of the CONFIRM_WITHIN sentences after it name the subject again or say
 * 本病 (one could be chance: a common name such as 肺炎 recurs in unrelated sentences).
 */
function confirmed(sentences: string[], topics: SentenceTopic[], at: number): boolean {
  const subject = topics[at].subject;
  if (!subject) return false;
  let seen = 0;
  for (let j = at + 1; j < Math.min(sentences.length, at + 1 + CONFIRM_WITHIN); j++) {
    if (topics[j].opens) return false;
    if (sentences[j].includes(bare(subject)) || BACK_REFERENCE.test(sentences[j])) seen++;
    if (seen >= 2) return true;
  }
  return false;
}

function confirmedAhead(sentences: string[], subject: string, at: number): boolean {
  for (let j = at; j < Math.min(sentences.length, at + CONFIRM_WITHIN); j++) if (sentences[j].includes(bare(subject)) || BACK_REFERENCE.test(sentences[j])) return true;
  return false;
}
