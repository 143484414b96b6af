import type { ToolEvidence } from '../tools/tool.ts';
import { containsTerm, isCue, type Scored, scoreUnits, type TopicTerm, topicCoverage, topicWeight } from './answer-units-score.ts';
import { type Unit, unitsOf } from './answer-units.ts';
import { type Intent, isIntentWord, type QuestionIntent } from './question-intent.ts';

type ChunkEvidence = Extract<ToolEvidence, { kind: 'chunk' }>;
type RelationEvidence = Extract<ToolEvidence, { kind: 'relation' }>;

export interface QueryTerm {
  /** The term's surface and its synonyms. */
  surfaces: string[];
  weight: number;
  /** The search lexeme (`#dis.…` for a lexicon entity). */
  lexeme?: string;
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
const KEEP_SHARE = 0.7;
const SMALL_TABLE = 12;
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
  clinical: ['has_sign'],
  diagnosis: ['examined_by'],
  followup: [],
  cause: [],
  complication: ['complication_of'],
  prognosis: [],
  threshold: [],
  list: [],
  general: 'any',
};
/** Entity types a question is about (a modality or body part named in passing is not the topic). */
const TOPIC_TYPES = new Set(['Disease', 'Sign', 'Finding', 'Stage', 'Treatment', 'Procedure', 'Drug', 'Classification']);

/**
 * Codes and names the question depends on: ASCII words with capitals or digits (TI-RADS, BI-RADS 4, McDonald,
 * T2bN0M0); in a Chinese question, an English phrase of two or more words is one term (「CT angiogram sign」).
 */
export function requiredCodes(question: string): string[] {
  const q = question.normalize('NFKC');
  const chinese = CJK.test(q);
  if (chinese) {
    const phrases = [...q.matchAll(/[A-Za-z][A-Za-z0-9-]*(?: [A-Za-z][A-Za-z0-9-]*)+/g)].map((m) => m[0]);
    const rest = phrases.reduce((acc, p) => acc.replace(p, ' '), q);
    return [...phrases, ...singleCodes(rest, true)];
  }
  return singleCodes(q, false);
}

function singleCodes(q: string, chinese: boolean): string[] {
  const words = [...q.matchAll(/[A-Za-z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*/g)].map((m) => ({ w: m[0], at: m.index ?? 0 }));
  return words
    .filter(({ w, at }) => {
      if (w.length < 2) return false;
      const caps = (w.match(/[A-Z]/g) ?? []).length;
      if (chinese) return w.length >= 3 || caps >= 2;
      return caps >= 2 || /\d/.test(w) || (caps > 0 && w.includes('-')) || (caps === 1 && /^[A-Z]/.test(w) && at > 0 && !/^(?:What|Which|How|When|Why|Is|Are|Does|Do|Should|Can|CT|I)$/.test(w));
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

/** The question's codes that at most one passage mentions (worth a search of their own). */
export function rareCodes(question: string, passages: ChunkEvidence[]): string[] {
  return requiredCodes(question).filter((c) => passages.filter((p) => codeFound(c, passageText(p))).length <= 1);
}

function topicTerms(terms: QueryTerm[], crossLanguage: boolean, question: string): TopicTerm[] {
  const out: TopicTerm[] = terms
    .filter((t) => t.weight > 0 && !isCue(t.surfaces[0] ?? ''))
    .map((t) => {
      const caps = !t.lexeme?.startsWith('#') && isCapsCode(t.surfaces[0] ?? '', question);
      const code = caps || /^[a-z]{1,3}\d{1,2}[a-c]?$/i.test(t.surfaces[0] ?? '');
      // A word that only says what is asked (临床表现, 随访, 分型) narrows the topic a little; alone it is never the
      // topic — a sentence about another disease's 临床表现 does not answer 「前列腺癌的临床表现」.
      const asked = !t.lexeme?.startsWith('#') && isIntentWord(t.surfaces[0] ?? '');
      return { surfaces: t.surfaces, weight: caps ? 2 : asked ? 0.5 : topicWeight(t.surfaces[0] ?? '', t.weight, t.lexeme), code, asked };
    })
    // Across languages only the lexicon's entities (their Chinese names) and codes, which every language writes
    // alike (T2, M1b, BI-RADS 4), meet the passage; the question's other English words never occur in it.
    .filter((t) => !crossLanguage || t.code || t.surfaces.some((s) => CJK.test(s)));
  // Capital letters the search drops (a single 「L」 of 「L区」) still name what is asked.
  const known = new Set(out.flatMap((t) => t.surfaces.map((x) => x.toLowerCase())));
  for (const m of question.normalize('NFKC').matchAll(/(?<![A-Za-z])[A-Z]{1,4}\d?(?![A-Za-z])/g)) {
    if (!known.has(m[0].toLowerCase()) && CJK.test(question)) out.push({ surfaces: [m[0]], weight: 2, code: true });
  }
  return out;
}

/** A term outside the lexicon the question writes in capitals (IC, L): a code naming exactly what is asked. */
function isCapsCode(surface: string, question: string): boolean {
  if (!/^[a-z][a-z0-9-]*$/i.test(surface)) return false;
  const m = new RegExp(`(?<![A-Za-z])${surface.replace(/[-]/g, '\\-')}(?![A-Za-z])`, 'i').exec(question);
  return !!m && /^[A-Z][A-Z0-9-]*$/.test(m[0]);
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

  // An English question over a Chinese passage meets it only through the lexicon's entities (their Chinese names).
  const englishQuestion = !CJK.test(input.question);
  const topicFor = (p: ChunkEvidence) => topicTerms(input.terms, englishQuestion && CJK.test(p.text), input.question);
  const onTopic = input.passages.filter((p) => topicCoverage(passageText(p), topicFor(p)) >= PASSAGE_TOPIC);
  if (!onTopic.length) return { ...none, reason: 'no passage on the topic' };

  const outline = LIST_INTENTS.has(intent.intent) ? outlineOf(onTopic, input.sectionMatch) : new Set<string>();
  const scored = onTopic.flatMap((p) => scoreUnits(unitsOf(p, input.passages.indexOf(p)), intent.intents, topicFor(p), input.sectionMatch, outline));
  // A unit answers when it holds what was asked, on the topic, in its own words or by where it stands (a table row,
  // a subsection of a section the question names); a sentence that only sits near the topic does not.
  const structural = (s: Scored) => !!s.unit.row || (input.sectionMatch?.get(s.unit.evidence.chunkId ?? '') ?? 0) >= 0.75 || outline.has(s.unit.evidence.chunkId ?? '');
  const asked = modalitiesIn(input.question);
  const answering = scored
    .filter((s) => s.slot && s.topic >= UNIT_TOPIC && !s.meta && (s.own > 0 || s.subject >= UNIT_TOPIC || structural(s)))
    .filter((s) => !otherModality(asked, `${s.unit.context} ${s.unit.text}`))
    .sort((a, b) => b.score - a.score);
  const facts = relevantFacts(input).filter((f) => !otherModality(asked, `${f.triple.subject} ${f.triple.object} ${f.quote}`));
  if (!answering.length) {
    const close = scored.filter((s) => s.topic >= PARTIAL_TOPIC && !s.meta).sort((a, b) => b.score - a.score).slice(0, 2);
    return close.length ? { kind: 'partial', units: close, facts, expand: [] } : { ...none, reason: 'no passage holds what was asked' };
  }
  const chosen = pick(answering, scored.filter((s) => !otherModality(asked, `${s.unit.context} ${s.unit.text}`)), intent.intent, outline.size > 0, onTopic.length ? topicFor(onTopic[0]) : [], asksOne(input.question));
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

const LIST_INTENTS = new Set<Intent>(['signs', 'staging', 'differential', 'list']);

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

/**
 * Imaging modalities a text names. A question that names one (「…的超声征象」) is not answered by a sentence, row or
 * graph fact that names only another (an MRI sign): each modality sees different things.
 */
const MODALITIES: Array<[string, RegExp]> = [
  ['us', /超声|彩超|多普勒|回声|ultrasound|sonograph|doppler|\bUS\b/i],
  ['mri', /磁共振|弥散加权|(?<![a-z])(?:MRI?|T[12]WI|DWI|FLAIR|ADC)(?![a-z])/i],
  ['ct', /计算机断层|(?<![a-z])(?:CT(?!A)|HU)(?![a-z])/i],
  ['xray', /X\s*线|平片|胸片|radiograph|x-ray/i],
  ['pet', /(?<![a-z])(?:PET|SUV(?:max)?)(?![a-z])/i],
];

export function modalitiesIn(text: string): Set<string> {
  return new Set(MODALITIES.filter(([, re]) => re.test(text)).map(([m]) => m));
}

/** The text names a modality, but none the question asks about (false when the question names none). */
function otherModality(asked: Set<string>, text: string): boolean {
  if (!asked.size) return false;
  const named = modalitiesIn(text);
  return named.size > 0 && ![...named].some((m) => asked.has(m));
}

/**
 * A question after one category (「…属于什么分期」「归为T几」「是第几期」), not the whole list: the items beside the one
 * that answers are other categories' criteria, not part of the answer.
 */
const ASKS_ONE = /属于|归为|归入|归类为|算作|是第?几期|哪一期|第几期|[TNM]几|什么分期|哪个分期|哪一类|哪类/;

function asksOne(question: string): boolean {
  return ASKS_ONE.test(question.normalize('NFKC'));
}

function pick(answering: Scored[], all: Scored[], intent: Intent, outlined: boolean, topic: TopicTerm[], one = false): Scored[] {
  const list = LIST_INTENTS.has(intent) && !one;
  // When the question names codes (T2, M1b, IC), a unit that names none of them is about another stage or region.
  const codes = topic.filter((t) => t.code);
  const namesCode = (x: Scored) => codes.some((t) => t.surfaces.some((c) => containsTerm(x.unit.text.toLowerCase(), c)));
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
    // Asked for one category, a sentence that opens a list would bring the other categories: the items answer alone.
    if (one && s.unit.intro) continue;
    take(s);
    // A sentence that opens a list (「…具有以下任一特征：」) brings its items, a title line (「1. 急性血行播散性肺结核」) the
    // sentences under it; for list questions an item brings the sibling items that are on the topic too.
    if (s.unit.intro) {
      const after = all.filter((x) => x.unit.evidence === s.unit.evidence && x.unit.index > s.unit.index).sort((a, b) => a.unit.index - b.unit.index);
      const listed = s.unit.text.endsWith('：') || s.unit.text.endsWith(':') ? after.filter((x) => x.unit.kind === 'item').slice(0, 8) : after.slice(0, 3);
      for (const x of listed) take(x);
    } else if (list && !outlined && s.unit.kind === 'item') {
      const siblings = all.filter((x) => x.unit.evidence === s.unit.evidence && x.unit.kind === 'item' && x !== s && (codes.length ? namesCode(x) : x.own > 0 || x.topic >= 0.6));
      for (const x of siblings.slice(0, 8)) take(x);
    }
  }
  // A list or comparison names several things (「M1b和M1c怎么区分」): each code of the question gets the unit that
  // defines it (「M1b：胸腔外单一器官内的单个转移灶…」), though it names only one of them.
  if (list) {
    for (const t of codes) {
      const defines = answering.find((s) => !kept.includes(s) && t.surfaces.some((x) => x && s.unit.text.replace(/^(?:•|\d{1,2}[.、．)])\s*/, '').toLowerCase().startsWith(x.toLowerCase())));
      if (defines) take(defines);
    }
  }
  // Rows of a table clearly behind the best table are another table's answer (the screening table beside
  // the follow-up table): dropped.
  // So is a table whose rows name clearly less of the question than the best table's (「…需要随访吗」: the rows that
  // say 随访 beat the screening table's rows that only share the nodule type).
  const tableBest = new Map<string, { score: number; own: number }>();
  for (const s of kept) {
    if (!s.unit.row) continue;
    const b = tableBest.get(tableKey(s.unit)) ?? { score: 0, own: 0 };
    tableBest.set(tableKey(s.unit), { score: Math.max(b.score, s.score), own: Math.max(b.own, s.own) });
  }
  const topTable = [...tableBest.values()].sort((a, b) => b.score - a.score)[0];
  const behind = (b: { score: number; own: number } | undefined) => !!b && !!topTable && (b.score < topTable.score * 0.9 || b.own < topTable.own - 0.1);
  for (const s of [...kept]) if (s.unit.row && behind(tableBest.get(tableKey(s.unit)))) kept.splice(kept.indexOf(s), 1);
  // A small table is shown whole (every row the engine has); a large one in the rows naming most of the topic.
  for (const s of [...kept]) {
    if (!s.unit.row) continue;
    const rows = all.filter((x) => x.unit.row && tableKey(x.unit) === tableKey(s.unit));
    if (s.unit.row.table.tableRows <= SMALL_TABLE) for (const x of rows) if (!codes.length || namesCode(x)) take(x);
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
