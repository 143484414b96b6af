import type { ToolEvidence } from '../tools/tool.ts';
import { isCue, type Scored, scoreUnits, type TopicTerm, topicCoverage, topicWeight } from './answer-units-score.ts';
import { type Unit, unitsOf } from './answer-units.ts';
import type { Intent, QuestionIntent } from './question-intent.ts';

type ChunkEvidence = Extract<ToolEvidence, { kind: 'chunk' }>;
type RelationEvidence = Extract<ToolEvidence, { kind: 'relation' }>;

export interface QueryTerm {
  /** The term's surface and its synonyms. */
  surfaces: string[];
  weight: number;
}

export interface ExtractiveInput {
  question: string;
  intent: QuestionIntent;
  /** Query terms from the search (surface, synonyms, weight). */
  terms: QueryTerm[];
  /** Every passage the search returned, in rank order (relevant or not: the engine judges). */
  passages: ChunkEvidence[];
  /** Approved relations of the entities the question names. */
  facts: RelationEvidence[];
  /** Those entities (graph lookup), with their types. */
  entities: Array<{ id: string; type: string }>;
  /** How well each passage's section headings name the question (section_lookup), by chunk id. */
  sectionMatch?: ReadonlyMap<string, number>;
}

/** What the extractive engine will say: quote these units (and facts), admit it has no direct answer, or refuse. */
export interface ExtractivePlan {
  kind: 'answer' | 'partial' | 'refuse';
  units: Scored[];
  facts: RelationEvidence[];
  /**
   * Tables to read whole (the caller may fetch them with the table_rows tool and plan again): a small table
   * the answer quotes some rows of, or a table a passage on the topic cites (「见表 10-1」). `after`: the
   * passage that led to it, after which the fetched rows rank.
   */
  expand: Array<{ input: { chunkId: string } | { sourceId: string; table: string }; after: string }>;
  /** Why it refuses (for the log and tests): no passage on the topic, or a code the knowledge base never mentions. */
  reason?: string;
}

/** A passage is on the topic when at least this share of the topic's weight occurs in it (text and headings). */
const PASSAGE_TOPIC = 0.5;
/** A unit answers when it holds what the intent asks for and this much of the topic (with its headings). */
const UNIT_TOPIC = 0.5;
/** Without any unit holding what was asked, passages this close to the topic are still shown (labelled as such). */
const PARTIAL_TOPIC = 0.75;
/** Units scoring below this share of the best are tangents. */
const KEEP_SHARE = 0.6;
const SMALL_TABLE = 8;
const FACTS = 3;
const CJK = /[\u3400-\u9fff]/;

/** Predicates that answer each intent; threshold questions are answered by numbers, never by triples. */
const PREDICATES: Record<Intent, string[] | 'any'> = {
  signs: ['has_sign', 'suggests'],
  differential: ['differential_of'],
  treatment: ['treated_by'],
  exam: ['examined_by'],
  staging: ['staged_by', 'subtype_of'],
  definition: ['subtype_of'],
  threshold: [],
  general: 'any',
};
/** Entity types a question is about (a modality or body part named in passing is not the topic). */
const TOPIC_TYPES = new Set(['Disease', 'Sign', 'Finding', 'Stage', 'Treatment', 'Procedure', 'Drug', 'Classification']);

/** Codes and names the question depends on: ASCII words with capitals or digits (TI-RADS, BI-RADS 4, McDonald, T2bN0M0). */
export function requiredCodes(question: string): string[] {
  const q = question.normalize('NFKC');
  const chinese = CJK.test(q);
  const words = [...q.matchAll(/[A-Za-z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*/g)].map((m) => ({ w: m[0], at: m.index ?? 0 }));
  return words
    .filter(({ w, at }) => {
      if (w.length < 2) return false;
      const caps = (w.match(/[A-Z]/g) ?? []).length;
      if (chinese) return w.length >= 3 || caps >= 2;
      return caps >= 2 || /\d/.test(w) || w.includes('-') || (caps === 1 && /^[A-Z]/.test(w) && at > 0 && !/^(?:What|Which|How|When|Why|Is|Are|Does|Do|Should|Can|CT|I)$/.test(w));
    })
    .map(({ w }) => w);
}

/** Whether a code occurs in the text: whole, or (a TNM string such as T2bN0M0) part by part. */
export function codeFound(code: string, text: string): boolean {
  const t = text.toLowerCase();
  if (t.includes(code.toLowerCase())) return true;
  const parts = code.match(/[TNM](?:[0-4][a-c]?|is|x|mi)/gi);
  return !!parts && parts.join('') === code && parts.every((p) => t.includes(p.toLowerCase()));
}

const passageText = (p: ChunkEvidence) => `${p.title} ${(p.headingPath ?? []).join(' ')} ${p.table?.caption ?? ''} ${p.text}`;

/** The question's codes that none of the passages mentions. */
export function missingCodes(question: string, passages: ChunkEvidence[]): string[] {
  const haystack = passages.map(passageText).join('\n');
  return requiredCodes(question).filter((c) => !codeFound(c, haystack));
}

function topicTerms(terms: QueryTerm[], crossLanguage: boolean): TopicTerm[] {
  return terms
    .filter((t) => t.weight > 0 && !isCue(t.surfaces[0] ?? ''))
    .filter((t) => !crossLanguage || t.surfaces.some((s) => CJK.test(s)))
    .map((t) => ({ surfaces: t.surfaces, weight: topicWeight(t.surfaces[0] ?? '', t.weight) }));
}

/**
 * Choose what to quote. Passages on the question's topic (headings count: a table row sits under
 * 「10.2 偶发实性结节的随访间隔」) are cut into sentences, list items and table rows; the units that hold
 * what the intent asks for — numbers for a threshold, stage codes for staging, signs, contrasts, a
 * treatment, an examination, a definition — and the topic are kept, best first. A list introduced by a
 * kept sentence comes whole; a small table comes whole. Graph facts are kept only when they touch an
 * entity the question is about and carry a predicate that answers it.
 */
export function planExtractive(input: ExtractiveInput): ExtractivePlan {
  const { intent } = input;
  const none: ExtractivePlan = { kind: 'refuse', units: [], facts: [], expand: [] };
  const missing = missingCodes(input.question, input.passages);
  if (missing.length) return { ...none, reason: `not in the knowledge base: ${missing.join(', ')}` };

  const crossLanguage = !CJK.test(input.question);
  const topic = topicTerms(input.terms, crossLanguage);
  const onTopic = input.passages.filter((p) => topicCoverage(passageText(p), topic) >= PASSAGE_TOPIC);
  if (!onTopic.length) return { ...none, reason: 'no passage on the topic' };

  const units = onTopic.flatMap((p) => unitsOf(p, input.passages.indexOf(p)));
  const outline = LIST_INTENTS.has(intent.intent) ? outlineOf(onTopic, input.sectionMatch) : new Set<string>();
  const scored = scoreUnits(units, intent.intents, topic, input.sectionMatch, outline);
  const answering = scored.filter((s) => s.slot && s.topic >= UNIT_TOPIC).sort((a, b) => b.score - a.score);
  const facts = relevantFacts(input);
  if (!answering.length) {
    const close = scored.filter((s) => s.topic >= PARTIAL_TOPIC).sort((a, b) => b.score - a.score).slice(0, 2);
    return close.length ? { kind: 'partial', units: close, facts, expand: [] } : { ...none, reason: 'no passage holds what was asked' };
  }
  const chosen = pick(answering, scored, intent.intent, outline.size > 0);
  return { kind: 'answer', units: chosen, facts, expand: [...citedTables(onTopic, input.passages), ...incompleteTables(chosen, scored)].slice(0, 2) };
}

/** 「见表 10-1」 in a passage on the topic, when no row of that table is among the passages. */
function citedTables(onTopic: ChunkEvidence[], passages: ChunkEvidence[]): ExtractivePlan['expand'] {
  const out: ExtractivePlan['expand'] = [];
  for (const p of onTopic) {
    if (p.table || !p.chunkId) continue;
    for (const m of p.text.matchAll(/见表\s*(\d{1,2}(?:[-–.]\d{1,2})?)/g)) {
      const label = `表 ${m[1]}`;
      const present = passages.some((x) => x.sourceId === p.sourceId && x.table?.caption?.replace(/\s+/g, '').startsWith(label.replace(/\s+/g, '')));
      if (!present && !out.some((o) => 'table' in o.input && o.input.table === label)) out.push({ input: { sourceId: p.sourceId, table: label }, after: p.chunkId });
    }
  }
  return out;
}

/** Small tables the answer quotes only some rows of. */
function incompleteTables(chosen: Scored[], scored: Scored[]): ExtractivePlan['expand'] {
  const byTable = new Map<string, Unit>();
  for (const s of chosen) if (s.unit.row && s.unit.row.table.tableRows <= SMALL_TABLE && !byTable.has(tableKey(s.unit))) byTable.set(tableKey(s.unit), s.unit);
  return [...byTable.values()]
    .filter((u) => tableRowsPresent(scored, u) < (u.row?.table.tableRows ?? 0))
    .map((u) => ({ input: { chunkId: u.evidence.chunkId as string }, after: u.evidence.chunkId as string }));
}

const LIST_INTENTS = new Set<Intent>(['signs', 'staging', 'differential']);

function tableKey(u: Unit): string {
  return `${u.evidence.sourceId}|${u.row?.table.caption ?? ''}|${u.row?.table.header.join('|')}`;
}

function tableRowsPresent(scored: Scored[], u: Unit): number {
  const key = tableKey(u);
  return new Set(scored.filter((s) => s.unit.row && tableKey(s.unit) === key).map((s) => s.unit.row?.table.rowStart)).size;
}

/**
 * The passages that are subsections of one section the question names (three or more siblings under a
 * parent heading section_lookup matched): their opening sentences list the answer (a sign per subsection).
 */
function outlineOf(passages: ChunkEvidence[], sectionMatch: ReadonlyMap<string, number> = new Map()): Set<string> {
  const groups = new Map<string, ChunkEvidence[]>();
  for (const p of passages) {
    const path = p.headingPath ?? [];
    if (path.length < 2 || (sectionMatch.get(p.chunkId ?? '') ?? 0) < 0.75) continue;
    const key = `${p.sourceId}|${path.slice(0, -1).join('›')}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const out = new Set<string>();
  for (const g of groups.values()) if (new Set(g.map((p) => p.headingPath?.at(-1))).size >= 3) for (const p of g) out.add(p.chunkId ?? '');
  return out;
}

function pick(answering: Scored[], all: Scored[], intent: Intent, outlined: boolean): Scored[] {
  const list = LIST_INTENTS.has(intent);
  const max = list ? 10 : 6;
  const perPassage = list ? (outlined ? 2 : 6) : 3;
  const best = answering[0].score;
  const kept: Scored[] = [];
  const count = new Map<ChunkEvidence, number>();
  const take = (s: Scored) => {
    if (kept.includes(s)) return;
    kept.push(s);
    count.set(s.unit.evidence, (count.get(s.unit.evidence) ?? 0) + 1);
  };
  for (const s of answering) {
    if (kept.length >= max) break;
    if (s.score < best * KEEP_SHARE) break;
    if (!s.unit.row && (count.get(s.unit.evidence) ?? 0) >= perPassage) continue;
    take(s);
    // A sentence that opens a list (「…具有以下任一特征：」) brings its items; for list questions an item brings
    // the sibling items that also name the topic.
    if (s.unit.intro || (list && !outlined && s.unit.kind === 'item')) {
      const siblings = all.filter(
        (x) => x.unit.evidence === s.unit.evidence && x.unit.kind === 'item' && x.unit.index > (s.unit.intro ? s.unit.index : -1) && (s.unit.intro || x.own > 0),
      );
      for (const x of siblings.slice(0, 8)) take(x);
    }
  }
  // A small table is shown whole (every row the engine has); a large one in the rows naming most of the topic.
  for (const s of [...kept]) {
    if (!s.unit.row) continue;
    const rows = all.filter((x) => x.unit.row && tableKey(x.unit) === tableKey(s.unit));
    if (s.unit.row.table.tableRows <= SMALL_TABLE) for (const x of rows) take(x);
    else {
      const best = Math.max(...rows.filter((x) => kept.includes(x)).map((x) => x.own));
      for (const x of rows) if (kept.includes(x) && x.own < best) kept.splice(kept.indexOf(x), 1);
    }
  }
  return kept;
}

function relevantFacts(input: ExtractiveInput): RelationEvidence[] {
  const allowed = new Set(input.intent.intents.flatMap((i) => (PREDICATES[i] === 'any' ? ['*'] : (PREDICATES[i] as string[]))));
  if (!allowed.size) return [];
  const anchors = new Set(input.entities.filter((e) => TOPIC_TYPES.has(e.type)).map((e) => e.id));
  return input.facts
    .filter((f) => (f.subjectId && anchors.has(f.subjectId)) || (f.objectId && anchors.has(f.objectId)))
    .filter((f) => allowed.has('*') || (f.predicateKey !== undefined && allowed.has(f.predicateKey)))
    .slice(0, FACTS);
}
