import { AppError, deidentify } from '../../core/index.ts';
import { type ChatMessage, type LlmProvider, type Prompt, promptTag, renderPrompt, type TokenUsage, type ToolCall } from '../../llm/index.ts';
import type { ChatEvent, ChatLang } from '../chat.types.ts';
import type { ToolRegistry, ToolRun } from '../tools/registry.ts';
import type { ToolContext } from '../tools/tool.ts';
import { estimateTokens, fitPrompt } from './context-budget.ts';
import { clip, type EvidenceSet } from './evidence.ts';
import type { PastTurn } from './query-rewrite.ts';

/** Rounds in which the model may call tools; the round after them offers none, so it must answer. */
export const MAX_TOOL_ROUNDS = 2;
const TOOL_EVIDENCE_CHARS = 600;

export interface LlmAnswerDeps {
  llm: LlmProvider;
  prompt: Prompt;
  tools: ToolRegistry;
  numCtx: number;
  /** Upper bound on the prompt's tokens below the context window (the first-token budget); absent: the window. */
  maxPromptTokens?: number;
}

export interface LlmAnswerInput {
  question: string;
  lang: ChatLang;
  history: PastTurn[];
  evidence: EvidenceSet;
  ctx: ToolContext;
  emit: (e: ChatEvent) => void;
  onToolRun?: (r: ToolRun) => void;
}

export interface LlmAnswer {
  text: string;
  usage: TokenUsage;
  /** Time spent waiting for the model server (from each request to its last piece). */
  modelMs: number;
}

/**
 * The answer from the model: a prompt fitted to num_ctx, streamed; tool calls are run through the
 * registry (the fixed allowlist) and their results, numbered as new evidence, sent back for another round.
 */
export async function answerWithLlm(deps: LlmAnswerDeps, input: LlmAnswerInput): Promise<LlmAnswer> {
  const { llm, prompt, tools, numCtx } = deps;
  const { lang, evidence, emit } = input;
  const reserve = Math.min(1024, Math.floor(numCtx / 4));
  const specs = tools.specs();
  const fitted = fitPrompt(
    {
      system: (earlier) => renderPrompt(prompt, 'system', { answer_language: lang === 'zh' ? '中文' : '英文（English）', earlier }),
      user: (block, question) => renderPrompt(prompt, 'user', { evidence: block, question }),
      // Questions leave the trust boundary de-identified (labelled names, phone and ID numbers, dates…).
      history: input.history.map((t) => ({ question: deidentify(t.question).text, answer: t.answer.replace(/\[\d+\]/g, '') })),
      question: deidentify(input.question).text,
      evidence: evidence.numbers(),
      renderEvidence: (n, max) => evidence.render(n, lang, max),
      toolTokens: estimateTokens(JSON.stringify(specs)),
      earlierNote: (qs) => (lang === 'zh' ? `（更早的对话因上下文长度已省略，用户当时问过：${qs.join('；')}）` : `(Earlier turns were trimmed to fit the context; the user asked: ${qs.join('; ')})`),
    },
    numCtx,
    reserve,
    deps.maxPromptTokens,
  );
  evidence.keepOnly(fitted.included);
  emit({ type: 'citations', citations: evidence.citations() });

  const messages: ChatMessage[] = fitted.messages;
  let room = numCtx - reserve - fitted.estimatedTokens;
  const usage = { promptTokens: 0, completionTokens: 0 };
  let modelMs = 0;
  for (let round = 0; ; round++) {
    const offerTools = fitted.withTools && round < MAX_TOOL_ROUNDS;
    const started = performance.now();
    let text = '';
    let calls: ToolCall[] = [];
    for await (const e of llm.chatStream({ messages, tools: offerTools ? specs : undefined, temperature: 0.2, maxTokens: reserve, purpose: promptTag(prompt), signal: input.ctx.signal })) {
      if ('delta' in e) {
        emit({ type: 'delta', text: e.delta });
        continue;
      }
      text = e.text;
      calls = offerTools ? e.toolCalls : [];
      usage.promptTokens += e.usage.promptTokens;
      usage.completionTokens += e.usage.completionTokens;
    }
    modelMs += performance.now() - started;
    if (!calls.length) {
      if (!text.trim()) throw new AppError('LLM_BAD_OUTPUT', `大模型返回了空回答 / model ${llm.model} returned an empty answer`, { field: 'YZ_LLM_MODEL' });
      return { text, usage, modelMs };
    }
    messages.push({ role: 'assistant', content: text, toolCalls: calls });
    const before = evidence.size;
    for (const call of calls) {
      const run: ToolRun = call.argumentsError
        ? { name: call.name, input: call.arguments, result: { status: 'error', summary: `invalid arguments: ${call.argumentsError}` }, ms: 0 }
        : await tools.run(call.name, call.arguments, input.ctx);
      input.onToolRun?.(run);
      emit({ type: 'tool', name: run.name, input: run.input, status: run.result.status, summary: run.result.summary, ms: run.ms });
      const content = renderToolResult(run, evidence, lang, room);
      room -= estimateTokens(content) + 8;
      messages.push({ role: 'tool', content, toolCallId: call.id, toolName: call.name });
    }
    if (evidence.size > before) emit({ type: 'citations', citations: evidence.citations() });
  }
}

/** A tool result as the model reads it: status, summary, and any evidence numbered for citing (as room allows). */
function renderToolResult(run: ToolRun, evidence: EvidenceSet, lang: ChatLang, room: number): string {
  const lines = [`status: ${run.result.status}`, `summary: ${run.result.summary}`];
  let left = room - estimateTokens(lines.join('\n'));
  for (const item of run.result.evidence ?? []) {
    const cost = estimateTokens(item.kind === 'chunk' ? clip(item.text, TOOL_EVIDENCE_CHARS) : item.quote) + 40;
    if (cost > left) break;
    const [n] = evidence.add([item]);
    lines.push(evidence.render(n, lang, TOOL_EVIDENCE_CHARS));
    left -= cost;
  }
  return lines.join('\n');
}
