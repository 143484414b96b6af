import type { EntityType } from '../../../core/index.ts';
import type { Predicate } from '../../model.ts';
import { clauseIndex, type LocalMention, MASK, MASK_OPEN, type SentenceView } from './sentence-view.ts';

/**
 * Where a rule finds an argument, relative to its trigger match:
 * - `left`: before the trigger. `nearest` takes the closest fitting mention in the trigger's clause
 *   (with the mentions coordinated with it: "结核球和炎性假瘤也可出现…"); `all` every fitting mention
 *   of the clause before the trigger ("A、B和C是X的典型表现"). When the clause has none, the
 *   argument comes from the clause before, else the topic of the sentence (see `fallback`), unless
 *   `topic: false`.
 * - `right`: every fitting mention after the trigger to the clause end, continuing into following
 *   clauses that carry the list on ("，以及…", "，如…"); `nearest` takes the first only.
 *   `span: 'clause'` stops at the clause end; `span: 'sentence'` runs on to the next semicolon or
 *   the sentence end.
 * - `inside`: fitting mentions within the match itself ("是X的典型表现", "与X、Y鉴别").
 * - `clause`: every fitting mention of the trigger's clause, on either side (an exam and the
 *   diseases it is said to show: "MRI对胆囊结石的敏感性与超声相当"); the topic when there is none.
 *
 * A mention fits when its type is one of `types`. A mention outside the lexicon fits by its guessed
 * type, or by a type in `accept` (a disease named among symptoms fills a sign slot), or — when its head
 * shows no type — any argument that is not a disease (names of diseases have recognisable heads; drug,
 * test and symptom names often do not). When a `left` argument finds nothing in the sentence, the
 * section topic fills a disease argument (the implicit subject of textbook prose), unless `topic: false`.
 */
export interface ArgSpec {
  side: 'left' | 'right' | 'inside' | 'clause';
  types: readonly EntityType[];
  /** `last`: the right-most fitting mention of the clause, only when it ends the clause (a copula's complement). */
  take?: 'nearest' | 'all' | 'last';
  span?: 'clause' | 'sentence';
  topic?: boolean;
  /** Mentions followed by one of these (e.g. 胸膜下: subpleural, not the pleura) are skipped. */
  notBefore?: RegExp;
  /** Guessed types an open mention may have and still fill this argument (it takes the argument's type). */
  accept?: readonly EntityType[];
  /** Lexicon names of an `accept` type fill it too, keeping their own type (肾积水, a finding, as a complication). */
  acceptKnown?: boolean;
  /** A phrase with no known head may fill this argument though it is on the trigger's left (the subject of "…是治疗X的首选药物"). */
  open?: boolean;
  /** Only lexicon names fill this argument (wording too loose to trust with a guessed name). */
  lexiconOnly?: boolean;
  /** A phrase outside the lexicon fills this argument only when its head shows a type (loose wording: 可见, 出现). */
  headed?: boolean;
}

export interface PatternRule {
  /** Stable id, e.g. `has_sign.zh.manifests`. */
  id: string;
  predicate: Predicate;
  /** Matched against the masked sentence (see MASK); needs the `g` flag. */
  trigger: RegExp;
  subject: ArgSpec;
  object: ArgSpec;
  confidence: number;
  /**
   * `section`: only in text with a section topic; `sentence`: only without one. Some wordings mean
   * different things in a textbook section than in a lone sentence ("CT可显示X": in a section about a
   * disease, CT examines that disease).
   */
  context?: 'section' | 'sentence';
  /**
   * Skip a match inside a relative clause of a copula's complement ("X是…导致胰酶激活…的炎症反应"):
   * the clause describes the complement, it does not state a relation of its own.
   */
  notInRelative?: boolean;
}

export interface Proposal {
  rule: PatternRule;
  subject: LocalMention;
  object: LocalMention;
  /** The entity types the two arguments take in this relation (a guess for open mentions). */
  subjectType: EntityType;
  objectType: EntityType;
  trigger: { start: number; end: number };
}

/** Placeholder classes for writing triggers: `${T.D}` is "one character of a disease name". */
export const T = {
  D: MASK.Disease,
  S: MASK.Sign,
  F: MASK.Finding,
  A: MASK.Anatomy,
  M: MASK.Modality,
  E: MASK.Exam,
  Tr: MASK.Treatment,
  Dr: MASK.Drug,
  P: MASK.Procedure,
  St: MASK.Stage,
  O: MASK_OPEN,
} as const;

/** The type an argument of `spec` gives mention `m`, or null when `m` does not fit it. */
export function typeIn(spec: ArgSpec, m: LocalMention): EntityType | null {
  if (spec.lexiconOnly && (m.open || m.pronoun || m.implicit)) return null;
  if (m.pronoun || m.implicit) return spec.types.includes('Disease') ? 'Disease' : null;
  if (spec.headed && m.open && !m.type) return null;
  if (m.type && spec.types.includes(m.type)) return m.type;
  if (!m.open) return spec.acceptKnown && m.type && spec.accept?.includes(m.type) ? m.type : null;
  if (m.type) return spec.accept?.includes(m.type) ? fallbackType(spec) : null;
  // Diseases, sites and stages have recognisable heads; a phrase without one is at most a symptom, drug or
  // test, and only where a trigger points at it (after or inside it), not as a subject found to its left.
  if ((spec.side === 'left' || spec.side === 'clause') && !spec.open) return null;
  return spec.types.some((t) => t === 'Disease' || t === 'Anatomy' || t === 'Stage') ? null : fallbackType(spec);
}

/** The type an open mention takes in an argument that does not list its guess: symptoms, treatments, tests. */
function fallbackType(spec: ArgSpec): EntityType {
  for (const t of ['Finding', 'Disease', 'Treatment', 'Exam', 'Anatomy', 'Stage'] as const) if (spec.types.includes(t)) return t;
  return spec.types[0];
}

/** Every proposal `rule` makes in the sentence: one per trigger match and (subject, object) pair. */
export function applyRule(rule: PatternRule, view: SentenceView): Proposal[] {
  if (!mayApply(rule.subject, view, true) || !mayApply(rule.object, view, false)) return [];
  if ((rule.context === 'section' && !view.topic) || (rule.context === 'sentence' && view.topic)) return [];
  const out: Proposal[] = [];
  for (const m of view.masked.matchAll(rule.trigger)) {
    const trigger = { start: m.index ?? 0, end: (m.index ?? 0) + m[0].length };
    if (trigger.end === trigger.start) continue;
    if (rule.notInRelative && inRelativeClause(view, trigger)) continue;
    const subjects = pick(view, rule.subject, trigger);
    if (!subjects.length) continue;
    const objects = pick(view, rule.object, trigger);
    for (const s of subjects) {
      for (const o of objects) {
        if (s === o) continue;
        const subjectType = typeIn(rule.subject, s);
        const objectType = typeIn(rule.object, o);
        if (subjectType && objectType) out.push({ rule, subject: s, object: o, subjectType, objectType, trigger });
      }
    }
  }
  return out;
}

/** The trigger sits between a copula and the 的 that closes the complement it describes. */
function inRelativeClause(view: SentenceView, trigger: { start: number; end: number }): boolean {
  const c = view.clauses[clauseIndex(view.clauses, trigger.start)];
  return /(?:是|为|系|指)[^，。；]*$/.test(view.masked.slice(c.start, trigger.start)) && /^[^，。；]*的/.test(view.masked.slice(trigger.end, c.end));
}

/** Whether the sentence can hold an argument of `spec` at all (a cheap test before matching triggers). */
function mayApply(spec: ArgSpec, view: SentenceView, subject: boolean): boolean {
  if (spec.types.some((t) => view.types.has(t))) return true;
  if (view.hasUntyped && !spec.types.some((t) => t === 'Disease' || t === 'Anatomy' || t === 'Stage')) return true;
  if (spec.accept?.some((t) => view.types.has(t))) return true;
  if (!view.topic || !spec.types.includes('Disease')) return false;
  return (subject && spec.side === 'left' && spec.topic !== false) || ((spec.side === 'inside' || spec.side === 'right') && spec.topic === true);
}

const CORE: readonly EntityType[] = ['Disease', 'Sign', 'Finding'];

const POPULATION = /者|患者|病人|儿童|孕妇|人群|成人|老年人/;

/** Wording after which a clause lists what something shows or includes: the names after it are no subject. */
const LISTED = /(?:表现为|为|是|可见|见|伴|出现|包括|有|呈)/;

/** Wording by which a clause brings in a new disease as its result. */
const RESULTS_IN = /(?:引起|导致|并发|发展为|进展为|演变为|继发)[^，。；]*$/;

const TOPIC_SETTER = /^\s*(?:因此|所以|故|而|但)?(?:对于|针对|对)/;

/** An English clause that is only a list item ("…presents with fever, headache and a dry cough"): no verb of its own. */
const EN_LIST_ITEM = /^(?!.*\b(?:is|are|was|were|be|been|may|can|should|will|has|have|had|presents?|shows?|requires?|occurs?|leads?|causes?)\b)\s*[A-Za-z0-9\-' ]{1,60}[.!]?\s*$/i;

/** The end of a condition clause inside a clause ("…感染时可有…"): 时 before the main clause's modal or verb. */
const CONDITION_END = /时(?=[，,]?\s*(?:可|常|多|则|应|需|易|会|即|出现|有|表现|伴))/;

/** Clauses that carry a list on from the previous one. */
const CONTINUES = /^\s*(?:以及|及|和|或|或者|如|例如|包括|尤其是|尤其|特别是|甚至|乃至|其次为|其次是|其次|还有|另有|而非|而不是)/;

function pick(view: SentenceView, spec: ArgSpec, trigger: { start: number; end: number }): LocalMention[] {
  const found = pickInSentence(view, spec, trigger);
  if (found.length || !view.topic || !spec.types.includes('Disease')) return found;
  if (spec.side === 'inside') return spec.topic === true ? [view.topic] : found;
  if (spec.side === 'right') return spec.topic === true ? [view.topic] : found;
  if (spec.side !== 'left' || spec.topic === false) return found;
  // A disease, sign or finding named before the trigger is what the clause is about, not the section topic,
  // unless the clause is about a group of patients ("出血较多者可行…": patients with the topic disease).
  const ci = clauseIndex(view.clauses, trigger.start);
  const before = view.text.slice(view.clauses[ci].start, trigger.start);
  if (!POPULATION.test(before) && view.mentions.some((m) => m.clause === ci && m.end <= trigger.start && !m.pronoun && m.type && CORE.includes(m.type))) return found;
  return [view.topic];
}

function pickInSentence(view: SentenceView, spec: ArgSpec, trigger: { start: number; end: number }): LocalMention[] {
  const ms = view.mentions.filter((m) => typeIn(spec, m) !== null && !spec.notBefore?.test(view.text.slice(m.end, m.end + 16)));
  if (spec.side === 'inside') return heads(ms.filter((m) => m.start >= trigger.start && m.end <= trigger.end));
  const ci = clauseIndex(view.clauses, trigger.start);
  if (spec.side === 'clause') {
    const here = ms.filter((m) => m.clause === ci && (m.end <= trigger.start || m.start >= trigger.end));
    return here.length || spec.topic === false ? heads(here) : fallback(view, spec, ms, trigger, ci);
  }
  if (spec.side === 'left') {
    const inClause = heads(ms.filter((m) => m.end <= trigger.start && m.clause === ci));
    if (inClause.length) return spec.take === 'all' ? inClause : coordinated(view, inClause, inClause.length - 1, -1);
    // A clause about a group of patients ("激素受体阳性者需行…") is about the section's disease, not the clause before.
    if (POPULATION.test(view.text.slice(view.clauses[ci].start, trigger.start))) return [];
    return spec.topic === false ? [] : fallback(view, spec, ms, trigger, ci);
  }
  const endClause = clauseIndex(view.clauses, Math.max(trigger.start, trigger.end - 1));
  let last = endClause;
  while (!view.clauses[last].strongEnd && last < view.clauses.length - 1) {
    const next = view.clauses[last + 1];
    const nextText = view.text.slice(next.start, next.end);
    // A colon opens the list it announces ("表现为Beck三联征：低血压、颈静脉怒张和心音遥远").
    const announces = /[：:]/.test(view.text[view.clauses[last].end] ?? '');
    if (spec.span === 'clause' || (spec.span !== 'sentence' && !announces && !(spec.types.includes('Finding') && bareItem(view, last + 1)) && !CONTINUES.test(nextText) && !(view.lang === 'en' && EN_LIST_ITEM.test(nextText)))) break;
    last++;
  }
  // "继发感染时可有发热、咳嗽": the condition (…时) ends what the trigger names; the main clause says something else.
  const condition = CONDITION_END.exec(view.text.slice(trigger.end, view.clauses[endClause].end));
  let until = condition ? trigger.end + condition.index + 1 : view.clauses[last].end;
  // "presents with night pain that is relieved by aspirin": a relative clause says something of the item before it.
  const relative = view.lang === 'en' ? /\b(?:that|which|who|whose)\b/i.exec(view.text.slice(trigger.end, until)) : null;
  if (relative) until = trigger.end + relative.index;
  const after = heads(ms.filter((m) => m.start >= trigger.end && m.end <= until));
  if (spec.take === 'last') {
    const tail = after.at(-1);
    return tail && /^[\s”"」』）)]*$/.test(view.text.slice(tail.end, view.clauses[endClause].end)) ? [tail] : [];
  }
  return spec.take === 'nearest' ? after.slice(0, 1) : after;
}

/**
 * A clause that is only a list item — names and a few words of place or number, no verb of its own
 * ("可见胆囊壁增厚，壁内多个低密度结节，黏膜线连续") — carries on the list of the clause before.
 */
function bareItem(view: SentenceView, ci: number): boolean {
  const c = view.clauses[ci];
  if (!c || view.lang !== 'zh' || !view.mentions.some((m) => m.clause === ci && !m.pronoun && !m.implicit)) return false;
  const rest = view.masked.slice(c.start, c.end).replace(/[\uE001-\uE00B“”"'\s]/g, '');
  // Verbs and copulas anywhere in it, names included (可向近端扩展, 简称内异症, 症状消失), make it a statement.
  return rest.length <= 4 && !/[是为有可见呈伴无需应行致使于称即由]|消失|缓解|减轻|好转|诱发|加重/.test(view.text.slice(c.start, c.end));
}

/** Of two fitting names written together ("肺癌脑转移"), the first modifies the second: keep the head. */
function heads(list: LocalMention[]): LocalMention[] {
  return list.filter((m, i) => !(list[i + 1] && list[i + 1].start === m.end));
}

/**
 * An argument from outside the trigger's clause: the topic of the segment when it fits, else the
 * nearest fitting mention of the clause just before, with what is coordinated with it
 * ("胆囊结石伴墨菲征及胆囊壁增厚，对…具有诊断价值": the topic is a disease, the signs are next door).
 */
function fallback(view: SentenceView, spec: ArgSpec, ms: LocalMention[], trigger: { start: number }, ci: number): LocalMention[] {
  // In a section, only what the clause before is about, not what it lists ("特征性体征为焦痂和溃疡，常伴发热…":
  // 溃疡 is no subject; the section's disease is).
  const listed = (m: LocalMention) => !!view.topic && LISTED.test(view.masked.slice(view.clauses[ci - 1].start, m.start));
  const before = ci > 0 && !view.clauses[ci - 1].strongEnd && !causeClause(view, ci - 1) ? heads(ms.filter((m) => m.clause === ci - 1 && !listed(m))) : [];
  const prev = before.length ? (spec.take === 'all' ? before : coordinated(view, before, before.length - 1, -1)) : [];
  // "对于X，推荐…": a clause that opens with 对于 sets the topic of the next one.
  if (prev.length && TOPIC_SETTER.test(view.text.slice(view.clauses[ci - 1].start))) return prev;
  // "恶性疟可引起脑型疟，表现为…": the disease a clause ends on by causing it is what the next clause describes.
  const last = before.at(-1);
  if (last && last.type === 'Disease' && RESULTS_IN.test(view.masked.slice(view.clauses[ci - 1].start, last.start)) && /^\s*$/.test(view.text.slice(last.end, view.clauses[ci - 1].end))) return [last];
  const t = topic(view, spec, trigger, ci);
  return t.length ? t : prev;
}

/**
 * The topic of the trigger's segment (the clauses since the last semicolon), with what is coordinated
 * with it ("流感病毒肺炎：表现为…"). For a disease/sign/finding argument it is the segment's first
 * disease, sign or finding, and when that is of another type there is no argument: a sign in a
 * sentence about a disease is not what "…提示Y" is said of. For other arguments (an exam, a
 * treatment) it is the first fitting mention.
 */
function topic(view: SentenceView, spec: ArgSpec, trigger: { start: number }, ci: number): LocalMention[] {
  let first = ci;
  while (first > 0 && !view.clauses[first - 1].strongEnd) first--;
  const from = view.clauses[first].start;
  const candidates = view.mentions.filter((m) => m.start >= from && m.end <= trigger.start && !causeClause(view, m.clause));
  // A segment that opens with a drug or a test ("硫酸镁是治疗子痫的首选药物，降压可选用…") has no disease topic of its own.
  if (candidates[0] && !(candidates[0].type && CORE.includes(candidates[0].type)) && !candidates[0].pronoun) return [];
  const same = candidates.filter((m) => typeIn(spec, m) !== null);
  const core = spec.types.every((t) => CORE.includes(t));
  // A segment that names a disease is about that disease, though a symptom comes first ("左下腹痛…应考虑结肠憩室炎").
  const disease = spec.types.includes('Disease') ? candidates.find((m) => m.type === 'Disease') : undefined;
  const head = disease ?? (core ? candidates.find((m) => m.type !== null && CORE.includes(m.type)) : same[0]);
  if (!head || typeIn(spec, head) === null) return [];
  return coordinated(view, same, same.indexOf(head), 1);
}

/**
 * A clause that gives the cause of what follows ("由于反常栓塞，可发生脑脓肿和脑梗死") names a mechanism, not
 * what the next clause is said of: the subject there is the section's disease.
 */
function causeClause(view: SentenceView, ci: number): boolean {
  const c = view.clauses[ci];
  return !!c && /^\s*(?:由于|因为)/.test(view.text.slice(c.start, c.end));
}

const COORDINATOR = /^\s*(?:、|和|与|及|以及|或|或者|伴有?|加|并|\/|and|or|,)?\s*$/i;

/** `list[at]` and the mentions coordinated with it ("结核球和炎性假瘤"), walking in direction `dir`. */
function coordinated(view: SentenceView, list: LocalMention[], at: number, dir: -1 | 1): LocalMention[] {
  const out = [list[at]];
  for (let i = at + dir; i >= 0 && i < list.length; i += dir) {
    const [a, b] = dir < 0 ? [list[i], list[i + 1]] : [list[i - 1], list[i]];
    if (!COORDINATOR.test(view.masked.slice(a.end, b.start))) break;
    out.push(list[i]);
  }
  return out;
}
