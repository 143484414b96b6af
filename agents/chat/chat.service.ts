import { AppError, detectLanguage, isAppError, type KnowledgeScope, type Logger, newId, type ScopeResolver, type Tokenizer } from '../../core/index.ts';
import { type LlmProvider, type Prompt, promptTag } from '../../llm/index.ts';
import type { AskInput, AskResult, ChatEngine, ChatEvent, ChatLang, ChatService, CheckedSentence } from '../chat.types.ts';
import type { ToolRegistry, ToolRun } from '../tools/registry.ts';
import type { ToolContext } from '../tools/tool.ts';
import { codeFound, type ExtractiveInput, planExtractive, rareCodes } from './answer-extractive.ts';
import { answerWithLlm } from './answer-llm.ts';
import { promptTokensWithin } from './context-budget.ts';
import { EXTRACTIVE_LABEL, renderAnswer } from './answer-render.ts';
import { isQuestionWord, topicWeight } from './answer-units-score.ts';
import { checkAnswer } from './citation-checker.ts';
import type { ConversationsRepository, ToolRecord } from './conversations.repository.ts';
import { EvidenceSet } from './evidence.ts';
import type { QueryRewriter } from './query-rewrite.ts';
import { validateQuestion } from './question.ts';
import { classifyQuestion } from './question-intent.ts';
import { EXTRACTIVE_PASSAGES, retrieve, TOP_PASSAGES } from './retrieval.ts';

/** Earlier turns loaded for context (the prompt keeps what fits num_ctx). */
const HISTORY_TURNS = 20;

export const REFUSAL: Record<ChatLang, string> = {
  zh: '知识库中未找到与该问题相关的内容。请换一种问法，或先导入相关的指南、教材。',
  en: 'No relevant knowledge found in the knowledge base for this question. Try rephrasing it, or import the relevant guideline or textbook first.',
};
const CHECK_FAILED: Record<ChatLang, string> = {
  zh: '模型的回答未能通过引用核查，以下为知识库中的相关原文：',
  en: 'The model’s answer did not pass the citation check; the relevant passages follow:',
};

/** Prompt tokens/s assumed for an in-process model not yet measured (a 1.5B Q4 model on 1–2 CPU threads reads 50–150). */
const ASSUMED_CPU_PROMPT_TOKENS_PER_SEC = 100;

export interface ChatServiceDeps {
  llm: LlmProvider | null;
  /** Configured context window (YZ_LLM_NUM_CTX); prompts are fitted into it. */
  numCtx: number;
  /** Time to the first token to aim for (YZ_LLM_FIRST_TOKEN_MS); with `promptSpeed` it bounds the prompt. */
  firstTokenTargetMs?: number;
  promptSpeed?: (llm: LlmProvider) => Promise<number | null>;
  tokenizer: Tokenizer;
  tools: ToolRegistry;
  conversations: ConversationsRepository;
  rewriter: QueryRewriter;
  answerPrompt: Prompt;
  log?: Logger;
  /** Which collections an asker may read (collections/); without it every tool reads everything. */
  scopes?: ScopeResolver;
}

/** The chat flow: memory, follow-up rewriting, retrieval, a cited answer (model or extractive), citation check. */
export class DefaultChatService implements ChatService {
  constructor(private readonly deps: ChatServiceDeps) {}

  listConversations(actor: string) {
    return this.deps.conversations.list(actor);
  }

  getConversation(actor: string, id: string) {
    return this.deps.conversations.get(actor, id);
  }

  deleteConversation(actor: string, id: string) {
    return this.deps.conversations.delete(actor, id);
  }

  async ask(input: AskInput, onEvent: (e: ChatEvent) => void = () => {}): Promise<AskResult> {
    const started = performance.now();
    const { conversations, llm } = this.deps;
    const question = validateQuestion(input.message);
    const lang: ChatLang = input.lang ?? detectLanguage(question);
    if (input.conversationId && !(await conversations.exists(input.actor, input.conversationId))) {
      throw new AppError('NOT_FOUND', `对话不存在 / no such conversation ${input.conversationId.slice(0, 100)}`, { field: 'conversationId' });
    }
    // An unknown or hidden collection is answered as a 404 before anything is stored or streamed.
    const scope = this.deps.scopes ? await this.deps.scopes.resolve(input.viewer ?? null, input.collections ?? []) : undefined;
    const history = input.conversationId ? await conversations.recentTurns(input.actor, input.conversationId, HISTORY_TURNS) : [];
    const rewrite = await this.deps.rewriter.rewrite(question, history, input.signal);
    const conversationId = input.conversationId ?? (await conversations.create(input.actor, question));
    const messageId = newId('msg');
    const engine: ChatEngine = llm ? 'llm' : 'extractive';
    onEvent({
      type: 'meta', conversationId, messageId, engine, model: llm?.model ?? null, promptVersion: llm ? promptTag(this.deps.answerPrompt) : null, lang, rewrittenQuery: rewrite.query,
    });
    // The tools the turn runs are kept with the answer, so a reopened conversation still shows them.
    const tools: ToolRecord[] = [];
    const emit = (e: ChatEvent) => {
      if (e.type === 'tool') tools.push({ name: e.name, status: e.status, summary: e.summary, ms: e.ms });
      onEvent(e);
    };
    try {
      const turn = await this.turn({ question, query: rewrite.query, lang, history, input, emit, scope });
      const usage = { promptTokens: rewrite.usage.promptTokens + turn.usage.promptTokens, completionTokens: rewrite.usage.completionTokens + turn.usage.completionTokens };
      const latencyMs = Math.round(performance.now() - started);
      const overheadMs = Math.max(0, Math.round(latencyMs - rewrite.modelMs - turn.modelMs));
      const cited = new Set(turn.sentences.filter((s) => s.supported).flatMap((s) => s.citations));
      const citations = turn.refused ? [] : turn.evidence.citations(cited);
      await conversations.appendTurn(input.actor, conversationId, { id: newId('msg'), content: question, lang }, {
        id: messageId, content: turn.answer, lang, citations, sentences: turn.sentences, engine, model: llm?.model ?? null,
        promptVersion: llm ? promptTag(this.deps.answerPrompt) : null, rewrittenQuery: rewrite.query, refused: turn.refused,
        promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, latencyMs, tools,
      });
      onEvent({ type: 'citations', citations });
      const done = { type: 'done' as const, messageId, answer: turn.answer, sentences: turn.sentences, refused: turn.refused, usage, latencyMs, overheadMs };
      onEvent(done);
      return { ...done, conversationId, citations, engine };
    } catch (e) {
      if (input.signal?.aborted) throw input.signal.reason ?? e;
      const err = isAppError(e) ? e : new AppError('INTERNAL', '回答失败 / the answer failed', { cause: e });
      if (!isAppError(e)) this.deps.log?.error({ err: e, conversationId }, 'chat turn failed');
      onEvent({ type: 'error', code: err.code, message: err.message });
      throw err;
    }
  }

  private async turn(t: { question: string; query: string; lang: ChatLang; history: { question: string; answer: string }[]; input: AskInput; emit: (e: ChatEvent) => void; scope?: KnowledgeScope }) {
    const { llm, tokenizer, tools } = this.deps;
    const ctx: ToolContext = { actor: t.input.actor, lang: t.lang, signal: t.input.signal, scope: t.scope };
    const emitRun = (r: { name: string; input: unknown; result: { status: 'ok' | 'error' | 'not_configured'; summary: string }; ms: number }) =>
      t.emit({ type: 'tool', name: r.name, input: r.input, status: r.result.status, summary: r.result.summary, ms: r.ms });
    const found = await retrieve(t.query, tools, tokenizer, ctx, emitRun, llm ? TOP_PASSAGES : EXTRACTIVE_PASSAGES);
    const none = { usage: { promptTokens: 0, completionTokens: 0 }, modelMs: 0 };
    const refuse = () => {
      t.emit({ type: 'citations', citations: [] });
      t.emit({ type: 'delta', text: REFUSAL[t.lang] });
      return { answer: REFUSAL[t.lang], sentences: [{ text: REFUSAL[t.lang], citations: [], supported: true }], refused: true, evidence: new EvidenceSet(), ...none };
    };
    const input: ExtractiveInput = { question: t.question, intent: classifyQuestion(t.question), terms: found.terms, passages: found.passages, facts: found.facts, entities: found.entities };
    if (!llm) {
      input.passages = await this.withChineseNames(input, tools, ctx, emitRun);
      input.passages = await this.withCodes(input, tools, ctx, emitRun);
      Object.assign(input, await this.withSections(input, tools, ctx, emitRun));
      let plan = planExtractive(input);
      if (plan.expand.length) {
        // Read whole the small tables the answer quotes part of, and the tables a passage cites, then plan again.
        const runs = await Promise.all(plan.expand.map((x) => tools.run('table_rows', x.input, ctx)));
        const passages = [...input.passages];
        runs.forEach((r, i) => {
          emitRun(r);
          const known = new Set(passages.map((p) => p.chunkId));
          const rows = (r.result.evidence ?? []).filter((e): e is ExtractiveInput['passages'][number] => e.kind === 'chunk' && !known.has(e.chunkId));
          passages.splice(passages.findIndex((p) => p.chunkId === plan.expand[i].after) + 1, 0, ...rows);
        });
        plan = planExtractive({ ...input, passages });
      }
      if (plan.kind === 'refuse') return refuse();
      const { text, cited } = renderAnswer(plan, t.lang);
      const used = new EvidenceSet();
      used.add(cited);
      t.emit({ type: 'citations', citations: used.citations() });
      for (const line of text.split('\n')) t.emit({ type: 'delta', text: `${line}\n` });
      return { ...this.check(text, used), refused: false, evidence: used, ...none };
    }
    const evidence = new EvidenceSet();
    evidence.add(found.evidence);
    if (evidence.size === 0) return refuse();
    const answer = await answerWithLlm(
      { llm, prompt: this.deps.answerPrompt, tools, numCtx: this.deps.numCtx, maxPromptTokens: await this.promptBudget(llm) },
      { question: t.question, lang: t.lang, history: t.history, evidence, ctx, emit: t.emit },
    );
    const refused = /^\s*(知识库中未找到|No relevant knowledge found)/i.test(answer.text);
    // The model's uncited sentences may be given the passage that supports them; the extractive fallback never needs it.
    let checked = this.check(answer.text, evidence, evidence.numbers());
    let shown = evidence;
    if (!refused && !checked.sentences.some((s) => s.supported && s.citations.length)) {
      // Nothing the model said survived the check: show the passages themselves rather than nothing. They replace
      // the answer, so they are numbered as an extractive answer is — 1, 2, … in order of use, whatever rank the
      // search gave them (the passages it ranked first may be the ones the engine rightly leaves out); the model's
      // dropped sentences cite nothing of that set.
      const plan = planExtractive(input);
      if (plan.kind !== 'refuse') {
        const { text, cited } = renderAnswer(plan, t.lang);
        shown = new EvidenceSet();
        shown.add(cited);
        const extra = this.check(`${CHECK_FAILED[t.lang]}\n${text.replace(`${EXTRACTIVE_LABEL[t.lang]}\n`, '')}`, shown);
        const dropped = checked.sentences.filter((s) => !s.supported).map((s) => ({ ...s, citations: [] }));
        checked = { answer: extra.answer, sentences: [...dropped, ...extra.sentences] };
      }
    }
    return { ...checked, refused, evidence: shown, usage: answer.usage, modelMs: answer.modelMs };
  }

  /**
   * The prompt a model reads within the first-token target at its measured speed. A CPU model reads 50–150
   * tokens/s, so a full 8k window would keep a resident waiting a minute before the first word; fewer passages
   * (the best-ranked stay) answer in seconds. Before a model's first streamed answer its speed is unknown: an
   * in-process model is then assumed to run on CPU, a server (perhaps on a GPU) is not limited.
   */
  private async promptBudget(llm: LlmProvider): Promise<number | undefined> {
    const { firstTokenTargetMs: target, promptSpeed } = this.deps;
    if (!target || !promptSpeed) return undefined;
    const tokensPerSec = (await promptSpeed(llm).catch(() => null)) ?? (llm.kind === 'embedded' ? ASSUMED_CPU_PROMPT_TOKENS_PER_SEC : null);
    return tokensPerSec ? promptTokensWithin(target, tokensPerSec) : undefined;
  }

  /**
   * An English question over a Chinese knowledge base: the lexicon knows the Chinese names of the entities it
   * names (cerebral infarction → 脑梗死, MRI → 磁共振成像), so those names are searched too.
   */
  private async withChineseNames(input: ExtractiveInput, tools: ToolRegistry, ctx: ToolContext, emitRun: (r: ToolRun) => void): Promise<ExtractiveInput['passages']> {
    const cjk = /[\u3400-\u9fff]/;
    if (cjk.test(input.question)) return input.passages;
    const names = input.terms.filter((t) => t.lexeme?.startsWith('#')).map((t) => t.surfaces.find((s) => cjk.test(s))).filter((s): s is string => !!s);
    if (!names.length) return input.passages;
    const query = [...new Set(names)].join(' ');
    const run = await tools.run('hybrid_search', { query, top: 10 }, ctx);
    emitRun(run);
    const known = new Set(input.passages.map((p) => p.chunkId));
    const found = (run.result.evidence ?? []).filter((e): e is ExtractiveInput['passages'][number] => e.kind === 'chunk' && !known.has(e.chunkId));
    return [...input.passages, ...found];
  }

  /**
   * A code the question depends on (Lung-RADS, BI-RADS, EBUS-TBNA) that at most one passage mentions is searched
   * on its own: passages naming it join the candidates; if none does, the knowledge base does not know it.
   */
  private async withCodes(input: ExtractiveInput, tools: ToolRegistry, ctx: ToolContext, emitRun: (r: ToolRun) => void): Promise<ExtractiveInput['passages']> {
    const passages = [...input.passages];
    for (const code of rareCodes(input.question, passages).slice(0, 2)) {
      const run = await tools.run('hybrid_search', { query: code, top: 5 }, ctx);
      emitRun(run);
      const known = new Set(passages.map((p) => p.chunkId));
      for (const e of run.result.evidence ?? []) if (e.kind === 'chunk' && !known.has(e.chunkId) && codeFound(code, `${(e.headingPath ?? []).join(' ')} ${e.text}`)) passages.push(e);
    }
    return passages;
  }

  /**
   * The sections of the documents the search found whose headings name the question's words (a section's
   * sentences rarely repeat its heading: 「5 平扫CT早期缺血征象」 lists 致密动脉征, 岛带征… under it).
   * Sections naming every word come before the search's passages, the others after them.
   */
  private async withSections(input: ExtractiveInput, tools: ToolRegistry, ctx: ToolContext, emitRun: (r: ToolRun) => void): Promise<Pick<ExtractiveInput, 'passages' | 'sectionMatch'>> {
    const terms = input.terms
      .filter((t) => !isQuestionWord(t.surfaces[0] ?? ''))
      .map((t) => ({ surfaces: t.surfaces.slice(0, 12), weight: topicWeight(t.surfaces[0] ?? '', t.weight || 1, t.lexeme) }))
      .slice(0, 12);
    const sourceIds = [...new Set(input.passages.map((p) => p.sourceId))].slice(0, 10);
    if (!terms.length || !sourceIds.length) return { passages: input.passages };
    const run = await tools.run('section_lookup', { terms, sourceIds, limit: 8 }, ctx);
    emitRun(run);
    const known = new Set(input.passages.map((p) => p.chunkId));
    const found = (run.result.evidence ?? []).filter((e): e is ExtractiveInput['passages'][number] => e.kind === 'chunk' && !known.has(e.chunkId));
    const matches = (run.result.data as { matches?: number[] } | undefined)?.matches ?? [];
    const all = (run.result.evidence ?? []).filter((e): e is ExtractiveInput['passages'][number] => e.kind === 'chunk');
    const sectionMatch = new Map(all.map((e, i) => [e.chunkId ?? '', matches[i] ?? 0]));
    const full = found.filter((e) => (sectionMatch.get(e.chunkId ?? '') ?? 0) >= 1);
    return { passages: [...full, ...input.passages, ...found.filter((e) => !full.includes(e))], sectionMatch };
  }

  private check(text: string, evidence: EvidenceSet, attributable?: number[]): { answer: string; sentences: CheckedSentence[] } {
    return checkAnswer(text, (n) => evidence.supportText(n), { attributable });
  }
}
