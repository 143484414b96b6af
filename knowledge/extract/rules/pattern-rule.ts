import type { EntityType } from '../../../core/index.ts';
import type { Predicate } from '../../model.ts';
import { clauseIndex, type LocalMention, MASK, type SentenceView } from './sentence-view.ts';

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
 */
export interface ArgSpec {
  side: 'left' | 'right' | 'inside' | 'clause';
  types: readonly EntityType[];
  take?: 'nearest' | 'all';
  span?: 'clause' | 'sentence';
  topic?: boolean;
  /** Mentions followed by one of these (e.g. 胸膜下: subpleural, not the pleura) are skipped. */
  notBefore?: RegExp;
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
}

export interface Proposal {
  rule: PatternRule;
  subject: LocalMention;
  object: LocalMention;
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
} as const;

/** Every proposal `rule` makes in the sentence: one per trigger match and (subject, object) pair. */
export function applyRule(rule: PatternRule, view: SentenceView): Proposal[] {
  if (!rule.subject.types.some((t) => view.types.has(t)) || !rule.object.types.some((t) => view.types.has(t))) return [];
  const out: Proposal[] = [];
  for (const m of view.masked.matchAll(rule.trigger)) {
    const trigger = { start: m.index ?? 0, end: (m.index ?? 0) + m[0].length };
    if (trigger.end === trigger.start) continue;
    const subjects = pick(view, rule.subject, trigger);
    if (!subjects.length) continue;
    const objects = pick(view, rule.object, trigger);
    for (const s of subjects) for (const o of objects) if (s !== o) out.push({ rule, subject: s, object: o, trigger });
  }
  return out;
}

const CORE: readonly EntityType[] = ['Disease', 'Sign', 'Finding'];

const TOPIC_SETTER = /^\s*(?:因此|所以|故|而|但)?(?:对于|针对|对)/;

/** Clauses that carry a list on from the previous one. */
const CONTINUES = /^\s*(?:以及|及|和|或|或者|如|例如|包括|尤其是|尤其|特别是|甚至|乃至)/;

function pick(view: SentenceView, spec: ArgSpec, trigger: { start: number; end: number }): LocalMention[] {
  const ms = view.mentions.filter((m) => spec.types.includes(m.entry.type) && !spec.notBefore?.test(view.text.slice(m.end, m.end + 16)));
  if (spec.side === 'inside') return heads(ms.filter((m) => m.start >= trigger.start && m.end <= trigger.end));
  const ci = clauseIndex(view.clauses, trigger.start);
  if (spec.side === 'clause') {
    const here = ms.filter((m) => m.clause === ci && (m.end <= trigger.start || m.start >= trigger.end));
    return here.length || spec.topic === false ? heads(here) : fallback(view, spec, ms, trigger, ci);
  }
  if (spec.side === 'left') {
    const inClause = heads(ms.filter((m) => m.end <= trigger.start && m.clause === ci));
    if (inClause.length) return spec.take === 'all' ? inClause : coordinated(view, inClause, inClause.length - 1, -1);
    return spec.topic === false ? [] : fallback(view, spec, ms, trigger, ci);
  }
  const endClause = clauseIndex(view.clauses, Math.max(trigger.start, trigger.end - 1));
  let last = endClause;
  while (!view.clauses[last].strongEnd && last < view.clauses.length - 1) {
    const next = view.clauses[last + 1];
    if (spec.span === 'clause' || (spec.span !== 'sentence' && !CONTINUES.test(view.text.slice(next.start, next.end)))) break;
    last++;
  }
  const after = heads(ms.filter((m) => m.start >= trigger.end && m.end <= view.clauses[last].end));
  return spec.take === 'nearest' ? after.slice(0, 1) : after;
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
  const before = ci > 0 && !view.clauses[ci - 1].strongEnd ? heads(ms.filter((m) => m.clause === ci - 1)) : [];
  const prev = before.length ? (spec.take === 'all' ? before : coordinated(view, before, before.length - 1, -1)) : [];
  // "对于X，推荐…": a clause that opens with 对于 sets the topic of the next one.
  if (prev.length && TOPIC_SETTER.test(view.text.slice(view.clauses[ci - 1].start))) return prev;
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
  const candidates = view.mentions.filter((m) => m.start >= from && m.end <= trigger.start);
  const same = candidates.filter((m) => spec.types.includes(m.entry.type));
  const core = spec.types.every((t) => CORE.includes(t));
  const head = core ? candidates.find((m) => CORE.includes(m.entry.type)) : same[0];
  if (!head || !spec.types.includes(head.entry.type)) return [];
  return coordinated(view, same, same.indexOf(head), 1);
}

const COORDINATOR = /^\s*(?:、|和|与|及|以及|或|或者|伴有?|\/|and|or|,)?\s*$/i;

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
