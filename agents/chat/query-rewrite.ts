import { z } from 'zod';
import { deidentify, ENTITY_PREFIX, type Logger, type Tokenizer } from '../../core/index.ts';
import { hashInput, type LlmProvider, type LlmResponseCache, parseModelJson, type Prompt, renderPrompt, type TokenUsage } from '../../llm/index.ts';
import { clip } from './evidence.ts';

export interface PastTurn {
  question: string;
  answer: string;
}

export interface Rewrite {
  query: string;
  /** `none`: first question, nothing to rewrite; `rules`: the deterministic fallback. */
  via: 'none' | 'llm' | 'cache' | 'rules';
  usage: TokenUsage;
  /** Time spent waiting for the model server. */
  modelMs: number;
}

const RewriteSchema = z.object({ query: z.string().trim().min(1).max(500) });
const REWRITE_JSON_SCHEMA = {
  name: 'query_rewrite',
  schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'], additionalProperties: false },
};
/** Earlier turns shown to the rewriter; older ones rarely decide what "它" refers to. */
const HISTORY_TURNS = 3;
const KEY_TERMS = 4;

/**
 * Follow-up questions ("那随访间隔呢？") rewritten into standalone search queries. With a model: the
 * query-rewrite prompt as a structured call, answers cached by (model, prompt version, input hash). Without
 * one, or when the model fails or answers garbage: the deterministic rewrite below.
 */
export class QueryRewriter {
  constructor(
    private readonly deps: { llm: LlmProvider | null; cache: LlmResponseCache; tokenizer: Tokenizer; prompt: Prompt; log?: Logger },
  ) {}

  async rewrite(question: string, history: PastTurn[], signal?: AbortSignal): Promise<Rewrite> {
    const none = { usage: { promptTokens: 0, completionTokens: 0 }, modelMs: 0 };
    if (!history.length) return { query: question, via: 'none', ...none };
    const { llm } = this.deps;
    if (llm) {
      try {
        return await this.withModel(llm, question, history.slice(-HISTORY_TURNS), signal);
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        this.deps.log?.warn({ err: e }, 'query rewrite by the model failed; using the deterministic rewrite');
      }
    }
    return { query: deterministicRewrite(question, history.at(-1)?.question ?? '', this.deps.tokenizer), via: 'rules', ...none };
  }

  private async withModel(llm: LlmProvider, question: string, history: PastTurn[], signal?: AbortSignal): Promise<Rewrite> {
    const { prompt, cache } = this.deps;
    const transcript = history.map((t) => `用户：${clip(deidentify(t.question).text, 300)}\n助手：${clip(t.answer.replace(/\[\d+\]/g, ''), 300)}`).join('\n');
    const messages = [
      { role: 'system' as const, content: renderPrompt(prompt, 'system', {}) },
      { role: 'user' as const, content: renderPrompt(prompt, 'user', { history: transcript, question: deidentify(question).text }) },
    ];
    const key = { model: `${llm.kind}:${llm.model}`, promptId: prompt.id, promptVersion: prompt.version, inputSha256: hashInput({ messages, schema: REWRITE_JSON_SCHEMA }) };
    const cached = await cache.get(key);
    if (cached) return { query: parseModelJson(cached.text, RewriteSchema).query, via: 'cache', usage: { promptTokens: 0, completionTokens: 0 }, modelMs: 0 };
    const res = await llm.chat({ messages, jsonSchema: REWRITE_JSON_SCHEMA, temperature: 0, maxTokens: 200, purpose: `${prompt.id}@v${prompt.version}`, signal });
    const parsed = parseModelJson(res.text, RewriteSchema);
    await cache.put(key, { text: JSON.stringify(parsed), usage: res.usage });
    return { query: parsed.query, via: 'llm', usage: res.usage, modelMs: res.latencyMs };
  }
}

/**
 * Without a model: a follow-up that names no entity of its own ("那随访间隔呢？") gets the previous
 * question's key terms (lexicon entities first, then other content words) put in front of it; a question
 * that names its own entity is taken as a new topic and left alone.
 */
export function deterministicRewrite(question: string, previous: string, tokenizer: Tokenizer): string {
  const own = tokenizer.queryTokens(question);
  if (own.some((t) => t.lexeme.startsWith(ENTITY_PREFIX))) return question;
  const prev = tokenizer.queryTokens(previous);
  const ordered = [...prev.filter((t) => t.lexeme.startsWith(ENTITY_PREFIX)), ...prev.filter((t) => !t.lexeme.startsWith(ENTITY_PREFIX))];
  const terms: string[] = [];
  for (const t of ordered) {
    if (terms.length >= KEY_TERMS) break;
    if (!question.includes(t.surface) && !terms.includes(t.surface)) terms.push(t.surface);
  }
  return terms.length ? `${terms.join(' ')} ${question}` : question;
}
