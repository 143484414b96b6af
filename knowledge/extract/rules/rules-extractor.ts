import { type Lexicon, surfaceKey, Tokenizer } from '../../../core/index.ts';
import type { ChunkForExtraction, ExtractedTriple, ExtractionResult, Extractor, Mention, Qualifiers, SynonymProposal } from '../../model.ts';
import { orient, typesFit } from '../../predicates.ts';
import { certaintyOf, findBreakers, findCues } from './cues.ts';
import { type EntityMention, MentionFinder } from './mentions.ts';
import type { OpenMentionTools } from './open-mentions.ts';
import { applyRule, type PatternRule, type Proposal } from './pattern-rule.ts';
import { EN_RULES } from './rules-en.ts';
import { ZH_RULES } from './rules-zh.ts';
import { clauseIndex, type LocalMention, MASK, MASK_OPEN, type SentenceView, viewSentence } from './sentence-view.ts';
import { splitSentences } from './sentences.ts';
import { findSynonyms } from './synonyms.ts';
import { headingDefinedIn, headingTopic, sentenceTopic } from './topic.ts';

/** Bump when rules, cues or mention finding change what is extracted: candidates record it. */
export const RULES_VERSION = 'rules-v11';

/** Procedures that examine rather than treat: named as treatment only when the trigger says 治疗/treat. */
const DIAGNOSTIC_PROCEDURE = /活检|检查|造影|镜|穿刺(?!引流)|诊断性|刮宫|biopsy|scopy|graphy/i;
/** Procedures that treat whatever instrument they use (腹腔镜胆囊切除术, 内镜下黏膜剥离术). */
const THERAPEUTIC_PROCEDURE = /切除|修补|置换|成形|吻合|移植|引流|栓塞|消融|剥离|根治|结扎|缝合|重建|取石|碎石|电切|减压|剔除|resection|ectomy/i;

/** Names of classes of disease rather than diseases. */
const CATEGORY = /(?:疾病|传染病|恶性肿瘤|良性肿瘤|肿瘤|病变|急腹症|心血管综合征)$/;

/** A sentence that asks rather than states. */
const QUESTION = /[？?]\s*[”"」』）)]*\s*$/;

/** Text of the preceding chunk that is read for a topic (a heading line is short and near the end). */
const PRECEDING_CHARS = 400;

export interface ExtractedText {
  triples: ExtractedTriple[];
  synonyms: SynonymProposal[];
  /** The rule that proposed each triple, by index (for tuning rules and for tests). */
  rules: string[];
}

/**
 * The deterministic extraction engine (`rules`, no LLM). Mentions are lexicon names and, in Chinese,
 * open mentions: phrases between trigger, cue and function words that the lexicon does not know, typed
 * by their head word and left unresolved for review. Sentences and clauses are split, pattern rules per
 * predicate find arguments by position, clause- and list-scoped cues set certainty, and the section
 * topic (heading, bare heading line, defining first sentence) is the subject a sentence leaves out
 * and what 本病/该病/其 refer to. Synonyms the text states are returned as proposals. The quote of a
 * triple is the sentence that states it.
 */
export class RulesExtractor implements Extractor {
  readonly engine = 'rules' as const;
  readonly version = RULES_VERSION;
  private readonly finder: MentionFinder;
  private readonly tools: OpenMentionTools & { words: (text: string) => string[] };

  private readonly openVocabulary: boolean;

  /**
   * `tokenizer` defaults to a new one over `lexicon` (pass the search tokenizer to share its jieba).
   * `openVocabulary: false` keeps to lexicon names (the baseline the benchmark measures beside it).
   */
  constructor(
    private readonly lexicon: Lexicon,
    tokenizer: Tokenizer = new Tokenizer(lexicon),
    opts: { openVocabulary?: boolean } = {},
  ) {
    this.openVocabulary = opts.openVocabulary !== false;
    this.finder = new MentionFinder(lexicon, tokenizer);
    // Part-of-speech tags of the same short phrases recur across a corpus: tag each once.
    const tags = new Map<string, Array<{ word: string; tag: string }>>();
    const tag = (s: string) => {
      let t = tags.get(s);
      if (!t) {
        if (tags.size > 20_000) tags.clear();
        t = tokenizer.tagged(s);
        tags.set(s, t);
      }
      return t;
    };
    this.tools = { lookup: (s) => lexicon.lookup(s), tag, words: (s) => tokenizer.words(s) };
  }

  async extract(chunk: ChunkForExtraction, signal?: AbortSignal): Promise<ExtractionResult> {
    signal?.throwIfAborted();
    const { triples, synonyms } = this.extractSection(chunk.text, { headingPath: chunk.headingPath, preceding: chunk.preceding });
    return { triples, synonyms, llmCalls: 0 };
  }

  /** Triples of one text, in text order; same text, same triples. */
  extractText(text: string): ExtractedTriple[] {
    return this.extractSection(text).triples;
  }

  /** Triples and synonym proposals of a text, with its heading path and the text before it in its section. */
  extractSection(text: string, context: { headingPath?: readonly string[]; preceding?: string } = {}): ExtractedText {
    let topic = headingTopic(this.lexicon, context.headingPath ?? []) ?? (this.openVocabulary ? headingDefinedIn(context.headingPath ?? [], text) : null);
    if (context.preceding) topic = this.topicAfter(context.preceding.slice(-PRECEDING_CHARS), topic);
    const words = this.finder.segment(text);
    const mentions = this.finder.find(text, words);
    const triples: ExtractedTriple[] = [];
    const rules: string[] = [];
    const synonyms: SynonymProposal[] = [];
    /** Short names the text has defined ("流行性脑脊髓膜炎简称流脑"): later mentions of them are the full name. */
    const defined = new Map<string, LocalMention>();
    /** Names written since the topic opened: a topic fact about one of them (Graves病多见于…) keeps the topic. */
    const mentioned = new Set<string>();
    for (const sentence of splitSentences(text)) {
      const view = withLatter(this.canonical(viewSentence(sentence, mentions, this.openVocabulary ? this.tools : undefined, topic, words), defined, topic));
      const next = sentenceTopic(this.lexicon, view, topic, { loose: !context.preceding, mentioned });
      // A sentence that opens a topic names it whole (腺淋巴瘤, not the 淋巴瘤 the finder saw): its synonyms are the topic's.
      const opened = next ? openedBy(view, next.topic, next.end) : view;
      const stated = findSynonyms(opened, next?.topic ?? topic);
      synonyms.push(...stated);
      // A heading line states nothing itself; a defining sentence states facts about the topic it sets.
      // A question (思考题, 为什么…？) asks; it states nothing to extract.
      if (!next?.headingLine && !QUESTION.test(view.text) && view.mentions.length + (topic ? 1 : 0) >= 2) {
        for (const { triple, rule } of withoutAliasCopies(this.sentenceTriples(opened), stated)) {
          triples.push(triple);
          rules.push(rule);
        }
      }
      if (next && next.topic.text !== topic?.text) mentioned.clear();
      if (next) topic = next.topic;
      for (const m of view.mentions) if (!m.pronoun && !m.implicit) mentioned.add(m.text);
      for (const y of stated) {
        const term = opened.mentions.find((m) => m.text === y.term.text) ?? (topic?.text === y.term.text ? topic : undefined);
        if (term) defined.set(surfaceKey(y.alias), term);
      }
    }
    return { triples, synonyms, rules };
  }

  /**
   * Mentions that stand for a name defined earlier in the section — its short name, or the topic written
   * without a trailing 形成/症/病 (下肢深静脉血栓 for 下肢深静脉血栓形成) — take that name.
   */
  private canonical(view: SentenceView, defined: ReadonlyMap<string, LocalMention>, topic: LocalMention | null): SentenceView {
    let changed = false;
    const mentions = view.mentions.map((m) => {
      if (m.pronoun || m.implicit) return m;
      // The topic written again (重症肌无力, whose head reads as a symptom) is the topic.
      const full = defined.get(surfaceKey(m.text)) ?? (topic && m.open && (m.text === topic.text || (topic.text.startsWith(m.text) && /^(?:形成|症|病|综合征)$/.test(topic.text.slice(m.text.length)))) ? topic : undefined);
      if (!full) return m;
      changed = true;
      return { ...full, start: m.start, end: m.end, clause: m.clause, implicit: false };
    });
    return changed ? { ...view, mentions } : view;
  }

  /** Mentions the engine sees in `text` (for debugging rules and for tests). */
  mentions(text: string): EntityMention[] {
    return this.finder.find(text);
  }

  /** Every mention of each sentence, open ones included (for the review of unknown terms and for tests). */
  sentenceMentions(text: string): LocalMention[][] {
    const mentions = this.finder.find(text);
    return splitSentences(text).map((s) => viewSentence(s, mentions, this.tools).mentions);
  }

  private topicAfter(text: string, topic: LocalMention | null): LocalMention | null {
    const mentions = this.finder.find(text);
    let current = topic;
    for (const sentence of splitSentences(text)) {
      const view = viewSentence(sentence, mentions, this.tools, current);
      current = sentenceTopic(this.lexicon, view, current, { loose: false })?.topic ?? current;
    }
    return current;
  }

  private sentenceTriples(view: SentenceView): Array<{ triple: ExtractedTriple; rule: string }> {
    const rules: PatternRule[] = view.lang === 'zh' ? ZH_RULES : EN_RULES;
    const cues = findCues(view);
    const breakers = findBreakers(view);
    const best = new Map<string, { p: Proposal; certainty: ExtractedTriple['certainty'] }>();
    const proposals = rules.flatMap((rule) => applyRule(rule, view));
    for (const p of [...proposals, ...resultClauses(view, proposals), ...nextSites(view, proposals)]) {
      if (!this.acceptable(p, view)) continue;
      const s = this.subjectOf(p, view);
      const o = this.resolve(p.object, view);
      if (!s || !o || identity(s) === identity(o)) continue;
      const key = `${p.rule.predicate}|${identity(s)}|${identity(o)}`;
      const prev = best.get(key);
      if (prev && prev.p.rule.confidence >= p.rule.confidence) continue;
      // Advice and evidence about a test or treatment (价值有限, 不推荐) judge that test or treatment: the
      // disease it is for is no part of the judgement ("超声对本病价值有限，首选增强CT": CT stays present).
      const judged = (p.rule.predicate === 'examined_by' || p.rule.predicate === 'treated_by') && !this.sameClause(p, view) ? [p.object] : [p.subject, p.object];
      best.set(key, { p, certainty: certaintyOf(view, cues, breakers, judged, p.rule.predicate) });
    }
    // A phrase with no known head fits several arguments (他莫昔芬: a treatment or a test?): keep its best reading.
    const untyped = new Map<string, number>();
    for (const { p } of best.values()) {
      if (!p.object.open || p.object.type) continue;
      const k = `${identity(p.subject)}|${identity(p.object)}`;
      untyped.set(k, Math.max(untyped.get(k) ?? 0, p.rule.confidence));
    }
    const triples: Array<{ triple: ExtractedTriple; rule: string }> = [];
    for (const { p, certainty } of best.values()) {
      if (p.object.open && !p.object.type && (untyped.get(`${identity(p.subject)}|${identity(p.object)}`) ?? 0) > p.rule.confidence) continue;
      const sm = this.subjectOf(p, view) as LocalMention;
      const om = this.resolve(p.object, view) as LocalMention;
      let s = mention(sm, p.rule.predicate === 'examined_by' && sm !== this.resolve(p.subject, view) ? 'Disease' : p.subjectType);
      let o = mention(om, p.objectType);
      // A narrower form related to its own head ("细菌性肝脓肿 是 肝脓肿 的一种") is a new name for review, not a self-loop.
      if (s.entityId && s.entityId === o.entityId) {
        if (sm.narrower) s = { ...s, entityId: null };
        else if (om.narrower) o = { ...o, entityId: null };
        else continue;
      }
      const [first] = orient(p.rule.predicate, identity(s), identity(o));
      if (first !== identity(s)) [s, o] = [o, s];
      triples.push({ rule: p.rule.id, triple: {
        subject: s,
        predicate: p.rule.predicate,
        object: o,
        certainty,
        qualifiers: this.qualifiers(view, p),
        quote: view.text,
        quoteStart: view.offset,
        quoteEnd: view.offset + view.text.length,
        // An unresolved mention is a guess about a name: it ranks below the same wording about known names.
        confidence: p.subject.open || p.object.open ? Math.round(p.rule.confidence * 80) / 100 : p.rule.confidence,
      } });
    }
    // "形成脓肿时需切开引流": the complication a treatment is advised for is the topic's complication.
    for (const { p } of best.values()) {
      const c = p.rule.predicate === 'treated_by' && view.topic ? this.conditionSubject(p, view) : null;
      if (!c || !view.topic || identity(c) === identity(view.topic)) continue;
      const s = mention(c, 'Disease');
      const o = mention(view.topic, 'Disease');
      if (triples.some(({ triple: t }) => t.predicate === 'complication_of' && identity(t.subject) === identity(s) && identity(t.object) === identity(o))) continue;
      triples.push({ rule: 'complication_of.zh.condition', triple: { subject: s, predicate: 'complication_of', object: o, certainty: 'present', qualifiers: {}, quote: view.text, quoteStart: view.offset, quoteEnd: view.offset + view.text.length, confidence: 0.6 } });
    }
    return triples.sort(({ triple: a }, { triple: b }) => a.predicate.localeCompare(b.predicate) || identity(a.subject).localeCompare(identity(b.subject)) || identity(a.object).localeCompare(identity(b.object)));
  }

  /**
   * In a section about a disease, an exam is said to examine that disease even where the sentence names
   * the sign it shows or misses ("CT对早期缺血病灶不敏感" under 急性缺血性卒中).
   */
  private subjectOf(p: Proposal, view: SentenceView): LocalMention | null {
    const s = this.resolve(p.subject, view);
    if (p.rule.predicate === 'examined_by' && view.topic && s && (s.type === 'Sign' || s.type === 'Finding') && p.subjectType !== 'Disease') return view.topic;
    // "超声可发现肾积水、膀胱增大", "MRI有助于与左心房血栓鉴别", "CT用于评估淋巴结转移": in a section, what an exam named
    // first goes on to find, tell apart or stage is the topic's picture, a rival or its spread; the exam examines the
    // topic (none of the headless gold sets gives such a name the exam, and they gave most of the wrong guesses). A
    // narrower form of the topic ("DWI对超急性期脑梗死最敏感" under 急性脑梗死) keeps the exam, and so does a known disease
    // it assesses ("冠状动脉造影是诊断冠心病的金标准" under 稳定型心绞痛) unless it is only told apart from the topic.
    if (p.rule.predicate === 'examined_by' && view.topic && s && s !== view.topic && !s.implicit && !s.pronoun && s.start >= 0 && p.object.start >= 0 && p.object.end <= s.start && !narrowerOf(s, view.topic) && !assessedDisease(s, view.masked.slice(p.object.end, s.end + 6))) return view.topic;
    // "阵发性高血压是最具特征性的表现，发作时常伴头痛、心悸": a name stated to be the topic's manifestation is no
    // subject of the signs listed after it; they are the topic's too.
    if (p.rule.predicate === 'has_sign' && view.topic && s && s !== view.topic && !s.implicit && s.start >= 0 && s.end <= p.trigger.start && STATED_MANIFESTATION.test(view.masked.slice(s.end, p.trigger.start))) return view.topic;
    // "约半数为功能性肿瘤，可表现为库欣综合征": a share of the topic's cases; what they show, the topic shows.
    if (p.rule.predicate === 'has_sign' && view.topic && s && s !== view.topic && !s.implicit && s.start >= 0 && SHARE_OF_CASES.test(view.masked.slice(view.clauses[s.clause]?.start ?? 0, s.start))) return view.topic;
    if (p.rule.predicate === 'treated_by' && view.topic && s) return this.treatedSubject(p, view, s, view.topic);
    return s;
  }

  /**
   * Who a treatment is for, where a clause narrows it. A complication named in a condition ("形成骨膜下脓肿时行钻孔引流",
   * "出现脊髓受压者需手术减压") is the subject itself. A group of the topic's patients ("累及升主动脉者", "转移者",
   * "长骨畸形者") and the topic's own lesion qualified ("局限性肿瘤", "无移位骨折", "少量血肿") stand for the topic.
   */
  private treatedSubject(p: Proposal, view: SentenceView, s: LocalMention, topic: LocalMention): LocalMention {
    const ci = clauseIndex(view.clauses, p.object.start >= 0 ? p.object.start : p.trigger.start);
    const condition = this.conditionSubject(p, view);
    if (condition) return condition;
    // A named sub-type (A型夹层, 主胰管型) is its own subject.
    if (s === topic || s.implicit || s.pronoun || s.start < 0 || s.text.includes(topic.text) || s.text.includes('型')) return s;
    // "伴胸腺瘤者", "肝静脉血栓者": patients of the topic; a known complication on its own ("阑尾周围脓肿者") stays.
    if (s.clause <= ci && view.text[s.end] === '者' && (s.open || /(?:伴有?|合并|有)$/.test(view.text.slice(view.clauses[s.clause].start, s.start)))) return topic;
    if (s.open && s.clause <= ci && (QUALIFIED_LESION.test(s.text) || (s.text.length > 2 && s.text.slice(-2) === topic.text.slice(-2)))) return topic;
    return s;
  }

  /** The complication named in the condition of the treatment's clause (形成X时, 出现X者), if any. */
  private conditionSubject(p: Proposal, view: SentenceView): LocalMention | null {
    const ci = clauseIndex(view.clauses, p.object.start >= 0 ? p.object.start : p.trigger.start);
    const from = view.clauses[ci].start;
    const upTo = p.object.start >= 0 ? Math.min(p.object.start, p.trigger.start) : p.trigger.start;
    const condition = CONDITION_SUBJECT.exec(view.text.slice(from, upTo));
    if (!condition) return null;
    const start = from + condition.index + condition[0].length - condition[2].length - condition[1].length;
    const end = start + condition[1].length;
    const inside = view.mentions.filter((m) => m.start >= start && m.end <= end && !m.pronoun && !(m.type && NOT_A_COMPLICATION.has(m.type)));
    const named = inside.at(-1);
    if (named) return { ...named, type: named.type ?? 'Disease' };
    return /^[\u4e00-\u9fff]{2,10}$/.test(condition[1]) ? { start, end, text: condition[1], type: 'Disease', open: true, clause: ci } : null;
  }

  /** Whether the subject is written in the clause of the trigger or of the object (not implied, not in another clause). */
  private sameClause(p: Proposal, view: SentenceView): boolean {
    if (p.subject.implicit || p.subject.start < 0) return false;
    const trigger = clauseIndex(view.clauses, p.trigger.start);
    return p.subject.clause === trigger || p.subject.clause === p.object.clause;
  }

  /** A pronoun or an implicit subject stands for the section topic. */
  private resolve(m: LocalMention, view: SentenceView): LocalMention | null {
    return m.pronoun ? view.topic : m;
  }

  private acceptable(p: Proposal, view: SentenceView): boolean {
    const { rule } = p;
    if (!typesFit(rule.predicate, p.subjectType, p.objectType)) return false;
    // "可出现起源于右心室的室性心动过速": the site describes the noun after 的, not what came before the verb.
    if (rule.predicate === 'located_at' && p.object.start >= p.trigger.end && view.masked[p.object.end] === '的' && SITE_IN_RELATIVE.test(view.masked.slice(view.clauses[clauseIndex(view.clauses, p.trigger.start)].start, p.trigger.start))) return false;
    // "无移位骨折可用石膏固定", "无功能者多因…": 无 opening a group of patients names no absent sign. And only the list
    // right after the negation is negated ("而镜检无红细胞提示肌红蛋白尿": not 肌红蛋白尿).
    if (rule.id === 'has_sign.zh.lacks' && p.object.start >= p.trigger.end && (/^[^，。；,;]{0,8}?者/.test(view.text.slice(p.trigger.end)) || !LACKED_LIST.test(view.masked.slice(p.trigger.end, p.object.start)))) return false;
    // "发生肠坏死或穿孔者需急诊手术", "后期出现关节强直者可…": what arises in the condition of advice (者, 时 before a modal)
    // is a complication the advice is for (see conditionSubject), not a manifestation stated of the disease.
    if (rule.id === 'has_sign.zh.seen' && p.object.start >= p.trigger.end && /出现|发生/.test(view.text.slice(p.trigger.start, p.trigger.end)) && CONDITION_AFTER.test(view.text.slice(p.object.end))) return false;
    // "附件区实性低回声肿块", "甲状腺后方椭圆形低回声结节": an open phrase after a site is a finding described there,
    // named with its site (the gold keeps the site in the finding); only a known disease after a site is placed there.
    if (rule.id === 'located_at.zh.adjacent' && (p.subject.open || p.subjectType !== 'Disease')) return false;
    // "累及升主动脉者应积极手术": a group of patients named by what their disease involves, not where the disease is.
    if (rule.id === 'located_at.zh.involves' && p.object.end > p.trigger.end && view.text[p.object.end] === '者') return false;
    // A named disease is a manifestation only inside the list its trigger opens (表现为短暂性脑缺血发作和脑梗死), not
    // in a later clause (表现为肺叶实变，与大叶性肺炎相似).
    if (rule.predicate === 'has_sign' && p.objectType === 'Disease' && (p.object.clause !== clauseIndex(view.clauses, p.trigger.start) || LIKENESS.test(view.masked.slice(p.object.end)))) return false;
    // "以休息和对症治疗为主" is about treatment: nothing in it is a sign.
    if (rule.predicate === 'has_sign' && p.object.start >= p.trigger.start && p.object.end <= p.trigger.end && /治疗|疗法|手术/.test(view.masked.slice(p.trigger.start, p.trigger.end))) return false;
    // A class of diseases (恶性肿瘤, 肛肠疾病) is no sign of one, and a copula onto one states no subtype worth a triple.
    if ((rule.predicate === 'has_sign' && p.object.open && CATEGORY.test(p.object.text)) || (rule.id.endsWith('.copula') && CATEGORY.test(p.object.text))) return false;
    // "表现为血钾明显降低": the sign is the test with its result (a result proposal), not the test.
    if (rule.predicate === 'has_sign' && p.object.start >= 0 && !RESULT.test(p.object.text) && startsResult(view, p.object.end)) return false;
    // "颅内压显著增高者不宜…": a phrase followed by its result is a finding, not the test advised on or the treatment.
    if ((rule.predicate === 'examined_by' || rule.predicate === 'treated_by') && p.object.open && p.object.start >= 0 && startsResult(view, p.object.end) && /者|时/.test(view.text.slice(p.object.end, p.object.end + 8))) return false;
    // What an exam shows is a finding when it is a whole list item; a phrase that goes on (乳晕 + 下…, 筛板 + 受累) is
    // the subject or site of some other statement.
    if (rule.id === 'has_sign.zh.exam_shows' && p.object.open && !p.object.type && !/^(?:[、，。；,;：:]|和|及|与|或|等|$)/.test(view.text.slice(p.object.end))) return false;
    // "…are not recommended in patients with outflow tract obstruction": a group of patients, not the disease treated.
    if (view.lang === 'en' && p.subject.start > 0 && /\b(?:patients?|those|people|children|adults) with\s*$/i.test(view.text.slice(0, p.subject.start))) return false;
    // "胸腔镜下囊肿切除": the scope is the way in; the procedure after 镜下 is what treats or examines.
    if ((rule.predicate === 'treated_by' || rule.predicate === 'examined_by') && p.object.start >= 0 && /镜$/.test(p.object.text) && view.text[p.object.end] === '下') return false;
    // "常见诱因包括…及使用免疫抑制剂": drugs in a list of causes are no treatment.
    if (rule.predicate === 'treated_by' && CAUSE_LIST.test(view.text.slice(view.clauses[clauseIndex(view.clauses, p.trigger.start)].start, p.trigger.start))) return false;
    const name = p.object.entry ? p.object.entry.zh + p.object.entry.en : p.object.text;
    if (rule.predicate === 'treated_by' && (p.objectType === 'Procedure' || p.object.open) && DIAGNOSTIC_PROCEDURE.test(name) && !THERAPEUTIC_PROCEDURE.test(name)) {
      return /治疗|treat/i.test(view.masked.slice(p.trigger.start, p.trigger.end));
    }
    // A procedure examines only when it is a diagnostic one (biopsy, endoscopy), not surgery.
    if (rule.predicate === 'examined_by' && (p.objectType === 'Procedure' || p.object.open) && (!DIAGNOSTIC_PROCEDURE.test(name) || THERAPEUTIC_PROCEDURE.test(name)) && p.objectType === 'Procedure') return false;
    if (rule.predicate === 'examined_by' && THERAPEUTIC_PROCEDURE.test(name) && /术$/.test(name)) return false;
    // Where a sentence names its exam, a phrase with no known head is what the exam measures or shows (夹角, 内径), not another exam.
    if (rule.predicate === 'examined_by' && p.object.open && !p.object.type && !/[（(]\s*$/.test(view.text.slice(0, p.object.start)) && view.mentions.some((m) => m !== p.object && (m.type === 'Modality' || m.type === 'Exam') && !/^\s*[（(]\s*$/.test(view.text.slice(p.object.end, m.start)))) return false;
    return true;
  }

  /** The imaging modality named in the trigger's clause, when there is exactly one; the site a compositional exam examines. */
  private qualifiers(view: SentenceView, p: Proposal): Qualifiers {
    if (p.rule.predicate === 'examined_by') return p.object.site ? { location: p.object.site.slice(0, 40) } : {};
    if (p.rule.predicate !== 'has_sign' && p.rule.predicate !== 'suggests') return {};
    const clause = view.clauses.findIndex((c) => p.trigger.start >= c.start && p.trigger.start <= c.end);
    const mods = new Set(view.mentions.filter((m) => m.clause === clause && m.type === 'Modality' && m.entry).map((m) => m.entry?.zh as string));
    return mods.size === 1 ? { modality: [...mods][0].slice(0, 40) } : {};
  }
}

/** A name's own clause saying it is a manifestation (是本病最常见的临床表现，): what follows is the topic's. */
const STATED_MANIFESTATION = /^(?:发作)?(?:是|为)[^，。；]{0,16}(?:表现|症状|体征|征象)[，,]/;

/** Words that make the name after them a share of the topic's cases (约半数为…, 少数为…, 30%为…). */
/** A condition naming a complication before the advice for it: 形成X时, 出现X者, 并发X时. Group 1 is X. */
const CONDITION_SUBJECT = /(?:出现|形成|并发|发生|继发|伴发)([^，。；、]{2,14}?)(时|者)(?=[^，。；]*$)/;

const NOT_A_COMPLICATION = new Set(['Anatomy', 'Treatment', 'Drug', 'Procedure', 'Exam', 'Modality']);

/** The topic's own lesion, qualified ("局限性肿瘤", "稳定病变", "残余肿瘤"): a group of the topic's cases. */
const QUALIFIED_LESION = /^[^，。；]{1,8}(?:肿瘤|病变|病灶|损伤|肿块)$/;

const SHARE_OF_CASES = /^(?:其中)?(?:约|近)?(?:半数|少数|多数|部分|大多数|绝大多数|[0-9０-９]+(?:\.[0-9]+)?[%％]|[一二三四五六七八九十]+分之[一二三四五六七八九十]+)(?:以上|左右)?(?:病例|患者)?(?:为|是)$/;

/** A stage or form of the topic (超急性期脑梗死 under 急性脑梗死): a modifier before the topic's own known head. */
function narrowerOf(m: LocalMention, topic: LocalMention): boolean {
  return m.text.includes(topic.text) || (!!m.narrower && !!m.entry && (m.entry === topic.entry || topic.text.endsWith(m.entry.zh)));
}

/** Wording that tells a disease apart from the topic: the exam still examines the topic (a disease it rules out keeps it). */
const TOLD_APART = /鉴别|区分|区别|难以|误诊/;

/** A known disease (not a phrase, not a modified known head) that an exam is said to assess, not to tell apart. */
function assessedDisease(m: LocalMention, between: string): boolean {
  return !!m.entry && !m.open && !m.narrower && m.type === 'Disease' && !TOLD_APART.test(between);
}

/** Wording of likeness after a name (与大叶性肺炎相似): the name is compared with, not shown. */
const LIKENESS = /^[^，。；]{0,6}?(?:相似|类似|相仿|鉴别|混淆)/;

/** A verb that takes the phrase a site clause modifies as its object (出现…起源于X的Y). */
const SITE_IN_RELATIVE = /(?:出现|可见|见到|有|伴有?|表现为|发生|引起|导致|形成|并发|合并)[^，。；]{0,4}$/;

/** A clause that lists causes (诱因包括, 病因有): what it names is no treatment. */
const CAUSE_LIST = /(?:诱因|病因|原因|危险因素|致病因素)[^，。；]{0,4}?(?:包括|有|为|是)/;

/** A laboratory result written as a finding (白细胞增高, 血沉增快, 抗体阳性). */
const RESULT = /(?:升高|降低|增高|减低|减少|增多|增快|减慢|延长|缩短|阳性|缺如|消失|异常)$/;

/** The rule `resultClauses` proposes under: it has no trigger wording of its own (its regex never matches). */
const RESULT_RULE: PatternRule = {
  id: 'has_sign.zh.result',
  predicate: 'has_sign',
  trigger: /$^/g,
  subject: { side: 'inside', types: ['Disease'], topic: true },
  object: { side: 'inside', types: ['Finding'] },
  confidence: 0.6,
};

/**
 * Laboratory sentences in a section list results with no verb ("急性期外周血白细胞增高，血沉增快"): a
 * result that opens a clause naming no disease and that no rule related to anything is a finding of
 * the section's disease.
 */
/** The rest of a clause that makes what came before it a condition of advice (…者需, …时应). */
const CONDITION_AFTER = /^[^，。；,;]{0,30}?(?:者|时(?:应|需|须|宜|可|则|要)(?!警惕|考虑|怀疑|提示))/;

/** What may stand between a negation (无, 未见, 不伴) and a sign it negates: degree words and the list before it. */
const LACKED_LIST = new RegExp(`^(?:明显|明确|典型|特异性?|显著|的|[、和及与或]|\\s|[${Object.values(MASK).join('')}${MASK_OPEN}])*$`);

/** "以腰椎多见，其次为胸椎": the ranking goes on after the first site; the sites after 其次 are the same subject's. */
const THEN_SITES = /^[^。；;]{0,8}?[，,]?\s*(?:其次(?:为|是|见于|多见于)?|次之(?:为|是)?|次为)/;

/** Sites ranked after a located_at statement (其次为A和B) take its subject. */
function nextSites(view: SentenceView, found: readonly Proposal[]): Proposal[] {
  if (view.lang !== 'zh') return [];
  const out: Proposal[] = [];
  for (const p of found) {
    if (p.rule.predicate !== 'located_at' || p.object.start < 0) continue;
    const then = THEN_SITES.exec(view.text.slice(p.object.end));
    if (!then) continue;
    const from = p.object.end + then[0].length;
    const clause = view.clauses[clauseIndex(view.clauses, from)];
    for (const m of view.mentions) {
      if (m.start < from || m.end > clause.end || m.type !== 'Anatomy') continue;
      // Only the list right after 其次为 (胸椎, 颞叶和顶叶), not a site in a later phrase of the clause.
      if (!/^(?:\s|[、和及与或]|以及)*$/.test(view.masked.slice(from, m.start).replace(new RegExp(`[${MASK.Anatomy}]`, 'g'), ''))) break;
      out.push({ ...p, object: m, trigger: { start: from - then[0].length, end: from } });
    }
  }
  return out;
}

function resultClauses(view: SentenceView, found: readonly Proposal[]): Proposal[] {
  if (!view.topic || view.lang !== 'zh') return [];
  const used = new Set(found.flatMap((p) => [p.subject, p.object]));
  const out: Proposal[] = [];
  for (const m of view.mentions) {
    // A result the head-word guess does not type (血沉增快, 尿培养阳性) is still a finding.
    if (!m.open || (m.type !== 'Finding' && m.type !== null) || m.pronoun || used.has(m) || !RESULT.test(m.text)) continue;
    const clause = view.clauses[m.clause];
    if (!clause || view.text.slice(clause.start, m.start).replace(/[\s，,]/g, '').length > 6) continue;
    if (view.mentions.some((x) => x.clause === m.clause && x !== m && !x.pronoun && x.type === 'Disease')) continue;
    // What a result is worth ("…阳性有助于诊断", "…升高提示…") is said by other rules; symptoms that go (症状消失) are no result.
    if (/症状|表现/.test(m.text) || /提示/.test(view.text.slice(m.end, clause.end))) continue;
    out.push({ rule: RESULT_RULE, subject: view.topic, object: m, subjectType: 'Disease', objectType: 'Finding', trigger: { start: m.start, end: m.end } });
  }
  return [...out, ...sharedResults(view)];
}

/** A result word written once after the tests it is said of, with a frequency adverb or a bracket between. */
const SHARED_RESULT = /(?:[（(][^（）()，。；]{1,24}[）)])?\s*(?:常|多|可|均|亦|也|明显|显著|轻度|中度|不同程度)*(升高|降低|增高|减低|增多|减少|增快|减慢|延长|缩短|阳性)/y;
/** Heads of what a laboratory or bedside test measures (白细胞计数, 血钾水平, 抗体, Romberg征). */
const MEASURED = /(?:信号|密度|回声|计数|水平|比例|浓度|含量|值|率|素|酶|蛋白|抗体|抗原|因子|细胞|培养|染色|试验|征|检测)$/;
/** Whether a result word (with its adverb or bracket) follows at `at`. */
function startsResult(view: SentenceView, at: number): boolean {
  SHARED_RESULT.lastIndex = at;
  return SHARED_RESULT.test(view.text);
}
const RESULT_COORD = /^\s*(?:、|和|及|与|以及|或)\s*$/;

/**
 * "红细胞沉降率和C反应蛋白常升高", "腺苷脱氨酶（ADA）明显升高", "尿培养常阳性": the tests named before a result word
 * that is not glued to them (an adverb, a bracket or a list between) each show that result. Each becomes a finding of
 * the section's disease named as test + result ("C反应蛋白升高"), unresolved for review. Only where the clause
 * names no disease and does not say the result points elsewhere (提示).
 */
function sharedResults(view: SentenceView): Proposal[] {
  const topic = view.topic;
  if (!topic) return [];
  const out: Proposal[] = [];
  for (const m of view.mentions) {
    if (m.pronoun || m.implicit || m.type === 'Disease' || m.type === 'Anatomy' || m.type === 'Stage') continue;
    // The result is glued to the last test ("白细胞计数及中性粒细胞比例增高"): the tests before it share it.
    const glued = RESULT.exec(m.text);
    SHARED_RESULT.lastIndex = m.end;
    const r = glued ? Object.assign([glued[0], glued[0]], { index: m.end - glued[0].length }) : SHARED_RESULT.exec(view.text);
    if (!r || (!glued && r[0].length === r[1].length)) continue;
    const clause = view.clauses[m.clause];
    if (!clause || r.index + r[0].length > clause.end) continue;
    if (view.mentions.some((x) => x.clause === m.clause && !x.pronoun && x.type === 'Disease') || /提示/.test(view.text.slice(r.index + r[0].length, clause.end))) continue;
    // The list of tests that share the result: walk back over coordinated mentions of the clause.
    const list = [m];
    for (let i = view.mentions.indexOf(m) - 1; i >= 0; i--) {
      const prev = view.mentions[i];
      if (prev.clause !== m.clause || prev.pronoun || prev.type === 'Disease' || !RESULT_COORD.test(view.text.slice(prev.end, list[0].start))) break;
      list.unshift(prev);
    }
    // The list opens its clause (after a short lead such as 实验室检查示, 血清): otherwise it is an object of some verb.
    // An exam named in the lead ("彩色多普勒超声可见…") does not count: it says where the result is seen.
    const lead = view.masked.slice(clause.start, list[0].start).replace(/[\s，,\uE005\uE006]/g, '');
    if (lead.length > 8 && !/(?:可见|示|显示|表现为|出现|伴有?)$/.test(lead)) continue;
    for (const t of glued ? list.slice(0, -1) : list) {
      // Tests and measurements take a result; a symptom in the list (发绀、杵状指、红细胞增多) does not.
      if (!(t.type === null || t.type === 'Exam' || t.type === 'Modality' || t.type === 'Drug' || MEASURED.test(t.text))) continue;
      // Named as the finding, not the specimen (肌酸激酶升高 for 血清肌酸激酶…升高); 血 alone stays (血钾降低).
      const text = `${t.text.replace(/^(?:血清|血浆)(?=.{2})/, '')}${r[1]}`;
      const object: LocalMention = { start: t.start, end: t.end, text, type: 'Finding', open: true, clause: t.clause };
      out.push({ rule: RESULT_RULE, subject: topic, object, subjectType: 'Disease', objectType: 'Finding', trigger: { start: t.start, end: t.end } });
    }
  }
  return out;
}

/**
 * A name and the abbreviation the sentence gives it ("鼻胆管引流术（ENBD）") are one mention: the triple
 * stated of the abbreviation is dropped where the same triple is stated of the full name.
 */
function withoutAliasCopies<T extends { triple: ExtractedTriple }>(found: T[], synonyms: readonly SynonymProposal[]): T[] {
  if (!synonyms.length) return found;
  const key = (t: ExtractedTriple, s: string, o: string) => `${t.predicate}|${surfaceKey(s)}|${surfaceKey(o)}`;
  const byKey = new Map(found.map(({ triple: t }) => [key(t, t.subject.text, t.object.text), t]));
  // Keep the copy whose mention the lexicon knows (PTCD) over an unresolved full name, else the full name.
  const drop = (side: Mention, other: ExtractedTriple | undefined, otherSide: (t: ExtractedTriple) => Mention) =>
    !!other && !(side.entityId && !otherSide(other).entityId);
  return found.filter(({ triple: t }) => {
    for (const y of synonyms) {
      const alias = surfaceKey(y.alias);
      if (surfaceKey(t.subject.text) === alias && drop(t.subject, byKey.get(key(t, y.term.text, t.object.text)), (o) => o.subject)) return false;
      if (surfaceKey(t.object.text) === alias && drop(t.object, byKey.get(key(t, t.subject.text, y.term.text)), (o) => o.object)) return false;
      if (surfaceKey(t.subject.text) === surfaceKey(y.term.text) && !t.subject.entityId && byKey.get(key(t, y.alias, t.object.text))?.subject.entityId) return false;
      if (surfaceKey(t.object.text) === surfaceKey(y.term.text) && !t.object.entityId && byKey.get(key(t, t.subject.text, y.alias))?.object.entityId) return false;
    }
    return true;
  });
}

/**
 * "需与吉兰-巴雷综合征鉴别，后者脑脊液有蛋白-细胞分离": 后者 is the disease named last before it in the sentence
 * (not the section topic, which 本病/其 stand for). It becomes a mention of that disease where it is written.
 */
function withLatter(view: SentenceView): SentenceView {
  if (view.lang !== 'zh' || !view.text.includes('后者')) return view;
  const added: LocalMention[] = [];
  for (const m of view.text.matchAll(/后者/g)) {
    const at = m.index ?? 0;
    if (view.mentions.some((x) => x.start <= at && x.end > at)) continue;
    const before = view.mentions.filter((x) => x.end <= at && !x.pronoun && !x.implicit && x.type === 'Disease');
    const last = before.at(-1);
    // Only where two diseases were named before it (the topic and the one compared), else 后者 of a list of signs.
    if (!last || before.length + (view.topic ? 1 : 0) < 2) continue;
    added.push({ ...last, start: at, end: at + 2, clause: clauseIndex(view.clauses, at) });
  }
  if (!added.length) return view;
  const mentions = [...view.mentions, ...added].sort((a, b) => a.start - b.start);
  let masked = view.masked;
  for (const a of added) masked = masked.slice(0, a.start) + MASK.Disease.repeat(2) + masked.slice(a.end);
  return { ...view, mentions, masked };
}

/**
 * A sentence that opens a topic states facts about it: the topic is its implicit subject, and the
 * mention the finder cut short at its start (口病 of 手足口病) is the whole name.
 */
function openedBy(view: SentenceView, topic: LocalMention, end: number | undefined): SentenceView {
  if (end === undefined) return { ...view, topic };
  // Mentions the finder saw inside the name (马蹄 + 肾 of 马蹄肾) are parts of it, not names of their own.
  const mentions = view.mentions.filter((m) => m.pronoun || m.start >= end).concat({ ...topic, start: 0, end, clause: 0, implicit: false });
  return { ...view, topic, mentions: mentions.sort((a, b) => a.start - b.start) };
}

/**
 * A mention's identity for deduplication and symmetric ordering: its entity id, else its normalised text.
 * A narrower form of a known name (早期肝硬化) keeps its text, so what is said of it stays apart from the name.
 */
function identity(m: { entry?: { id: string }; entityId?: string | null; text: string; narrower?: boolean }): string {
  if (m.narrower) return `~${surfaceKey(m.text)}`;
  const id = 'entry' in m && m.entry ? m.entry.id : 'entityId' in m ? m.entityId : null;
  return id ?? `~${surfaceKey(m.text)}`;
}

function mention(m: LocalMention, type: string): Mention & { narrower?: boolean } {
  return { text: m.text.slice(0, 80), entityId: m.entry?.id ?? null, type: m.entry ? m.entry.type : type, ...(m.narrower ? { narrower: true } : {}) };
}
