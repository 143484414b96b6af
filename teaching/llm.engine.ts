import { z } from 'zod';
import { PREDICATE_LABELS, type Predicate } from '../knowledge/index.ts';
import { badOutputError, type ChatMessage, type LlmProvider, loadPrompt, ModelOutputError, type Prompt, parseModelJson, promptTag, renderPrompt } from '../llm/index.ts';
import { estimateDifficulty } from './difficulty.ts';
import type { DraftRequest, DraftResult, QuestionEngine } from './engine.ts';
import type { Fact, FactEntity, FactGraph } from './fact-graph.ts';
import type { Passage, QuestionDraft, Rejection } from './question.schemas.ts';
import { distractorCandidates, passageOf } from './templates.engine.ts';

/** One item as the model must write it (validated with zod; anything else is rejected with its reason). */
const ModelItemSchema = z.object({
  type: z.enum(['single', 'multiple']),
  stem: z.string().min(4).max(500),
  options: z.array(z.string().min(1).max(200)).min(2).max(8),
  answer: z.array(z.string().min(1)).min(1),
  explanation: z.string().max(4000).default(''),
  relationIds: z.array(z.string()).default([]),
  passageIds: z.array(z.string()).default([]),
});
const EnvelopeSchema = z.object({ questions: z.array(z.unknown()) });
/** One item is a few hundred tokens; a small model that starts repeating itself is cut here, not at the context's end. */
const ITEM_MAX_TOKENS = 1024;

const QUESTIONS_JSON_SCHEMA = {
  type: 'object',
  properties: {
    questions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['single', 'multiple'] },
          stem: { type: 'string' },
          options: { type: 'array', items: { type: 'string' } },
          answer: { type: 'array', items: { type: 'string' } },
          explanation: { type: 'string' },
          relationIds: { type: 'array', items: { type: 'string' } },
          passageIds: { type: 'array', items: { type: 'string' } },
        },
        required: ['type', 'stem', 'options', 'answer', 'explanation', 'relationIds', 'passageIds'],
        additionalProperties: false,
      },
    },
  },
  required: ['questions'],
  additionalProperties: false,
} as const;

/** Retrieved guideline passages about a topic (the search capability, injected). */
export type PassageRetriever = (query: string, limit: number) => Promise<Passage[]>;

export interface LlmEngineOptions {
  provider: LlmProvider;
  retrieve: PassageRetriever;
  prompt?: Prompt;
  maxFacts?: number;
  maxPassages?: number;
}

/**
 * Engine `llm`: a local model writes items grounded on the approved relations about the entity and on
 * retrieved passages, with JSON-schema constrained output validated by zod (one repair request).
 * Each item is mapped back to the graph: options are resolved to entities, the claim is the predicate
 * of the cited relations, so the same checks as for template items apply. An answer that is not one of
 * the item's own options is rejected here (KEY_NOT_IN_OPTIONS). The provider is the product's model
 * stack, which de-identifies every message before it leaves.
 */
export class LlmEngine implements QuestionEngine {
  readonly name = 'llm' as const;
  readonly version: string;
  private readonly prompt: Prompt;

  constructor(private readonly opts: LlmEngineOptions) {
    this.prompt = opts.prompt ?? loadPrompt('teaching-questions');
    this.version = `${opts.provider.kind}:${opts.provider.model}/${promptTag(this.prompt)}`;
  }

  /**
   * One model call per item, each about one target: the fact (or, for multiple choice, two or three facts of one
   * predicate) the key must state, its evidence, retrieved passages, and distractor candidates the graph has
   * already cleared. A small local model given the whole topic at once wrote one unusable item out of four
   * (nine options, all keyed); given one target it writes the item around it. A call whose output stays
   * unusable after the repair request is recorded as a rejection; only when every call fails does the request fail.
   */
  async draft({ subject: x, graph, count, type, signal }: DraftRequest): Promise<DraftResult> {
    const topic = x.nameZh || x.nameEn;
    const targets = itemTargets(x, graph, count, type, this.opts.maxFacts ?? 40);
    if (!targets.length) return { items: [], rejected: [], notes: [`“${topic}”在已审核图谱中没有可用于出题的关系`] };
    const retrieved = await this.opts.retrieve(`${topic} 影像表现 诊断`, this.opts.maxPassages ?? 6);
    const items: QuestionDraft[] = [];
    const rejected: Rejection[] = [];
    let failure: unknown = null;
    /** Calls the model answered (whatever it wrote); the request fails only when none did. */
    let answered = 0;
    for (const target of targets) {
      signal?.throwIfAborted();
      const factIds = new Map(target.facts.map((f, i) => [`R${i + 1}`, f]));
      const own = target.facts.map(passageOf).filter((p): p is Passage => !!p);
      const passages = [...own, ...around(retrieved, target.facts.map((f) => f.object.nameZh)).filter((p) => !own.some((o) => o.quote === p.quote))].slice(0, 4);
      const passageIds = new Map(passages.map((p, i) => [`P${i + 1}`, p]));
      const predicate = target.facts[0].predicate as Predicate;
      const messages: ChatMessage[] = [
        { role: 'system', content: renderPrompt(this.prompt, 'system', {}) },
        {
          role: 'user',
          content: renderPrompt(this.prompt, 'user', {
            topic,
            type: target.type === 'multiple' ? `多选题（${target.facts.length} 个正确答案）` : '单选题',
            aspect: PREDICATE_LABELS[predicate]?.zh ?? predicate,
            facts: [...factIds].map(([id, f]) => `${id}：${f.subject.nameZh}—${PREDICATE_LABELS[f.predicate as Predicate]?.zh ?? f.predicate}—${f.object.nameZh}`).join('\n'),
            candidates: target.candidates.map((e) => e.nameZh || e.nameEn).join('、') || '（无，请自拟同类概念）',
            passages: [...passageIds].map(([id, p]) => `${id}：${p.quote}（${p.title}${p.page ? ` 第${p.page}页` : ''}）`).join('\n') || '（无）',
          }),
        },
      ];
      let raw: unknown[];
      try {
        raw = await this.ask(messages, signal);
        answered++;
      } catch (e) {
        if (signal?.aborted || !(e instanceof Error && 'code' in e && (e.code === 'LLM_BAD_OUTPUT' || e.code === 'LLM_REJECTED'))) throw e;
        failure = e;
        rejected.push({ stem: `（${topic}：${target.facts.map((f) => f.object.nameZh).join('、')}）`, code: 'MODEL_OUTPUT_INVALID', message: e.message });
        continue;
      }
      for (const value of raw) {
        const parsed = ModelItemSchema.safeParse(value);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          rejected.push({ stem: String((value as { stem?: unknown })?.stem ?? '(无题干)').slice(0, 200), code: 'MODEL_ITEM_INVALID', message: `${issue.path.join('.')}: ${issue.message}` });
          continue;
        }
        const r = this.toDraft(parsed.data, x.id, graph, factIds, passageIds);
        if ('code' in r) rejected.push(r);
        else items.push(r);
      }
    }
    if (failure && answered === 0) throw failure;
    return { items, rejected, notes: [] };
  }

  private toDraft(m: z.infer<typeof ModelItemSchema>, subjectId: string, graph: FactGraph, factIds: Map<string, Fact>, passageIds: Map<string, Passage>): QuestionDraft | Rejection {
    const labels = m.options.map((_, i) => String.fromCharCode(65 + i));
    const key: string[] = [];
    for (const a of m.answer) {
      const byText = m.options.findIndex((o) => o.trim() === a.trim());
      const byLabel = /^[A-H]$/.test(a.trim()) ? labels.indexOf(a.trim()) : -1;
      const i = byText >= 0 ? byText : byLabel;
      if (i < 0) return { stem: m.stem, code: 'KEY_NOT_IN_OPTIONS', message: `模型给出的答案“${a}”不在选项中 / the model's answer is not among its options` };
      key.push(labels[i]);
    }
    const cited = m.relationIds.map((id) => factIds.get(id)).filter((f): f is Fact => !!f);
    const predicate = cited[0]?.predicate ?? 'has_sign';
    const options = m.options.map((text, i) => ({ label: labels[i], text: text.trim(), entityId: graph.resolve(text)?.id ?? null }));
    const passages = [...new Map([...cited.map(passageOf), ...m.passageIds.map((id) => passageIds.get(id))]
      .filter((p): p is Passage => !!p)
      .map((p) => [`${p.sourceId}:${p.page}:${p.quote}`, p])).values()];
    const keyed = options.filter((o) => key.includes(o.label));
    const { difficulty, level } = estimateDifficulty({ nearShare: 0.5, keySimilarity: 0.2, hops: 1, rarity: 0.5, multiple: m.type === 'multiple', negative: /不是|不属于|错误/.test(m.stem) });
    return {
      type: m.type,
      template: 'llm',
      engine: 'llm',
      stem: m.stem.trim(),
      options,
      key: [...new Set(key)],
      explanation: m.explanation,
      citations: { relationIds: [...new Set(cited.map((f) => f.id))], passages },
      // "Which is NOT" wording flips what the key asserts.
      claim: { subjectId, predicate, polarity: /不是|不属于|错误的是/.test(m.stem) ? 'not' : 'is', direction: 'forward' },
      diseaseId: subjectId,
      tags: [...new Set([subjectId, ...keyed.map((o) => o.entityId).filter((id): id is string => !!id)])],
      difficulty,
      level,
      factKey: keyed.every((o) => o.entityId) ? `llm:${predicate}:${m.type}:${subjectId}:${keyed.map((o) => o.entityId).sort().join(',')}` : null,
    };
  }

  /** The model's items: one call, and one repair request when the answer is not the JSON asked for. */
  private async ask(messages: ChatMessage[], signal?: AbortSignal): Promise<unknown[]> {
    const call = (msgs: ChatMessage[]) =>
      this.opts.provider.chat({ messages: msgs, jsonSchema: { name: 'teaching_questions', schema: QUESTIONS_JSON_SCHEMA as unknown as Record<string, unknown> }, temperature: 0.2, maxTokens: ITEM_MAX_TOKENS, purpose: `${this.prompt.id}@v${this.prompt.version}`, signal });
    const first = await call(messages);
    try {
      return parseModelJson(first.text, EnvelopeSchema).questions;
    } catch (e) {
      if (!(e instanceof ModelOutputError)) throw e;
      const second = await call([...messages, { role: 'assistant', content: first.text }, { role: 'user', content: renderPrompt(this.prompt, 'repair', { error: e.reason }) }]);
      try {
        return parseModelJson(second.text, EnvelopeSchema).questions;
      } catch (e2) {
        if (e2 instanceof ModelOutputError) throw badOutputError(this.opts.provider.model, this.opts.provider.url, e2);
        throw e2;
      }
    }
  }
}

interface ItemTarget {
  type: 'single' | 'multiple';
  facts: Fact[];
  candidates: FactEntity[];
}

const TARGET_PREDICATES = ['has_sign', 'examined_by', 'differential_of', 'located_at', 'treated_by', 'staged_by'] as const;

/**
 * What each model call is about: approved facts with current evidence, taken round-robin over predicates so a
 * small request still covers signs, examinations, differentials…; multiple choice takes two or three facts of one
 * predicate. Each target carries the graph's distractor candidates for it.
 */
function itemTargets(x: FactEntity, graph: FactGraph, count: number, type: DraftRequest['type'], maxFacts: number): ItemTarget[] {
  const byPredicate = TARGET_PREDICATES.map((p) => graph.objects(x.id, p).filter((f) => passageOf(f)).slice(0, maxFacts)).filter((fs) => fs.length);
  const out: ItemTarget[] = [];
  for (let round = 0; out.length < count && byPredicate.some((fs) => fs.length > round); round++) {
    for (const fs of byPredicate) {
      if (out.length >= count) break;
      const multiple = type === 'multiple' || (type === undefined && out.length % 3 === 2 && fs.length >= 2 * (round + 1));
      const facts = multiple ? fs.slice(round * 2, round * 2 + Math.min(3, fs.length - round * 2)) : fs.slice(round, round + 1);
      if (!facts.length || (multiple && facts.length < 2)) continue;
      const candidates = distractorCandidates(x, facts, graph, 5);
      if (candidates.length < (multiple ? 2 : 3)) continue;
      out.push({ type: multiple ? 'multiple' : 'single', facts, candidates });
    }
  }
  return out;
}

/** Retrieved passages that name one of the keys, cut to the sentences around the mention (small models read slowly). */
function around(passages: readonly Passage[], keys: readonly string[], limit = 2, chars = 160): Passage[] {
  const out: Passage[] = [];
  for (const p of passages) {
    const at = keys.filter((k) => k.length >= 2).map((k) => p.quote.indexOf(k)).find((i) => i >= 0);
    if (at === undefined) continue;
    // From the start of the mention's sentence, unless that is more than half the window before it.
    const from = Math.max(p.quote.lastIndexOf('。', at - 1) + 1, at - chars / 2, 0);
    out.push({ ...p, quote: p.quote.slice(from, from + chars) });
    if (out.length >= limit) break;
  }
  return out;
}
