import { PREDICATE_LABELS, type Predicate } from '../knowledge/index.ts';
import { estimateDifficulty } from './difficulty.ts';
import type { DraftRequest, DraftResult, QuestionEngine } from './engine.ts';
import type { Fact, FactEntity, FactGraph } from './fact-graph.ts';
import type { Passage, QuestionDraft, QuestionOption } from './question.schemas.ts';
import { tableItems } from './table-items.ts';
import { nested, seededRandom, shuffle, textSimilarity } from './similarity.ts';

type Kind = 'single' | 'multiple' | 'not';

/** One way of asking about a predicate. `about: 'subject'`: the entity asked about is the relation's subject and options are objects. */
interface Spec {
  id: string;
  predicate: Predicate;
  about: 'subject' | 'object';
  /** Types the options must have (the key's kind). */
  optionTypes: readonly string[];
  /** Restrict which facts the spec uses (e.g. only passages that say 首选). */
  accepts?: (f: Fact) => boolean;
  single: (x: string, f: Fact) => string;
  multiple?: (x: string) => string;
  not?: (x: string) => string;
  /** Any entity of the option types may serve as a distractor, not only those seen with this predicate. */
  anyOfType?: boolean;
}

const firstChoice = (f: Fact) => f.evidence.some((e) => /首选|first[- ]line|modality of choice/i.test(e.quote));
const modality = (f: Fact) => f.qualifiers.modality?.trim() || '影像';

/** The template set. Version bumps when a stem or rule changes (recorded with every item). */
export const TEMPLATE_VERSION = 'templates@2';
const SPECS: readonly Spec[] = [
  {
    id: 'typical_sign', predicate: 'has_sign', about: 'subject', optionTypes: ['Sign', 'Finding'],
    single: (x, f) => `以下哪项是${x}的典型${modality(f)}征象？`,
    multiple: (x) => `${x}的影像表现包括（多选）：`,
    not: (x) => `以下哪项不是${x}的影像表现？`,
  },
  { id: 'preferred_exam', predicate: 'examined_by', about: 'subject', optionTypes: ['Modality', 'Exam', 'Procedure'], accepts: firstChoice, single: (x) => `${x}首选的影像学检查是：` },
  {
    id: 'exam_method', predicate: 'examined_by', about: 'subject', optionTypes: ['Modality', 'Exam', 'Procedure'], accepts: (f) => !firstChoice(f),
    single: (x) => `下列哪项可用于${x}的检查？`,
    multiple: (x) => `${x}可采用的检查方法包括（多选）：`,
  },
  {
    id: 'differential', predicate: 'differential_of', about: 'subject', optionTypes: ['Disease'], anyOfType: true,
    single: (x) => `${x}需与下列哪项鉴别？`,
    multiple: (x) => `${x}需要鉴别的疾病包括（多选）：`,
  },
  { id: 'location', predicate: 'located_at', about: 'subject', optionTypes: ['Anatomy'], single: (x) => `${x}的好发部位是：`, multiple: (x) => `${x}可累及的部位包括（多选）：` },
  { id: 'treatment', predicate: 'treated_by', about: 'subject', optionTypes: ['Treatment', 'Drug', 'Procedure'], single: (x) => `下列哪项是${x}的治疗方法？`, multiple: (x) => `${x}的治疗方法包括（多选）：` },
  { id: 'staging', predicate: 'staged_by', about: 'subject', optionTypes: ['Stage'], single: (x) => `${x}采用的分期（分级）是：` },
  { id: 'complication', predicate: 'complication_of', about: 'object', optionTypes: ['Disease', 'Finding'], anyOfType: true, single: (x) => `下列哪项是${x}的并发症？`, multiple: (x) => `${x}的并发症包括（多选）：` },
  { id: 'subtype', predicate: 'subtype_of', about: 'object', optionTypes: ['Disease'], anyOfType: true, single: (x) => `下列哪项属于${x}的亚型？` },
];

const name = (e: FactEntity) => e.nameZh || e.nameEn;

/** The passage a fact is cited by: its newest current, unretracted evidence. */
export function passageOf(f: Fact): Passage | null {
  const usable = f.evidence.filter((e) => !e.superseded && !e.retracted);
  const e = usable.sort((a, b) => (b.year ?? 0) - (a.year ?? 0))[0];
  return e ? { sourceId: e.sourceId, title: e.sourceTitle, version: e.version, year: e.year, page: e.page, quote: e.quote } : null;
}

export function citeText(p: Passage): string {
  return `《${p.title}》${p.version ? ` ${p.version}` : ''}${p.year ? `（${p.year}）` : ''}${p.page ? ` 第${p.page}页` : ''}`;
}

interface Built {
  keyed: { entity: FactEntity; fact: Fact | null }[];
  others: { entity: FactEntity; fact: Fact | null; near: boolean }[];
}

/**
 * Deterministic item writing from approved relations (engine `templates`, no LLM). For each way of asking
 * about the entity (typical signs, first-choice and other examinations, differentials, sites, treatment,
 * staging, complications, subtypes), every approved fact gives a single-choice item; sets of facts give
 * multiple-choice and "which is NOT" items; a sign stated for this disease only gives a reverse item
 * ("which disease"). Distractors are the same kind of entity taken from neighbouring diseases first
 * (differentials, siblings, shared anatomy), never an approved or possible fact about the entity, nor an
 * entity an approved passage names beside it (the graph's silence is not a denial).
 */
export class TemplateEngine implements QuestionEngine {
  readonly name = 'templates' as const;
  readonly version = TEMPLATE_VERSION;

  async draft(req: DraftRequest): Promise<DraftResult> {
    return this.draftSync(req);
  }

  /** The same, synchronously (benchmarks and bulk runs). */
  draftSync({ subject: x, graph, type, tables }: DraftRequest): DraftResult {
    const items: QuestionDraft[] = [];
    const notes: string[] = [];
    for (const spec of SPECS) {
      const facts = (spec.about === 'subject' ? graph.objects(x.id, spec.predicate) : graph.subjects(x.id, spec.predicate))
        .filter((f) => spec.accepts?.(f) ?? true)
        .filter((f) => spec.optionTypes.includes(other(spec, f).type));
      if (!facts.length) continue;
      const current = facts.filter((f) => passageOf(f));
      if (current.length < facts.length) notes.push(`${PREDICATE_LABELS[spec.predicate].zh}：${facts.length - current.length} 条关系的来源均已被取代或撤回，未用于出题`);
      if (!current.length) continue;
      const pool = distractorPool(spec, x, current, graph);
      const need = (n: number) => {
        if (pool.length >= n) return true;
        notes.push(`${PREDICATE_LABELS[spec.predicate].zh}：可用干扰项只有 ${pool.length} 个（需要 ${n} 个）`);
        return false;
      };
      if (type !== 'multiple' && need(3)) {
        current.forEach((f, i) => {
          items.push(this.item(spec, 'single', x, x, graph, { keyed: [{ entity: other(spec, f), fact: f }], others: pick(pool, 3, i) }, spec.single(name(x), f)));
        });
      }
      if (type !== 'multiple' && spec.not && current.length >= 3) {
        const absent = (spec.about === 'subject' ? graph.objects(x.id, spec.predicate, 'absent') : graph.subjects(x.id, spec.predicate, 'absent'))
          .filter((f) => passageOf(f) && spec.optionTypes.includes(other(spec, f).type));
        const negatives = [...absent.map((f) => ({ entity: other(spec, f), fact: f as Fact | null, near: true })), ...pool];
        for (let i = 0; i + 3 <= current.length && negatives.length; i += 2) {
          const trues = current.slice(i, i + 3).map((f) => ({ entity: other(spec, f), fact: f, near: false }));
          items.push(this.item(spec, 'not', x, x, graph, { keyed: [negatives[(i / 2) % negatives.length]], others: trues }, spec.not(name(x))));
        }
      }
      if (type !== 'single' && spec.multiple && current.length >= 2 && need(2)) {
        const size = Math.min(3, current.length);
        for (let i = 0; i === 0 || i + size <= current.length; i += 2) {
          const keys = current.slice(i, i + size).map((f) => ({ entity: other(spec, f), fact: f }));
          items.push(this.item(spec, 'multiple', x, x, graph, { keyed: keys, others: pick(pool, 2, i) }, spec.multiple(name(x))));
        }
      }
    }
    if (type !== 'multiple' && x.type === 'Disease') items.push(...this.uniqueSignItems(x, graph));
    if (type !== 'multiple' && tables?.length) {
      const fromTables = tableItems(x, tables);
      items.push(...fromTables.items);
      notes.push(...fromTables.notes);
    }
    return { items, rejected: [], notes: [...new Set(notes)] };
  }

  /** A sign approved for this disease only: "seeing S, which disease?" (options are diseases). */
  private uniqueSignItems(d: FactEntity, graph: FactGraph): QuestionDraft[] {
    const out: QuestionDraft[] = [];
    const spec: Spec = { id: 'sign_points_to', predicate: 'has_sign', about: 'object', optionTypes: ['Disease'], anyOfType: true, single: (s) => `影像上见到“${s}”，最应考虑下列哪种疾病？` };
    graph.objects(d.id, 'has_sign').forEach((f, i) => {
      if (!passageOf(f) || graph.subjects(f.object.id, 'has_sign').length !== 1 || graph.subjects(f.object.id, 'has_sign', 'possible').length) return;
      const pool = distractorPool(spec, f.object, [f], graph);
      if (pool.length < 3) return;
      out.push(this.item(spec, 'single', f.object, d, graph, { keyed: [{ entity: d, fact: f }], others: pick(pool, 3, i) }, spec.single(name(f.object), f)));
    });
    return out;
  }

  private item(spec: Spec, kind: Kind, x: FactEntity, topic: FactEntity, graph: FactGraph, b: Built, stem: string): QuestionDraft {
    const keyIds = b.keyed.map((k) => k.entity.id).sort();
    const factKey = `${spec.id}:${kind}:${x.id}:${keyIds.join(',')}`;
    const all = [...b.keyed.map((k) => ({ ...k, key: true, near: false })), ...b.others.map((o) => ({ ...o, key: false }))];
    const ordered = shuffle(all, seededRandom(factKey));
    const options: QuestionOption[] = ordered.map((o, i) => ({ label: String.fromCharCode(65 + i), text: name(o.entity), entityId: o.entity.id }));
    const key = ordered.flatMap((o, i) => (o.key ? [options[i].label] : []));
    const negative = kind === 'not';
    const trueFacts = (negative ? b.others : b.keyed).map((o) => o.fact).filter((f): f is Fact => !!f);
    const cited = [...trueFacts, ...(negative && b.keyed[0].fact ? [b.keyed[0].fact] : [])];
    const passages = cited.map(passageOf).filter((p): p is Passage => !!p);
    const distractors = negative ? [] : b.others;
    const keyText = b.keyed.map((k) => name(k.entity));
    const { difficulty, level } = estimateDifficulty({
      nearShare: distractors.length ? distractors.filter((d) => d.near).length / distractors.length : 0.5,
      keySimilarity: mean(distractors.flatMap((d) => keyText.map((k) => textSimilarity(k, name(d.entity))))),
      hops: spec.about === 'object' || kind !== 'single' ? 2 : 1,
      rarity: mean(trueFacts.map((f) => 1 / new Set(f.evidence.map((e) => e.sourceId)).size)),
      multiple: kind === 'multiple',
      negative,
    });
    return {
      type: kind === 'multiple' ? 'multiple' : 'single',
      template: `${spec.id}${kind === 'single' ? '' : `.${kind}`}`,
      engine: 'templates',
      stem,
      options,
      key,
      explanation: explain(spec, kind, x, b, key, graph),
      citations: { relationIds: [...new Set(cited.map((f) => f.id))], passages },
      claim: { subjectId: x.id, predicate: spec.predicate, polarity: negative ? 'not' : 'is', direction: spec.about === 'subject' ? 'forward' : 'reverse' },
      diseaseId: topic.id,
      tags: [...new Set([topic.id, x.id, ...trueFacts.map((f) => other(spec, f).id)])],
      difficulty,
      level,
      factKey,
    };
  }
}

function explain(spec: Spec, kind: Kind, x: FactEntity, b: Built, key: string[], _graph: FactGraph): string {
  const label = PREDICATE_LABELS[spec.predicate].zh;
  const lines = [`答案：${key.join('')}。`];
  const facts = kind === 'not' ? b.others : b.keyed;
  for (const { entity, fact } of facts) {
    if (!fact) continue;
    const p = passageOf(fact);
    lines.push(`已审核知识：${name(fact.subject)}—${PREDICATE_LABELS[fact.predicate as Predicate]?.zh ?? fact.predicate}—${name(fact.object)}（关系 ${fact.id}${p ? `；${citeText(p)}：“${p.quote.slice(0, 120)}”` : ''}）。`);
    void entity;
  }
  if (kind === 'not') {
    const k = b.keyed[0];
    const p = k.fact ? passageOf(k.fact) : null;
    lines.push(k.fact && p
      ? `“${name(k.entity)}”在已审核知识中明确不属于${name(x)}的${label}（关系 ${k.fact.id}；${citeText(p)}：“${p.quote.slice(0, 120)}”）。`
      : `“${name(k.entity)}”不是已审核知识图谱中${name(x)}的${label}。`);
  } else if (b.others.length) {
    lines.push(`干扰项${b.others.map((o) => `“${name(o.entity)}”`).join('、')}不是已审核知识图谱中${name(x)}的${label}${b.others.some((o) => o.near) ? '（取自相邻或需鉴别疾病的知识）' : ''}。`);
  }
  return lines.join('\n');
}

/**
 * Graph-vetted distractor candidates for an item keyed on `trues` (facts about `x` under one predicate, `x` as
 * subject): the same kind of entity, nearest first, never true or possibly true for `x` — what the template items
 * use, offered to the llm engine so a small model writes the item around options the graph has already cleared.
 */
export function distractorCandidates(x: FactEntity, trues: Fact[], graph: FactGraph, n: number): FactEntity[] {
  const predicate = trues[0]?.predicate;
  const spec = SPECS.find((s) => s.predicate === predicate && s.about === 'subject' && (s.accepts?.(trues[0]) ?? true));
  if (!spec) return [];
  return pick(distractorPool(spec, x, trues, graph), n, 0).map((d) => d.entity);
}

/** The option-side entity of a fact. */
function other(spec: Spec, f: Fact): FactEntity {
  return spec.about === 'subject' ? f.object : f.subject;
}

/**
 * Distractor candidates for items about `x`, nearest first: entities of the option kind that neighbours
 * of `x` have under this predicate, then any other entity seen with it (or of its type). Entities true or
 * possibly true for `x`, related to `x` or to a true option, or named almost like one are left out.
 */
function distractorPool(spec: Spec, x: FactEntity, trues: Fact[], graph: FactGraph): { entity: FactEntity; fact: null; near: boolean }[] {
  const trueIds = new Set([...graph.objects(x.id, spec.predicate), ...graph.subjects(x.id, spec.predicate)].map((f) => other(spec, f).id));
  for (const f of trues) trueIds.add(other(spec, f).id);
  const trueNames = [...trueIds].map((id) => graph.entity(id)).filter((e): e is FactEntity => !!e).map(name);
  const status = (id: string) => (spec.about === 'subject' ? graph.status(x.id, spec.predicate, id) : graph.status(id, spec.predicate, x.id));
  const fits = (e: FactEntity) =>
    spec.optionTypes.includes(e.type) && e.id !== x.id && !trueIds.has(e.id) && (status(e.id) === 'unknown' || status(e.id) === 'absent') &&
    !graph.related(e.id, x.id) && ![...trueIds].some((t) => graph.related(t, e.id)) &&
    textSimilarity(name(e), name(x)) < 0.8 && !nested(name(e), name(x)) && !graph.coMentioned(x, e) && trueNames.every((n) => textSimilarity(n, name(e)) < 0.8 && !nested(n, name(e)));
  const out = new Map<string, { entity: FactEntity; fact: null; near: boolean }>();
  for (const n of graph.neighbours(x.id)) {
    const facts = spec.about === 'subject' ? graph.objects(n, spec.predicate) : graph.subjects(n, spec.predicate);
    for (const f of facts) {
      const e = other(spec, f);
      if (!out.has(e.id) && fits(e)) out.set(e.id, { entity: e, fact: null, near: true });
    }
  }
  const far = spec.about === 'subject' ? graph.objectPool(spec.predicate) : graph.subjectPool(spec.predicate);
  const typed = spec.anyOfType ? graph.allEntities().filter((e) => spec.optionTypes.includes(e.type)) : [];
  const rest = [...far, ...typed].filter((e) => !out.has(e.id) && fits(e));
  const unique = [...new Map(rest.map((e) => [e.id, e])).values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const e of shuffle(unique, seededRandom(`${spec.id}:${x.id}`))) out.set(e.id, { entity: e, fact: null, near: false });
  return [...out.values()];
}

/** `n` distractors for the i-th item: near ones first, each group rotated so items about one entity vary. */
function pick<T extends { near: boolean }>(pool: readonly T[], n: number, i: number): T[] {
  const rotate = (xs: T[]) => (xs.length ? xs.map((_, k) => xs[(i + k) % xs.length]) : xs);
  return [...rotate(pool.filter((p) => p.near)), ...rotate(pool.filter((p) => !p.near))].slice(0, n);
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}
