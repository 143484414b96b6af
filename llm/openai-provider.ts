import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import { configuredTargetFetch } from '../connectors/index.ts';
import { AppError } from '../core/index.ts';
import type { ChatRequest, ChatResponse, ChatStreamEvent, FinishReason, LlmProvider, TokenUsage } from './provider.ts';
import { stripThink, ThinkStreamFilter } from './think.ts';
import { openAiMessages, ToolCallAccumulator, toolCallsOf, toolsParam } from './tool-calls.ts';
import { AttemptGuard, finishReasonOf, LlmErrors, networkReason, type ProviderOptions, TransientFailure, withRetries } from './transport.ts';

/**
 * OpenAI-compatible servers (vLLM, llama.cpp, LM Studio, Xinference, OpenAI itself) through the official
 * `openai` client: `POST /v1/chat/completions` with `response_format: json_schema (strict)`, SSE streaming
 * with `stream_options.include_usage`, `tools` with `tool_calls` (streamed as argument fragments keyed by
 * index), `GET /v1/models` to check the model is served. The client's own
 * retries are off: this module applies the same policy as the Ollama provider (transport.ts).
 */
export class OpenAiProvider implements LlmProvider {
  readonly kind = 'openai' as const;
  readonly model: string;
  readonly url: string;
  private readonly errors: LlmErrors;
  private readonly client: OpenAI;

  constructor(private readonly opts: ProviderOptions) {
    this.model = opts.model;
    this.url = opts.url;
    this.errors = new LlmErrors('openai', opts.url, opts.model);
    const base = opts.url.replace(/\/+$/, '');
    this.client = new OpenAI({
      // Accept both `http://host:8000` and `http://host:8000/v1`, as the embedders do.
      baseURL: /\/v1$/.test(base) ? base : `${base}/v1`,
      // Local servers usually need no key: send a placeholder and strip the header, so neither
      // OPENAI_API_KEY nor any other variable from the environment is picked up silently.
      apiKey: opts.apiKey ?? 'none',
      defaultHeaders: opts.apiKey ? undefined : { Authorization: null },
      organization: null,
      project: null,
      maxRetries: 0,
      // The outbound client (connectors): resolved once, the checked address connected to, SSE streamed as it arrives.
      fetch: opts.fetch ?? configuredTargetFetch(opts.url),
      timeout: opts.timeoutMs,
      logLevel: 'off',
    });
  }

  async init(signal?: AbortSignal): Promise<void> {
    const guard = new AttemptGuard(this.opts.timeoutMs, signal);
    const ids: string[] = [];
    try {
      for await (const m of this.client.models.list({ signal: guard.signal })) ids.push(m.id);
    } catch (e) {
      const f = this.failure(e, guard, signal);
      throw f instanceof TransientFailure ? f.error : f;
    } finally {
      guard.dispose();
    }
    if (!ids.includes(this.model)) {
      throw this.errors.unavailable(`does not serve model ${this.model} (have: ${ids.slice(0, 10).join(', ') || 'none'})`, undefined, 'YZ_LLM_MODEL');
    }
  }

  async chat(req: ChatRequest): Promise<ChatResponse> {
    const started = performance.now();
    const { value, attempts } = await withRetries(this.retryOptions(req), async () => {
      const guard = new AttemptGuard(this.opts.timeoutMs, req.signal);
      try {
        const completion = (await this.client.chat.completions.create({ ...this.params(req), stream: false }, { signal: guard.signal })) as unknown;
        const c = completion as {
          choices?: { message?: { content?: string | null; tool_calls?: Parameters<typeof toolCallsOf>[0] }; finish_reason?: string | null }[];
          usage?: { prompt_tokens?: number; completion_tokens?: number };
        };
        if (!c || typeof c !== 'object' || !Array.isArray(c.choices)) {
          throw new TransientFailure(this.errors.unavailable(`answered /chat/completions with an unexpected body: ${String(JSON.stringify(completion)).slice(0, 120)}`));
        }
        const message = c.choices[0]?.message;
        return { content: message?.content ?? '', usage: usageOf(c.usage), toolCalls: toolCallsOf(message?.tool_calls), finishReason: finishReasonOf(c.choices[0]?.finish_reason) };
      } catch (e) {
        throw this.failure(e, guard, req.signal);
      } finally {
        guard.dispose();
      }
    });
    return { text: stripThink(value.content), usage: value.usage, latencyMs: Math.round(performance.now() - started), attempts, toolCalls: value.toolCalls, finishReason: value.finishReason };
  }

  async *chatStream(req: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const started = performance.now();
    const { value: opened, attempts } = await withRetries(this.retryOptions(req), async () => {
      const guard = new AttemptGuard(this.opts.timeoutMs, req.signal);
      try {
        const stream = await this.client.chat.completions.create(
          { ...this.params(req), stream: true, stream_options: { include_usage: true } },
          { signal: guard.signal },
        );
        return { stream, guard };
      } catch (e) {
        guard.dispose();
        throw this.failure(e, guard, req.signal);
      }
    });
    const { stream, guard } = opened;
    const filter = new ThinkStreamFilter();
    let raw = '';
    let finished = false;
    let finishReason: FinishReason | undefined;
    let firstTokenMs: number | undefined;
    let usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
    const calls = new ToolCallAccumulator();
    try {
      for await (const chunk of stream) {
        guard.touch();
        if (chunk.usage) usage = usageOf(chunk.usage);
        const choice = chunk.choices?.[0];
        const content = choice?.delta?.content ?? '';
        calls.push(choice?.delta?.tool_calls);
        if (content) firstTokenMs ??= Math.round(performance.now() - started);
        raw += content;
        const visible = filter.push(content);
        if (visible) yield { delta: visible };
        if (choice?.finish_reason) {
          finished = true;
          finishReason = finishReasonOf(choice.finish_reason);
        }
      }
      // The client ends an aborted stream quietly: tell a timeout and an abort from a complete answer.
      if (guard.timedOut) throw this.errors.timeout(this.opts.timeoutMs);
      if (req.signal?.aborted) throw req.signal.reason;
      if (!finished) throw this.errors.unavailable('closed the stream before a finish_reason (truncated answer)');
      const tail = filter.flush();
      if (tail) yield { delta: tail };
      yield { done: true, text: stripThink(raw), usage, latencyMs: Math.round(performance.now() - started), attempts, toolCalls: calls.result(), finishReason, firstTokenMs };
    } catch (e) {
      const f = this.failure(e, guard, req.signal);
      throw f instanceof TransientFailure ? f.error : f;
    } finally {
      guard.dispose();
      stream.controller.abort();
    }
  }

  async close(): Promise<void> {}

  private params(req: ChatRequest): ChatCompletionCreateParamsBase {
    return {
      model: this.model,
      messages: openAiMessages(req.messages) as ChatCompletionCreateParamsBase['messages'],
      ...(toolsParam(req.tools) as Pick<ChatCompletionCreateParamsBase, 'tools'>),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
      ...(req.jsonSchema
        ? { response_format: { type: 'json_schema', json_schema: { name: req.jsonSchema.name, schema: req.jsonSchema.schema, strict: true } } }
        : {}),
    };
  }

  private retryOptions(req: ChatRequest) {
    return { retries: this.opts.retries ?? 2, backoffMs: this.opts.backoffMs ?? 500, signal: req.signal };
  }

  /** Map what the client threw onto the shared policy (see LlmErrors.status and transport.ts). */
  private failure(e: unknown, guard: AttemptGuard, signal: AbortSignal | undefined): unknown {
    if (e instanceof AppError || e instanceof TransientFailure) return e;
    if (guard.timedOut || e instanceof APIConnectionTimeoutError) return this.errors.timeout(this.opts.timeoutMs);
    if (signal?.aborted) return signal.reason;
    if (e instanceof APIError && e.status) return this.errors.status(e.status, JSON.stringify(e.error ?? e.message), e.headers?.get('retry-after'));
    if (e instanceof APIConnectionError) return new TransientFailure(this.errors.unavailable(`could not be reached (or dropped the connection): ${networkReason(e.cause ?? e)}`, e));
    // An `error` event inside an SSE stream: the server gave up on this answer.
    if (e instanceof APIError) return this.errors.unavailable(`reported an error: ${e.message}`, e);
    return new TransientFailure(this.errors.unavailable(`answered with a malformed body: ${(e as Error)?.message ?? e}`, e));
  }
}

function usageOf(u: { prompt_tokens?: number; completion_tokens?: number } | null | undefined): TokenUsage {
  return { promptTokens: u?.prompt_tokens ?? 0, completionTokens: u?.completion_tokens ?? 0 };
}

