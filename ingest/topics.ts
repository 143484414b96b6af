/**
 * Implicit topics of a text without headings. A textbook exported one sentence per line names a
 * disease in the sentence that opens its topic (「麻疹是由麻疹病毒引起的急性呼吸道传染病」) and then
 * says 「本病…」「患儿…」 or nothing. This finds those opening sentences from their form alone — a
 * leading noun phrase with the ending of a disease or condition name, followed by a defining verb —
 * and carries the subject to the sentences after it while the text stays on that topic. No disease is
 * named here: the vocabulary is the morphology of condition names and the verbs of definitions.
 */

/** Endings of disease and condition names (病, 综合征, 骨折…): what makes a leading phrase a topic. */
const CONDITION_ENDING =
  /(?:病|症|炎|癌|瘤|综合征|热|疹|疸|痢|疾|疝|癣|疮|痈|痘|痨|瘫|聋|咳|风|痫|痛|障|眼|暑|寒|夹层|高压|纤维化|无力|结核|妊娠|早剥|中毒|感染|梗死|梗塞|梗阻|出血|结石|骨折|脱位|畸形|缺损|衰竭|溃疡|狭窄|闭锁|脱垂|破裂|栓塞|气胸|积液|积水|囊肿|息肉|哮喘|贫血|血症|亢进|减退|缺乏|增多|减少|过敏|扭转|套叠|穿孔|障碍|失常|颤动|不全|硬化|坏死|增生|肥大|扩张|痉挛|麻痹|萎缩|异位|早产|流产|损伤|休克|窒息|抑郁|脓肿|瘘|裂|疼痛|不孕)(?:[（(][^）)]{1,30}[）)])?$/;
/** A defining verb right after the leading phrase: 「X是一种…」「X又称…」 (strong) or 「X是…」「X以…为特征」 (weak). */
const LEADING = /^([^，,。；;：:、\s“”"'（(]{2,20}?(?:[（(][^）)]{1,30}[）)])?)(又称|也称|亦称|简称|俗称|即|是指|系指|是一种|是一组|是一类|是由|是以|为一种|为一组|是|系|指|以|起源于|属于)/;
const STRONG_VERB = /^(?:又称|也称|亦称|简称|俗称|即|是指|系指|是一种|是一组|是一类|是由|是以|为一种|为一组)$/;
/** 「…称为X」: the definition names its subject last. */
const CALLED = /称为([^，,。；;：:、\s“”"]{2,20}?)(?:[，,。；;]|$)/;
/** 「X是Y最常见的并发症」: X is said to be an attribute of something else, not defined. */
const ATTRIBUTE_OF = /的(?:[^，,。；;]{0,6})(?:并发症|合并症|后遗症|原因|诱因|因素|基础|症状|表现|体征|特点|类型|死因)/;
/** Sentences that refer back to the topic in progress (「本病」「该病」): never the start of another. */
const BACK_REFERENCE = /本病|该病|此病|本症|该症|上述/;
/** How many following sentences may carry a subject before the text must name it again (or say 本病). */
const CONFIRM_WITHIN = 6;

export interface SentenceTopic {
  /** This sentence opens a topic (a soft section boundary in a text without headings). */
  opens: boolean;
  /** The subject the sentence is about, named or implicit; null when the text gives no evidence. */
  subject: string | null;
}

/** The condition a sentence defines, and whether by a strong definitional form; null when it defines none. */
export function openingSubject(sentence: string): { subject: string; strong: boolean } | null {
  const s = sentence.trim();
  if (BACK_REFERENCE.test(s)) return null;
  const called = CALLED.exec(s);
  if (called && CONDITION_ENDING.test(called[1])) return { subject: called[1], strong: true };
  const m = LEADING.exec(s);
  if (!m) return null;
  const subject = m[1].replace(/^(?:而|但|另外|此外|其中|如|若|当|我国)/, '');
  if (!CONDITION_ENDING.test(subject) || [...subject].length < 2) return null;
  const strong = STRONG_VERB.test(m[2]);
  if (!strong && ATTRIBUTE_OF.test(s.slice(m[0].length))) return null;
  return { subject, strong };
}

/** A subtype of the topic in progress (左心衰竭 under 心力衰竭): its head noun — last two characters — occurs in the topic's name. */
const subtopicOf = (candidate: string, current: string) => bare(current).includes([...bare(candidate)].slice(-2).join(''));

/** The name without a bracketed alias or abbreviation (「新型冠状病毒感染（COVID-19）」 → 新型冠状病毒感染). */
const bare = (subject: string) => subject.replace(/[（(][^）)]*[）)]$/, '');

/**
 * Topics of consecutive sentences. A sentence opens a topic when it defines a condition that is not the
 * topic in progress (and does not mention it: 「冠状动脉瘤是川崎病最严重的并发症」 stays with 川崎病). The
 * subject is carried forward only while the text keeps confirming it — it is named again, or a sentence
 * refers back with 本病/该病 — within CONFIRM_WITHIN sentences; an unconfirmed opening (a list of unrelated
 * sentences, shuffled lines) carries nothing.
 */
export function sentenceTopics(sentences: string[]): SentenceTopic[] {
  const out: SentenceTopic[] = sentences.map(() => ({ opens: false, subject: null }));
  let current: string | null = null;
  for (let i = 0; i < sentences.length; i++) {
    const s = sentences[i];
    const opening = openingSubject(s);
    const candidate = opening?.subject;
    const isNew = candidate && (!current || (bare(candidate) !== bare(current) && (opening.strong || (!subtopicOf(candidate, current) && !s.includes(bare(current))))));
    if (candidate && isNew) {
      current = candidate;
      out[i] = { opens: true, subject: candidate };
      continue;
    }
    out[i] = { opens: false, subject: current && s.includes(bare(current)) ? current : null };
  }
  // Carry each subject over the sentences that follow its opening, as far as the text confirms it.
  let subject: string | null = null;
  let lastSeen = -1;
  for (let i = 0; i < sentences.length; i++) {
    const t = out[i];
    if (t.opens) {
      // An opening the text does not go on with (a list of unrelated sentences, shuffled lines) is no
      // boundary and carries nothing.
      t.opens = confirmed(sentences, out, i);
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
