import { AppError } from '../core/index.ts';
import { PREDICATE_LABELS, type Predicate } from '../knowledge/index.ts';
import { checkItem, type DuplicateIndex } from './checks.ts';
import type { QuestionEngine } from './engine.ts';
import type { FactEntity, FactGraph } from './fact-graph.ts';
import type { GuidelineTable } from './table-items.ts';
import type { QuestionDraft, QuestionType, Rejection } from './question.schemas.ts';

export interface GenerateOptions {
  subject: FactEntity;
  graph: FactGraph;
  count: number;
  type?: QuestionType;
  tables?: readonly GuidelineTable[];
  allowFewer?: boolean;
  /** The bank (mutated: accepted items are added, so a run never repeats itself). */
  bank: DuplicateIndex;
  signal?: AbortSignal;
}

export interface GenerateOutcome {
  items: QuestionDraft[];
  /** How many checked, distinct items the engine could make (≥ items.length). */
  possible: number;
  rejected: Rejection[];
  notes: string[];
}

/**
 * Draft with an engine, run every candidate through the checks (also against items accepted earlier in
 * the run), and pick `count` spread over templates. Too few: TOO_FEW_FACTS saying how many could be made
 * and why (facts per predicate, rejections by reason, the engine's notes), unless `allowFewer`.
 */
export async function generateItems(engine: QuestionEngine, o: GenerateOptions): Promise<GenerateOutcome> {
  const drafted = await engine.draft({ subject: o.subject, graph: o.graph, count: o.count, type: o.type, tables: o.tables, signal: o.signal });
  const rejected = [...drafted.rejected];
  const valid: QuestionDraft[] = [];
  for (const item of drafted.items) {
    if (o.type && item.type !== o.type) continue;
    const problem = checkItem(item, o.graph, o.bank);
    if (problem) {
      rejected.push(problem);
      continue;
    }
    valid.push(item);
    o.bank.add(`new:${valid.length}`, item);
  }
  const items = spread(valid, o.count);
  if (items.length < o.count && !o.allowFewer) {
    throw new AppError('TOO_FEW_FACTS', shortfallMessage(o, valid.length, rejected, drafted.notes), {
      field: 'count',
      details: { entityId: o.subject.id, asked: o.count, possible: valid.length, facts: factCounts(o.graph, o.subject), rejected: byCode(rejected), notes: drafted.notes },
    });
  }
  return { items, possible: valid.length, rejected, notes: drafted.notes };
}

/** Round-robin over templates so a small request still covers several kinds of question. */
function spread(items: QuestionDraft[], n: number): QuestionDraft[] {
  const groups = new Map<string, QuestionDraft[]>();
  for (const it of items) groups.set(it.template, [...(groups.get(it.template) ?? []), it]);
  const out: QuestionDraft[] = [];
  const queues = [...groups.values()];
  while (out.length < n && queues.some((q) => q.length)) for (const q of queues) if (q.length && out.length < n) out.push(q.shift() as QuestionDraft);
  return out;
}

function factCounts(graph: FactGraph, x: FactEntity): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of Object.keys(PREDICATE_LABELS)) {
    const n = graph.objects(x.id, p).length + (p === 'differential_of' ? 0 : graph.subjects(x.id, p).length);
    if (n) out[p] = n;
  }
  return out;
}

function byCode(rs: Rejection[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rs) out[r.code] = (out[r.code] ?? 0) + 1;
  return out;
}

function shortfallMessage(o: GenerateOptions, possible: number, rejected: Rejection[], notes: string[]): string {
  const facts = Object.entries(factCounts(o.graph, o.subject)).map(([p, n]) => `${PREDICATE_LABELS[p as Predicate].zh} ${n} 条`);
  const why = [
    facts.length ? `已审核图谱中与“${o.subject.nameZh || o.subject.nameEn}”相关的事实：${facts.join('、')}` : `已审核图谱中没有与“${o.subject.nameZh || o.subject.nameEn}”相关的事实`,
    ...Object.entries(byCode(rejected)).map(([code, n]) => `${n} 道候选题未通过检查（${code}）`),
    ...notes,
  ];
  return `只能生成 ${possible} 道合格题目，要求 ${o.count} 道 / only ${possible} valid item(s) can be made, ${o.count} asked。${why.join('；')}。`;
}
