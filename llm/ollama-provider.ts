import { z } from 'zod';
import { configuredTargetFetch, type FetchLike } from '../connectors/index.ts';
import { AppError } from '../core/index.ts';
import type { ChatRequest, ChatResponse, ChatStreamEvent, LlmProvider, TokenUsage, ToolCall } from './provider.ts';
import { stripThink, ThinkStreamFilter } from './think.ts';
import { ollamaMessages, toolCallsOf, toolsParam } from './tool-calls.ts';
import { AttemptGuard, finishReasonOf, joinUrl, LlmErrors, networkReason, type ProviderOptions, TransientFailure, withRetries } from './transport.ts';

/** One object of `/api/chat` (the whole answer, or one NDJSON line of a stream). */
const ChatPiece = z.object({
  message: z
    .object({
      content: z.string().nullish().transform((c) => c ?? ''),
      tool_calls: z.array(z.object({ id: z.string().optional(), function: z.object({ name: z.string(), arguments: z.unknown().optional() }) })).nullish(),
    })
    .optional(),
  done: z.boolean().default(false),
  done_reason: z.string().optional(),
  prompt_eval_count: z.number().optional(),
  eval_count: z.number().optional(),
  error: z.string().optional(),
});
type ChatPiece = z.infer<typeof ChatPiece>;

const Tags = z.object({ models: z.array(z.object({ name: z.string(), model: z.string().optional() })) });

/**
 * Ollama's native API over the outbound client's fetch (connectors: resolved once, the checked address connected to): `POST /api/chat` (JSON, or NDJSON when streaming) with `format` set
 * to the JSON schema, `tools` and `options.num_ctx`, `GET /api/tags` to check the model is pulled.
 * Tool calls arrive whole in `message.tool_calls` (arguments as an object), streamed or not.
 */
export class OllamaProvider implements LlmProvider {
  readonly kind = 'ollama' as const;
  readonly model: string;
  readonly url: string;
  private readonly errors: LlmErrors;
  private readonly fetch: FetchLike;

  constructor(private readonly opts: ProviderOptions) {
    this.model = opts.model;
    this.url = opts.url;
    this.errors = new LlmErrors('ollama', opts.url, opts.model);
    this.fetch = opts.fetch ?? configuredTargetFetch(opts.url);
  }

  async init(signal?: AbortSignal): Promise<void> {
    const guard = new AttemptGuard(this.opts.timeoutMs, signal);
    let names: string[];
    try {
      const res = await this.send(guard, 'GET', 'api/tags');
      const parsed = Tags.safeParse(await res.json().catch(() => null));
      if (!parsed.success) throw this.errors.unavailable('answered /api/tags with an unexpected body (is this an Ollama server?)');
      names = parsed.data.models.flatMap((m) => [m.name, m.model ?? m.name]);
    } catch (e) {
      const f = this.failure(e, guard, signal);
      throw f instanceof TransientFailure ? f.error : f;
    } finally {
      guard.dispose();
    }
    const wanted = this.model.includes(':') ? [this.model] : [this.model, `${this.model}:latest`];
    if (!wanted.some((w) => names.includes(w))) {
      throw this.errors.unavailable(`does not serve model ${this.model} (have: ${names.slice(0, 10).join(', ') || 'none'}; run \`ollama pull ${this.model}\`)`, undefined, 'YZ_LLM_MODEL');
    }
  }

  async chat(req: ChatRequest): Promise<ChatResponse> {
    const started = performance.now();
    const { value, attempts } = await withRetries(this.retryOptions(req), async () => {
      const guard = new AttemptGuard(this.opts.timeoutMs, req.signal);
      try {
        const res = await this.send(guard, 'POST', 'api/chat', this.body(req, false));
        const raw = await res.text();
        let piece: ChatPiece;
        try {
          piece = ChatPiece.parse(JSON.parse(raw));
        } catch {
          throw new TransientFailure(this.errors.unavailable(`answered /api/chat with a malformed body: ${raw.slice(0, 120)}`));
        }
        if (piece.error) throw new TransientFailure(this.errors.unavailable(`reported an error: ${piece.error}`));
        return piece;
      } catch (e) {
        throw this.failure(e, guard, req.signal);
      } finally {
        guard.dispose();
      }
    });
    return {
      text: stripThink(value.message?.content ?? ''),
      usage: usageOf(value),
      latencyMs: Math.round(performance.now() - started),
      attempts,
      toolCalls: toolCallsOf(value.message?.tool_calls),
      finishReason: finishReasonOf(value.done_reason),
    };
  }

  async *chatStream(req: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const started = performance.now();
    const { value: opened, attempts } = await withRetries(this.retryOptions(req), async () => {
      const guard = new AttemptGuard(this.opts.timeoutMs, req.signal);
      try {
        return { res: await this.send(guard, 'POST', 'api/chat', this.body(req, true)), guard };
      } catch (e) {
        guard.dispose();
        throw this.failure(e, guard, req.signal);
      }
    });
    const { res, guard } = opened;
    const filter = new ThinkStreamFilter();
    let raw = '';
    let last: ChatPiece | undefined;
    let firstTokenMs: number | undefined;
    const toolCalls: ToolCall[] = [];
    try {
      for await (const line of ndjsonLines(res.body)) {
        guard.touch();
        let piece: ChatPiece;
        try {
          piece = ChatPiece.parse(JSON.parse(line));
        } catch {
          throw this.errors.unavailable(`sent a malformed stream line: ${line.slice(0, 120)}`);
        }
        if (piece.error) throw this.errors.unavailable(`reported an error mid-stream: ${piece.error}`);
        const content = piece.message?.content ?? '';
        toolCalls.push(...toolCallsOf(piece.message?.tool_calls));
        if (content) firstTokenMs ??= Math.round(performance.now() - started);
        raw += content;
        const visible = filter.push(content);
        if (visible) yield { delta: visible };
        if (piece.done) {
          last = piece;
          break;
        }
      }
      if (!last) throw this.errors.unavailable('closed the stream before it was done (truncated answer)');
      const tail = filter.flush();
      if (tail) yield { delta: tail };
      yield { done: true, text: stripThink(raw), usage: usageOf(last), latencyMs: Math.round(performance.now() - started), attempts, toolCalls, finishReason: finishReasonOf(last.done_reason), firstTokenMs };
    } catch (e) {
      const f = this.failure(e, guard, req.signal);
      throw f instanceof TransientFailure ? f.error : f;
    } finally {
      guard.dispose();
      await res.body?.cancel().catch(() => {});
    }
  }

  async close(): Promise<void> {}

  private body(req: ChatRequest, stream: boolean): Record<string, unknown> {
    const options: Record<string, number> = {};
    if (this.opts.numCtx) options.num_ctx = this.opts.numCtx;
    if (req.temperature !== undefined) options.temperature = req.temperature;
    if (req.maxTokens !== undefined) options.num_predict = req.maxTokens;
    return {
      model: this.model,
      messages: ollamaMessages(req.messages),
      stream,
      ...toolsParam(req.tools),
      ...(req.jsonSchema ? { format: req.jsonSchema.schema } : {}),
      options,
    };
  }

  private retryOptions(req: ChatRequest) {
    return { retries: this.opts.retries ?? 2, backoffMs: this.opts.backoffMs ?? 500, signal: req.signal };
  }

  /** One HTTP request; an error status becomes an AppError or TransientFailure. */
  private async send(guard: AttemptGuard, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const res = await this.fetch(joinUrl(this.url, path), {
      method,
      headers: { 'content-type': 'application/json', ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: guard.signal,
    });
    if (!res.ok) throw this.errors.status(res.status, await res.text().catch(() => ''), res.headers.get('retry-after'));
    return res;
  }

  /** Classify what an attempt threw: ours as is; the timeout; the caller's abort (its reason); else the network. */
  private failure(e: unknown, guard: AttemptGuard, signal: AbortSignal | undefined): unknown {
    if (e instanceof AppError || e instanceof TransientFailure) return e;
    if (guard.timedOut) return this.errors.timeout(this.opts.timeoutMs);
    if (signal?.aborted) return signal.reason;
    return new TransientFailure(this.errors.unavailable(`could not be reached (or dropped the connection): ${networkReason(e)}`, e));
  }
}

function usageOf(p: ChatPiece): TokenUsage {
  return { promptTokens: p.prompt_eval_count ?? 0, completionTokens: p.eval_count ?? 0 };
}

/** Lines of an NDJSON body as they arrive (blank lines skipped). */
async function* ndjsonLines(body: ReadableStream<Uint8Array> | null): AsyncIterable<string> {
  if (!body) return;
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) yield line;
      nl = pending.indexOf('\n');
    }
  }
  pending += decoder.decode();
  if (pending.trim()) yield pending.trim();
}
